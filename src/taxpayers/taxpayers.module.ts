import { Module } from '@nestjs/common';
import { TaxpayersController } from './taxpayers.controller';
import { TaxpayersService } from './taxpayers.service';

@Module({ controllers: [TaxpayersController], providers: [TaxpayersService], exports: [TaxpayersService] })
export class TaxpayersModule {}
