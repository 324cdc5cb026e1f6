import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { AuditVerificationEntity } from './audit-verification.entities';

/** The audit_verifications rows: a full verification's progress, written after every page, readable by any process. */
@Injectable()
export class AuditVerificationsRepository {
  constructor(private readonly db: Db) {}

  async insert(row: AuditVerificationEntity): Promise<void> {
    await this.db.dataSource.manager.insert(AuditVerificationEntity, row);
  }

  /** The job (committed), or null. */
  find(id: string): Promise<AuditVerificationEntity | null> {
    return this.db.dataSource.manager.findOneBy(AuditVerificationEntity, { id });
  }

  async update(id: string, changes: Partial<AuditVerificationEntity>): Promise<void> {
    await this.db.dataSource.manager.update(AuditVerificationEntity, { id }, changes);
  }
}
