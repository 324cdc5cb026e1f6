import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/** One append-only record of a state change. The service only ever inserts these rows. */
@Entity('audit_events')
@Index('idx_audit_taxpayer_time', ['taxpayerId', 'at', 'id'])
@Index('idx_audit_taxpayer_action_time', ['taxpayerId', 'action', 'at', 'id'])
@Index('idx_audit_action_time', ['action', 'at', 'id'])
@Index('idx_audit_time', ['at', 'id'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Business time (the clock's). */
  @InstantColumn()
  at: Date;

  /** Who: `api_key:<id>`, `user:<id>` or `system`. */
  @Column({ type: 'varchar', length: 80 })
  actor: string;

  @Column({ name: 'actor_role', type: 'varchar', length: 16, nullable: true })
  actorRole: string | null;

  @Column({ type: 'varchar', length: 60 })
  action: string;

  @Column({ name: 'object_type', type: 'varchar', length: 40 })
  objectType: string;

  @Column({ name: 'object_id', type: 'varchar', length: 64 })
  objectId: string;

  /** The taxpayer whose record this is, for scoping reads; null for platform events. */
  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18, nullable: true })
  taxpayerId: string | null;

  /** JSON of the object's relevant state before and after. */
  @Column({ type: 'text', nullable: true })
  before: string | null;

  @Column({ type: 'text', nullable: true })
  after: string | null;
}
