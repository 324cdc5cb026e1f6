import { Module } from '@nestjs/common';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { QuotaController } from './quota.controller';
import { QuotaOperationsService } from './quota-operations.service';
import { QuotaService } from './quota.service';

@Module({
  imports: [TaxpayersModule],
  controllers: [QuotaController],
  providers: [QuotaService, QuotaOperationsService],
  exports: [QuotaService],
})
export class QuotaModule {}
