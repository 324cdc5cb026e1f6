import { TypeOrmModule } from '@nestjs/typeorm';
import { Global, Module } from '@nestjs/common';
import { AuditChainEntity } from './audit-chain.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuditChainService } from './audit-chain.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditChainEntity])],
  controllers: [AuditController],
  providers: [AuditService, AuditChainService],
  exports: [AuditService, AuditChainService],
})
export class AuditModule {}
