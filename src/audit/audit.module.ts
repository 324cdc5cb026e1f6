import { TypeOrmModule } from '@nestjs/typeorm';
import { Global, Module } from '@nestjs/common';
import { AuditChainEntity } from './audit-chain.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuditCheckpointEntity, AuditVerificationEntity } from './audit-verification.entities';
import { AuditChainService } from './audit-chain.service';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditVerifications } from './audit-verifications.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditChainRepository } from './audit-chain.repository';
import { AuditCheckpointsRepository } from './audit-checkpoints.repository';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditVerificationsRepository } from './audit-verifications.repository';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditChainEntity, AuditCheckpointEntity, AuditVerificationEntity])],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditChainService,
    AuditCheckpoints,
    AuditVerifications,
    AuditEventsRepository,
    AuditChainRepository,
    AuditCheckpointsRepository,
    AuditVerificationsRepository,
  ],
  exports: [AuditService, AuditChainService],
})
export class AuditModule {}
