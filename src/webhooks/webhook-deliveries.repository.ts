import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Db } from '../database/db.service';
import { WebhookDeliveryEntity } from './webhook.entities';

/** A webhook's deliveries: a range of idx_webhook_deliveries_time. */
export function deliveriesQuery(em: EntityManager, webhookId: string) {
  return em.createQueryBuilder(WebhookDeliveryEntity, 'd').where('d.webhook_id = :webhookId', { webhookId });
}

/** SQL condition on webhook_deliveries: the delivery ended (succeeded, failed, cancelled) before :cutoff. */
export const FINISHED_BEFORE_CUTOFF = "status <> 'pending' AND finished_at IS NOT NULL AND finished_at < :cutoff";

/** A new delivery of an event to an endpoint: pending, due at `now`, never attempted. */
export function newDelivery(id: string, webhookId: string, event: { id: string; type: string; seq?: number | string }, now: Date): WebhookDeliveryEntity {
  return {
    id,
    webhookId,
    eventId: event.id,
    eventSeq: Number(event.seq),
    eventType: event.type,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    claimedUntil: null,
    claimToken: null,
    lastStatusCode: null,
    lastDurationMs: null,
    lastError: null,
    lastAttemptAt: null,
    deliveredAt: null,
    finishedAt: null,
    createdAt: now,
  };
}

/** The delivery fields an attempt's outcome writes (the claim is released with them). */
export type DeliveryOutcome = Partial<Omit<WebhookDeliveryEntity, 'claimedUntil' | 'claimToken'>>;

/**
 * The webhook_deliveries rows: one per event and endpoint (unique, so two processes fanning out
 * the same events create each once). Every change of a delivery is a conditional UPDATE: a claim
 * only on a due pending delivery nobody holds, an outcome only under the claim's token, a
 * redelivery only from the status that was read, so no two processes send the same attempt.
 * An endpoint's deliveries go out in the order of their events' `seq` (the outbox's insert order),
 * and a claim is granted only to the endpoint's head while none of its deliveries is held, so an
 * endpoint never has two requests in flight, even after a redelivery reopened an older one.
 */
/** A pending delivery of the endpoint for an earlier event than `seq` (the claim's first check; a range of idx_webhook_deliveries_head). */
export function earlierPendingQuery(em: EntityManager, webhookId: string, seq: number) {
  return em
    .createQueryBuilder(WebhookDeliveryEntity, 'o')
    .select('o.id')
    .useIndex('idx_webhook_deliveries_head')
    .where("o.status = 'pending' AND o.webhook_id = :webhookId AND o.event_seq < :seq", { webhookId, seq })
    .limit(1);
}

/**
 * Another delivery of the endpoint held at `now` (the claim's second check; a range of
 * idx_webhook_deliveries_claims). Only pending deliveries are claimed, and writing an outcome
 * releases the claim, so no status condition (with one, the planners prefer the head index and
 * read every pending delivery of the endpoint).
 */
export function heldQuery(em: EntityManager, webhookId: string, id: string, now: Date) {
  return em
    .createQueryBuilder(WebhookDeliveryEntity, 'o')
    .select('o.id')
    .useIndex('idx_webhook_deliveries_claims')
    .where('o.webhook_id = :webhookId AND o.claimed_until >= :now AND o.id <> :id', { webhookId, now, id })
    .limit(1);
}

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: Db) {}

  /**
   * A single statement: on MySQL as it is (autocommit); on SQLite, whose one connection the
   * transactions share, queued as a transaction of its own.
   */
  single<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.db.kind === 'mysql' ? work(this.db.dataSource.manager) : this.db.transaction(work);
  }

  /** The delivery (committed), or null. */
  find(id: string): Promise<WebhookDeliveryEntity | null> {
    return this.db.dataSource.manager.findOneBy(WebhookDeliveryEntity, { id });
  }

  /** The delivery if it is the webhook's (committed), or null. */
  findOf(webhookId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.db.dataSource.manager.findOneBy(WebhookDeliveryEntity, { id, webhookId });
  }

  /** A page of a webhook's deliveries, newest first. */
  page(webhookId: string, query: PageQuery) {
    return pageNewestFirst(deliveriesQuery(this.db.dataSource.manager, webhookId), 'd', query);
  }

  /** Up to `take` pending deliveries of a webhook in event order (`seq`; committed). */
  pending(webhookId: string, take: number): Promise<WebhookDeliveryEntity[]> {
    return this.db.dataSource.manager.find(WebhookDeliveryEntity, { where: { webhookId, status: 'pending' }, order: { eventSeq: 'ASC' }, take });
  }

  /**
   * The oldest pending delivery (lowest event `seq`) of each endpoint (its head; of one endpoint
   * if `webhookId`), if it is due at `now` and nobody holds it: up to `take`, the longest due first.
   */
  heads(now: Date, take: number, webhookId?: string): Promise<WebhookDeliveryEntity[]> {
    const qb = this.db.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .innerJoin(
        (sub) => {
          sub.select('h.webhook_id', 'wid').addSelect('MIN(h.event_seq)', 'first').from(WebhookDeliveryEntity, 'h').where("h.status = 'pending'");
          if (webhookId) sub.andWhere('h.webhook_id = :webhookId', { webhookId });
          return sub.groupBy('h.webhook_id');
        },
        'heads',
        'heads.wid = d.webhook_id AND heads.first = d.event_seq',
      )
      .where("d.status = 'pending' AND d.next_attempt_at <= :now AND (d.claimed_until IS NULL OR d.claimed_until < :now)", { now })
      .orderBy('d.next_attempt_at', 'ASC')
      .take(take);
    return qb.getMany();
  }

  /** New deliveries, 400 rows a statement; those that exist already (same event and endpoint) are skipped. */
  async insertNew(em: EntityManager, deliveries: WebhookDeliveryEntity[]): Promise<void> {
    for (let i = 0; i < deliveries.length; i += 400) {
      await em
        .createQueryBuilder()
        .insert()
        .into(WebhookDeliveryEntity)
        .values(deliveries.slice(i, i + 400))
        .orIgnore()
        .execute();
    }
  }

  /**
   * Claims the delivery until `until` under `token`, if it is pending, due at `now`, nobody holds
   * it, it is its endpoint's head (no pending delivery of an earlier event) and no other delivery
   * of the endpoint is held; answers whether this call claimed it. Claims of one endpoint take
   * turns: on MySQL under the webhook row's lock (SELECT ... FOR UPDATE, taken before anything is
   * read, so the checks see every claim committed before), on SQLite one transaction at a time.
   */
  async claim(id: string, token: string, now: Date, until: Date): Promise<boolean> {
    // webhook_id and event_seq never change: read them before the transaction.
    const target = await this.db.dataSource.manager.findOne(WebhookDeliveryEntity, { select: { id: true, webhookId: true, eventSeq: true }, where: { id } });
    if (!target) return false;
    return this.db.transaction(async (em) => {
      if (this.db.rowLocks) await em.query('SELECT id FROM webhooks WHERE id = ? FOR UPDATE', [target.webhookId]);
      // Two index ranges, not one OR (which reads every pending delivery of the endpoint): an
      // earlier pending delivery (the head index), then another delivery of the endpoint held now
      // (the claims index: only the held ones).
      if (await earlierPendingQuery(em, target.webhookId, target.eventSeq).getRawOne()) return false;
      if (await heldQuery(em, target.webhookId, id, now).getRawOne()) return false;
      const claimed = await em
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({ claimedUntil: until, claimToken: token })
        .where("id = :id AND status = 'pending' AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)", { id, now })
        .execute();
      return claimed.affected === 1;
    });
  }

  /** Writes an attempt's outcome and releases the claim, if `token` still holds it; answers whether it did. */
  async finish(em: EntityManager, id: string, token: string, set: DeliveryOutcome): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ ...set, claimedUntil: null, claimToken: null })
      .where('id = :id AND claim_token = :token', { id, token })
      .execute();
    return result.affected === 1;
  }

  /** Cancels the webhook's pending deliveries (finished at `at`). */
  async cancelPending(em: EntityManager, webhookId: string, at: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: 'cancelled', nextAttemptAt: null, finishedAt: at })
      .where("webhook_id = :id AND status = 'pending'", { id: webhookId })
      .execute();
  }

  /** Makes the delivery pending again, due at `now` with no attempts, if its status is still `from`; answers whether it did. */
  async reopen(em: EntityManager, id: string, from: WebhookDeliveryEntity['status'], now: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: now, claimedUntil: null, claimToken: null, finishedAt: null })
      .where('id = :id AND status = :status', { id, status: from })
      .execute();
    return result.affected === 1;
  }

  /** Those of these events that still have a delivery not finished before `cutoff` (committed). */
  async eventsHeld(eventIds: string[], cutoff: Date): Promise<Set<string>> {
    const held = await this.db.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .select('DISTINCT d.event_id', 'eventId')
      .where('d.event_id IN (:...ids)', { ids: eventIds })
      .andWhere('(d.finished_at IS NULL OR d.finished_at >= :cutoff)', { cutoff })
      .getRawMany<{ eventId: string }>();
    return new Set(held.map((h) => h.eventId));
  }

  /** Deletes these events' deliveries that finished before `cutoff` (retention; a redelivered one is pending and stays). */
  async deleteFinished(em: EntityManager, eventIds: string[], cutoff: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .delete()
      .from(WebhookDeliveryEntity)
      .where(`event_id IN (:...eventIds) AND ${FINISHED_BEFORE_CUTOFF}`, { eventIds, cutoff })
      .execute();
  }
}
