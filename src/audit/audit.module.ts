import { Global, Module } from '@nestjs/common';
import { AuditChainService } from './audit-chain.service';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditVerifications } from './audit-verifications.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Global()
@Module({ controllers: [AuditController], providers: [AuditService, AuditChainService, AuditCheckpoints, AuditVerifications], exports: [AuditService, AuditChainService] })
export class AuditModule {}
