import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { AuditCheckpointEntity } from './audit-verification.entities';

/** The audit_checkpoints rows: inserted, never changed. */
@Injectable()
export class AuditCheckpointsRepository {
  constructor(private readonly db: Db) {}

  /** The newest `limit` checkpoints (committed), newest first. */
  newest(limit: number): Promise<AuditCheckpointEntity[]> {
    return this.db.dataSource.manager.createQueryBuilder(AuditCheckpointEntity, 'k').orderBy('k.seq', 'DESC').limit(limit).getMany();
  }

  /** A checkpoint, on its own (a duplicate key error when one was recorded at the same link). */
  async insert(row: AuditCheckpointEntity): Promise<void> {
    await this.db.dataSource.manager.insert(AuditCheckpointEntity, row);
  }
}
