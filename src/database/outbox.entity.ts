import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns';

/**
 * The transactional outbox: one row per event and taxpayer, written in the same transaction as
 * the change it reports (Outbox.emit). The webhooks module fans new rows out to the endpoints
 * subscribed to them (marking them `dispatched`) and delivers from there; rows nobody subscribed
 * to are deleted when fanned out, the others once all their deliveries finished
 * WEBHOOK_RETENTION_DAYS ago (src/webhooks/webhook-retention.ts).
 */
@Entity('outbox_events')
@Index('idx_outbox_dispatch', ['dispatched', 'id'])
@Index('idx_outbox_retention', ['dispatched', 'createdAt', 'id'])
export class OutboxEventEntity {
  /** `evt_` + a time-ordered id: sorting by id is the order of emission (per process, and across
   * transactions that follow one another). */
  @PrimaryColumn({ type: 'varchar', length: 40 })
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
