import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { INVOICE_ENTITIES } from './invoice.entities';
import { QuotaModule } from '../quota/quota.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { BatchSheetController } from './batch-sheet.controller';
import { CounterpartiesController, CounterpartiesService } from './counterparties';
import { CounterpartiesRepository } from './counterparties.repository';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { InvoiceFiles } from './invoice-files';
import { InvoiceWriter } from './invoice-writer';
import { InvoicesRepository } from './invoices.repository';
import { IssueGroupCommitter } from './issue-group-committer';
import { IssueRedInvoice, ISSUING_USE_CASES } from './use-cases';
import { NumberingService } from './numbering.service';
import { NumberSequencesRepository } from './number-sequences.repository';

@Module({
  imports: [TypeOrmModule.forFeature(INVOICE_ENTITIES), QuotaModule, TaxpayersModule],
  controllers: [BatchSheetController, InvoicesController, CounterpartiesController],
  providers: [
    ...ISSUING_USE_CASES,
    IssueGroupCommitter,
    InvoiceWriter,
    InvoicesRepository,
    NumberSequencesRepository,
    InvoicesService,
    NumberingService,
    CounterpartiesService,
    CounterpartiesRepository,
    InvoiceFiles,
  ],
  exports: [IssueRedInvoice, InvoicesService, InvoicesRepository, NumberingService, InvoiceFiles],
})
export class InvoicesModule {}
