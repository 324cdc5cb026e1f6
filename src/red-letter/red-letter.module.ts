import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { QuotaModule } from '../quota/quota.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { RedLetterController } from './red-letter.controller';
import { RedLetterService } from './red-letter.service';

@Module({
  imports: [InvoicesModule, QuotaModule, TaxpayersModule],
  controllers: [RedLetterController],
  providers: [RedLetterService],
})
export class RedLetterModule {}
