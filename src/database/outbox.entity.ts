import { Column, DataSource, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from './columns';

/**
 * The transactional outbox: one row per event and taxpayer, written in the same transaction as
 * the change it reports (Outbox.emit). The webhooks module fans new rows out to the endpoints
 * subscribed to them (marking them `dispatched`) and delivers from there; rows nobody subscribed
 * to are deleted when fanned out, the others once all their deliveries finished
 * WEBHOOK_RETENTION_DAYS ago (src/webhooks/webhook-retention.ts).
 */
@Entity('outbox_events')
@Index('uq_outbox_events_id', ['id'], { unique: true })
@Index('idx_outbox_dispatch', ['dispatched', 'seq'])
@Index('idx_outbox_retention', ['dispatched', 'createdAt', 'id'])
export class OutboxEventEntity {
  /**
   * The order of events (fan-out and each endpoint's deliveries follow it): assigned by the
   * database at INSERT (AUTO_INCREMENT; SQLite's INTEGER PRIMARY KEY AUTOINCREMENT), so an event
   * written by a transaction that began after another one committed always comes later, whatever
   * the clocks of the processes that wrote them. Undefined until inserted. BIGINT on MySQL; on
   * SQLite the column must be spelled INTEGER (outboxSeqForDriver).
   */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq?: number | string;

  /** `evt_` + the emitting process's milliseconds + a counter + random: the public id (unique),
   * roughly time-ordered but not the delivery order (`seq` is). */
  @Column({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 60 })
  type: string;

  /** The taxpayer the event is for (its webhooks receive it). */
  @Column({ name: 'tax_id', type: 'varchar', length: 18 })
  taxId: string;

  /** When the change happened, by the Clock provider. */
  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  /** The event's `data`, serialized once (a JSON string value, so MySQL's JSON type cannot reorder it). */
  @Column({ type: 'json' })
  payload: string;

  @Column({ type: 'boolean' })
  dispatched: boolean;
}

/**
 * SQLite numbers rows itself only in a column spelled exactly INTEGER PRIMARY KEY, while MySQL's
 * BIGINT is what a sequence that never wraps needs: on SQLite the entity's `seq` is told INTEGER
 * (the same 64-bit values), so the schema the migrations build is the one the entities describe.
 * Called on every DataSource right after it is initialized.
 */
export function outboxSeqForDriver(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  dataSource.getMetadata(OutboxEventEntity).findColumnWithPropertyName('seq')!.type = 'integer';
}
