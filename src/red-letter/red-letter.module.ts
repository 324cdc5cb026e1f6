import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { RED_LETTER_ENTITIES } from './red-letter.entities';
import { InvoicesModule } from '../invoices/invoices.module';
import { QuotaModule } from '../quota/quota.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { RedLetterController } from './red-letter.controller';
import { RedLetterService } from './red-letter.service';
import { SlipsRepository } from './slips.repository';

@Module({
  imports: [TypeOrmModule.forFeature(RED_LETTER_ENTITIES), InvoicesModule, QuotaModule, TaxpayersModule],
  controllers: [RedLetterController],
  providers: [RedLetterService, SlipsRepository],
  exports: [RedLetterService],
})
export class RedLetterModule {}
