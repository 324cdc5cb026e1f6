import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { OutboxEventsRepository } from './outbox-events.repository';
import { SecretBox } from './secret-box';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookRetention } from './webhook-retention';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';
import { WEBHOOK_ENTITIES } from './webhook.entities';

/** Webhook endpoints, fan-out of the outbox, delivery and retention (the outbox writer itself is database/outbox.service.ts). */
@Module({
  imports: [TypeOrmModule.forFeature(WEBHOOK_ENTITIES), TaxpayersModule],
  controllers: [WebhooksController],
  providers: [
    SecretBox,
    WebhooksRepository,
    WebhookDeliveriesRepository,
    WebhookAttemptsRepository,
    OutboxEventsRepository,
    WebhooksService,
    WebhookDispatcher,
    WebhookRetention,
  ],
  exports: [WebhookDispatcher, WebhookRetention],
})
export class WebhooksModule {}
