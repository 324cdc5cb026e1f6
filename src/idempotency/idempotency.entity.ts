import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/** A stored response for an Idempotency-Key, scoped to the principal that sent it. */
@Entity('idempotency_keys')
@Index('idx_idempotency_created', ['createdAt'])
export class IdempotencyKeyEntity {
  /** SHA-256 of principal and key. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** SHA-256 of method, path and canonical body. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash: string;

  @Column({ type: 'integer' })
  status: number;

  /** The response body, serialized exactly as first sent (a JSON string value, so MySQL's JSON
   * type cannot reorder it). JSON columns hold up to 1 GB on MySQL, unlike TEXT's 64 KB. */
  @Column({ type: 'json' })
  body: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;
}
