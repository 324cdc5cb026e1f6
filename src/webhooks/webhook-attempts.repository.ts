import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Db } from '../database/db.service';
import { FINISHED_BEFORE_CUTOFF } from './webhook-deliveries.repository';
import { WebhookAttemptEntity } from './webhook.entities';

/** A delivery's attempts: a range of idx_webhook_attempts_delivery. */
export function attemptsQuery(em: EntityManager, deliveryId: string) {
  return em.createQueryBuilder(WebhookAttemptEntity, 'a').where('a.delivery_id = :deliveryId', { deliveryId });
}

/** The webhook_delivery_attempts rows: the history of each delivery, inserted with the outcome they record. */
@Injectable()
export class WebhookAttemptsRepository {
  constructor(private readonly db: Db) {}

  /** A page of a delivery's attempts, newest first. */
  page(deliveryId: string, query: PageQuery) {
    return pageNewestFirst(attemptsQuery(this.db.dataSource.manager, deliveryId), 'a', query);
  }

  /** An attempt's row. */
  async insert(em: EntityManager, row: WebhookAttemptEntity): Promise<void> {
    await em.insert(WebhookAttemptEntity, row);
  }

  /** Deletes the attempts of these events' deliveries that finished before `cutoff` (retention). */
  async deleteOfFinished(em: EntityManager, eventIds: string[], cutoff: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .delete()
      .from(WebhookAttemptEntity)
      .where(`delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_id IN (:...eventIds) AND ${FINISHED_BEFORE_CUTOFF})`, { eventIds, cutoff })
      .execute();
  }
}
