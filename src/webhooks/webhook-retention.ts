import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { every } from '../common/every';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { OutboxEventEntity } from '../database/outbox.entity';
import { OutboxEventsRepository } from './outbox-events.repository';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';

const SWEEP_EVERY_MS = 10 * 60_000;
/** Outbox events looked at per batch (each with its deliveries: at most a few thousand rows deleted per transaction). */
export const RETENTION_BATCH = 100;

/**
 * Retention: an outbox event goes, with its deliveries and their attempts, once every one of its
 * deliveries finished (succeeded, failed or cancelled) more than WEBHOOK_RETENTION_DAYS ago by
 * the clock (the manual test clock too). A failed delivery is therefore kept, and redeliverable,
 * for the whole retention after it failed; a pending one (and so its event) never goes.
 *
 * It walks the old dispatched events by the index (dispatched, created_at, id) in batches of
 * RETENTION_BATCH, each batch one short transaction whose deletes are conditional (a delivery
 * redelivered meanwhile is pending again and stays, and so does its event). Every process runs
 * it every 10 minutes; two at once delete the same rows once.
 */
@Injectable()
export class WebhookRetention implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WebhookRetention');
  private stop: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly outboxEvents: OutboxEventsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly attempts: WebhookAttemptsRepository,
  ) {}

  onModuleInit(): void {
    this.stop = every(SWEEP_EVERY_MS, () => this.sweep(), this.logger, 'the webhook retention sweep');
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** One pass over the events older than the retention; answers how many events it removed. */
  async sweep(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.webhookRetentionDays * 86_400_000);
    let after: Pick<OutboxEventEntity, 'id' | 'createdAt'> | null = null;
    let removed = 0;
    for (;;) {
      const batch = await this.outboxEvents.dispatchedBefore(cutoff, after, RETENTION_BATCH);
      if (batch.length === 0) return removed;
      after = batch[batch.length - 1];
      const ids = batch.map((e) => e.id);
      const heldIds = await this.deliveries.eventsHeld(ids, cutoff);
      const gone = ids.filter((id) => !heldIds.has(id));
      if (gone.length) removed += await this.remove(gone, cutoff);
      if (batch.length < RETENTION_BATCH) return removed;
    }
  }

  /** Deletes the finished deliveries of these events, their attempts, then the events left without deliveries. */
  private async remove(eventIds: string[], cutoff: Date): Promise<number> {
    return this.db.transaction(async (em) => {
      await this.attempts.deleteOfFinished(em, eventIds, cutoff);
      await this.deliveries.deleteFinished(em, eventIds, cutoff);
      return this.outboxEvents.deleteWithoutDeliveries(em, eventIds);
    });
  }
}
