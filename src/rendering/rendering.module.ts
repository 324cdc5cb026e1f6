import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { RenderingController } from './rendering.controller';
import { RenderingService } from './rendering.service';

@Module({
  imports: [InvoicesModule, TaxpayersModule],
  controllers: [RenderingController],
  providers: [RenderingService],
  exports: [RenderingService],
})
export class RenderingModule {}
