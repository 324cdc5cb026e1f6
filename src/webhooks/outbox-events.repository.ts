import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Db } from '../database/db.service';
import { OutboxEventEntity } from '../database/outbox.entity';

/**
 * The outbox rows as webhooks consume them (Outbox.emit in database/ writes them): read in `seq`
 * order to be fanned out, marked dispatched, and deleted when nobody subscribed to them or when
 * retention found every delivery of theirs gone.
 */
@Injectable()
export class OutboxEventsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Up to `take` events not fanned out yet, in `seq` order (the order they were inserted in): their
   * seq, id, type and taxpayer (committed). A range of idx_outbox_dispatch.
   */
  undispatched(take: number): Promise<Pick<OutboxEventEntity, 'seq' | 'id' | 'type' | 'taxId'>[]> {
    return this.db.dataSource.manager.find(OutboxEventEntity, {
      select: { seq: true, id: true, type: true, taxId: true },
      where: { dispatched: false },
      order: { seq: 'ASC' },
      take,
    });
  }

  /** The events among these ids that are still kept (committed). */
  findMany(ids: string[]): Promise<OutboxEventEntity[]> {
    return this.db.dataSource.manager.find(OutboxEventEntity, { where: { id: In(ids) } });
  }

  /** Marks these events fanned out. */
  async markDispatched(em: EntityManager, ids: string[]): Promise<void> {
    await em
      .createQueryBuilder()
      .update(OutboxEventEntity)
      .set({ dispatched: true })
      .where({ id: In(ids) })
      .execute();
  }

  /** Deletes those of these events not fanned out yet (nobody subscribed to them). */
  async deleteUndispatched(em: EntityManager, ids: string[]): Promise<void> {
    await em
      .createQueryBuilder()
      .delete()
      .from(OutboxEventEntity)
      .where({ id: In(ids), dispatched: false })
      .execute();
  }

  /**
   * Up to `take` fanned-out events emitted before `cutoff`, after `after` in (created_at, id)
   * order: a range of idx_outbox_retention (committed).
   */
  dispatchedBefore(
    cutoff: Date,
    after: Pick<OutboxEventEntity, 'id' | 'createdAt'> | null,
    take: number,
  ): Promise<Pick<OutboxEventEntity, 'id' | 'createdAt'>[]> {
    const qb = this.db.dataSource.manager
      .createQueryBuilder(OutboxEventEntity, 'e')
      .select(['e.id', 'e.createdAt'])
      .where('e.dispatched = :yes AND e.created_at < :cutoff', { yes: true, cutoff });
    if (after) qb.andWhere('(e.created_at > :at OR (e.created_at = :at AND e.id > :id))', { at: after.createdAt, id: after.id });
    return qb.orderBy('e.created_at', 'ASC').addOrderBy('e.id', 'ASC').take(take).getMany();
  }

  /** Deletes those of these fanned-out events that have no delivery left; answers how many it deleted. */
  async deleteWithoutDeliveries(em: EntityManager, ids: string[]): Promise<number> {
    const result = await em
      .createQueryBuilder()
      .delete()
      .from(OutboxEventEntity)
      .where('id IN (:...eventIds) AND dispatched = :yes', { eventIds: ids, yes: true })
      .andWhere('NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = outbox_events.id)')
      .execute();
    return result.affected ?? 0;
  }
}
