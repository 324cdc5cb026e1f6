import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import type { PostErrorClass } from './http-post';

/** An endpoint registered by (or for) a taxpayer. Secrets are AES-256-GCM ciphertexts (secret-box.ts). */
@Entity('webhooks')
@Index('idx_webhooks_tax_live', ['taxId', 'deletedAt', 'createdAt', 'id'])
@Index('idx_webhooks_live', ['deletedAt', 'createdAt', 'id'])
export class WebhookEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'tax_id', type: 'varchar', length: 18 })
  taxId: string;

  @Column({ type: 'varchar', length: 2000 })
  url: string;

  /** Subscribed event types, comma-separated (`*` for all). */
  @Column({ type: 'varchar', length: 1000 })
  events: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'secret_enc', type: 'varchar', length: 300 })
  secretEnc: string;

  /** The secret before the last rotation, still signed with until previousExpiresAt. */
  @Column({ name: 'previous_secret_enc', type: 'varchar', length: 300, nullable: true })
  previousSecretEnc: string | null;

  @InstantColumn({ name: 'previous_expires_at', nullable: true })
  previousExpiresAt: Date | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @InstantColumn({ name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** One event for one endpoint, with the outcome of its last attempt; kept for redelivery. */
@Entity('webhook_deliveries')
@Index('uq_webhook_deliveries_event', ['webhookId', 'eventId'], { unique: true })
@Index('idx_webhook_deliveries_head', ['status', 'webhookId', 'eventSeq'])
@Index('idx_webhook_deliveries_claims', ['webhookId', 'claimedUntil'])
@Index('idx_webhook_deliveries_event_id', ['eventId'])
@Index('idx_webhook_deliveries_time', ['webhookId', 'createdAt', 'id'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 36 })
  webhookId: string;

  /** The outbox event. */
  @Column({ name: 'event_id', type: 'varchar', length: 40 })
  eventId: string;

  /** The event's `seq` (outbox.entity.ts): an endpoint's deliveries go out in this order. */
  @Column({
    name: 'event_seq',
    type: 'bigint',
    transformer: { to: (v: number | string) => v, from: (v: number | string | null) => (v === null ? v : Number(v)) },
  })
  eventSeq: number;

  @Column({ name: 'event_type', type: 'varchar', length: 60 })
  eventType: string;

  @Column({ type: 'varchar', length: 10 })
  status: WebhookDeliveryStatus;

  @Column({ type: 'integer' })
  attempts: number;

  /** Real time (not the test clock): when the next attempt is due. */
  @InstantColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  /** A process delivering it holds it until then (a killed process's claim runs out). */
  @InstantColumn({ name: 'claimed_until', nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true })
  claimToken: string | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_duration_ms', type: 'integer', nullable: true })
  lastDurationMs: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @InstantColumn({ name: 'last_attempt_at', nullable: true })
  lastAttemptAt: Date | null;

  @InstantColumn({ name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  /** By the Clock provider (the manual test clock too): when it last became succeeded, failed or
   * cancelled; null while pending. Retention counts from here (webhook-retention.ts). */
  @InstantColumn({ name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;
}

/**
 * One attempt of a delivery: written in the same transaction as the delivery's state change
 * that records its outcome (webhook-dispatcher.ts `finish`), removed with the delivery.
 */
@Entity('webhook_delivery_attempts')
@Index('idx_webhook_attempts_delivery', ['deliveryId', 'createdAt', 'id'])
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId: string;

  /** Real time: when the request was sent. */
  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'error_class', type: 'varchar', length: 20, nullable: true })
  errorClass: PostErrorClass | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  /** The start of the answer's body, at most 1 KB of UTF-8 (null: no answer, or an empty one). */
  @Column({ name: 'response_excerpt', type: 'varchar', length: 1024, nullable: true })
  responseExcerpt: string | null;

  /** The key ids (signature.ts keyId) of the secrets whose `v1=` the attempt carried, comma-separated. */
  @Column({ name: 'key_ids', type: 'varchar', length: 100 })
  keyIds: string;
}

export const WEBHOOK_ENTITIES = [WebhookEntity, WebhookDeliveryEntity, WebhookAttemptEntity];
