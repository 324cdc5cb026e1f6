import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer, InstantColumn } from '../database/columns';

/**
 * A verified point of the audit chain: link `seq` and its hash, signed (HMAC-SHA256 with the
 * checkpoint key). A later verification starts from the newest checkpoint whose signature holds,
 * so it reads only the links sealed since.
 */
@Entity('audit_checkpoints')
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintTransformer })
  seq: bigint;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  /** hex HMAC-SHA256 of `audit-checkpoint:<seq>:<hash>`. */
  @Column({ type: 'varchar', length: 64 })
  signature: string;

  /** The first 16 hex digits of the key's SHA-256: which key signed it. */
  @Column({ name: 'key_id', type: 'varchar', length: 16 })
  keyId: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;
}

export type VerificationStatus = 'running' | 'intact' | 'broken' | 'failed';

/** A full re-verification of the chain from its first link, run in the background; its progress is readable. */
@Entity('audit_verifications')
@Index('idx_audit_verifications_created', ['createdAt'])
export class AuditVerificationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 12 })
  status: VerificationStatus;

  @Column({ name: 'requested_by', type: 'varchar', length: 80 })
  requestedBy: string;

  /** Links verified so far. */
  @Column({ type: 'bigint', transformer: bigintTransformer })
  checked: bigint;

  /** Links in the chain when the run started. */
  @Column({ type: 'bigint', transformer: bigintTransformer })
  total: bigint;

  @Column({ name: 'verified_seq', type: 'bigint', transformer: bigintTransformer })
  verifiedSeq: bigint;

  @Column({ name: 'verified_hash', type: 'varchar', length: 64 })
  verifiedHash: string;

  /** JSON of the report once finished. */
  @Column({ type: 'text', nullable: true })
  result: string | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'updated_at' })
  updatedAt: Date;

  @InstantColumn({ name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
