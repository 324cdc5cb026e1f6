import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { QUOTA_ENTITIES } from './quota.entities';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { QuotaController } from './quota.controller';
import { QuotaOperationsService } from './quota-operations.service';
import { QuotaService } from './quota.service';

@Module({
  imports: [TypeOrmModule.forFeature(QUOTA_ENTITIES), TaxpayersModule],
  controllers: [QuotaController],
  providers: [QuotaService, QuotaOperationsService],
  exports: [QuotaService],
})
export class QuotaModule {}
