import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer, InstantColumn } from '../database/columns';

/**
 * The hash chain over audit events, append-only: link `seq` holds the SHA-256 of its event's
 * canonical content chained to the previous link's hash. Events are sealed into it in order by
 * one sealer at a time, so writers never wait on a chain head.
 */
@Entity('audit_chain')
@Index('uq_audit_chain_event', ['eventId'], { unique: true })
export class AuditChainEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintTransformer })
  seq: bigint;

  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  @InstantColumn({ name: 'sealed_at' })
  sealedAt: Date;
}
