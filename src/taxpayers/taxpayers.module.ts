import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { TaxpayerEntity } from './taxpayer.entity';
import { TaxpayersController } from './taxpayers.controller';
import { TaxpayersService } from './taxpayers.service';
import { TaxpayersRepository } from './taxpayers.repository';

@Module({
  imports: [TypeOrmModule.forFeature([TaxpayerEntity])],
  controllers: [TaxpayersController],
  providers: [TaxpayersService, TaxpayersRepository],
  exports: [TaxpayersService],
})
export class TaxpayersModule {}
