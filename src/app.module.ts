import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ClockModule } from './system/clock.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DeliveryModule } from './delivery/delivery.module';
import { ExportsModule } from './exports/exports.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { HealthModule } from './health/health.controller';
import { InvoicesModule } from './invoices/invoices.module';
import { VerificationModule } from './invoices/verification.module';
import { QuotaModule } from './quota/quota.module';
import { RedLetterModule } from './red-letter/red-letter.module';
import { RenderingModule } from './rendering/rendering.module';
import { TaxpayersModule } from './taxpayers/taxpayers.module';
import { VatReturnsModule } from './vat-returns/vat-returns.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        ClockModule.forRoot(config),
        AuditModule,
        CommonModule,
        IdempotencyModule,
        TaxpayersModule,
        AuthModule,
        QuotaModule,
        InvoicesModule,
        RedLetterModule,
        RenderingModule,
        DeliveryModule,
        ExportsModule,
        VatReturnsModule,
        VerificationModule.forRoot(config),
        HealthModule,
        WebhooksModule,
      ],
    };
  }
}
