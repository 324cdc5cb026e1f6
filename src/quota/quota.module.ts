import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { QUOTA_ENTITIES } from './quota.entities';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { QuotaController } from './quota.controller';
import { QuotaOperationsService } from './quota-operations.service';
import { QuotaService } from './quota.service';
import { QuotaLedgerRepository } from './quota-ledger.repository';
import { QuotaMonthsRepository } from './quota-months.repository';
import { VatFilingsRepository } from './vat-filings.repository';
import { QuotaApplicationsRepository } from './quota-applications.repository';
import { QuotaObjectionsRepository } from './quota-objections.repository';
import { PaperCollectionsRepository } from './paper-collections.repository';

@Module({
  imports: [TypeOrmModule.forFeature(QUOTA_ENTITIES), TaxpayersModule],
  controllers: [QuotaController],
  providers: [
    QuotaService,
    QuotaOperationsService,
    QuotaMonthsRepository,
    QuotaLedgerRepository,
    VatFilingsRepository,
    QuotaApplicationsRepository,
    QuotaObjectionsRepository,
    PaperCollectionsRepository,
  ],
  exports: [QuotaService],
})
export class QuotaModule {}
