import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InvoicesModule } from '../invoices/invoices.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { PlatformController } from './platform.controller';
import { RenderingController } from './rendering.controller';
import { RenderingService } from './rendering.service';
import { SignedXmlRepository } from './signed-xml.repository';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';
import { SIGNING_ENTITIES } from './signing.entities';

@Module({
  imports: [TypeOrmModule.forFeature(SIGNING_ENTITIES), InvoicesModule, TaxpayersModule],
  controllers: [RenderingController, PlatformController],
  providers: [SignedXmlRepository, SigningKeysRepository, RenderingService, SigningKeysService],
  exports: [RenderingService, SigningKeysService],
})
export class RenderingModule {}
