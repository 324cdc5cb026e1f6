import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { INVOICE_ENTITIES } from './invoice.entities';
import { QuotaModule } from '../quota/quota.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { BatchSheetController } from './batch-sheet.controller';
import { CounterpartiesController, CounterpartiesService } from './counterparties';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { IssuingService } from './issuing.service';
import { NumberingService } from './numbering.service';

@Module({
  imports: [TypeOrmModule.forFeature(INVOICE_ENTITIES), QuotaModule, TaxpayersModule],
  controllers: [BatchSheetController, InvoicesController, CounterpartiesController],
  providers: [IssuingService, InvoicesService, NumberingService, CounterpartiesService],
  exports: [IssuingService, InvoicesService, NumberingService],
})
export class InvoicesModule {}
