import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { PlatformController } from './platform.controller';
import { RenderingController } from './rendering.controller';
import { RenderingService } from './rendering.service';
import { SigningKeysService } from './signing-keys.service';

@Module({
  imports: [InvoicesModule, TaxpayersModule],
  controllers: [RenderingController, PlatformController],
  providers: [RenderingService, SigningKeysService],
  exports: [RenderingService, SigningKeysService],
})
export class RenderingModule {}
