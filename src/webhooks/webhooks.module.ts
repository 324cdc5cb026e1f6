import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { SecretBox } from './secret-box';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookRetention } from './webhook-retention';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';
import { WEBHOOK_ENTITIES } from './webhook.entities';

/** Webhook endpoints, fan-out of the outbox, delivery and retention (the outbox writer itself is database/outbox.service.ts). */
@Module({
  imports: [TypeOrmModule.forFeature(WEBHOOK_ENTITIES), TaxpayersModule],
  controllers: [WebhooksController],
  providers: [SecretBox, WebhooksService, WebhookDispatcher, WebhookRetention],
  exports: [WebhookDispatcher, WebhookRetention],
})
export class WebhooksModule {}
