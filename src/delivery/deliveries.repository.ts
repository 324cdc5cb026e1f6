import { Injectable } from '@nestjs/common';
import { EntityManager, LessThanOrEqual } from 'typeorm';
import { Db } from '../database/db.service';
import { DeliveryEntity } from './delivery.entity';

/** The deliveries rows. An attempt is claimed with a conditional UPDATE, so two processes never send the same attempt. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: Db) {}

  /** The delivery (committed), or null. */
  find(id: string): Promise<DeliveryEntity | null> {
    return this.db.dataSource.manager.findOneBy(DeliveryEntity, { id });
  }

  /** The delivery (committed), which must exist. */
  get(id: string): Promise<DeliveryEntity> {
    return this.db.dataSource.manager.findOneByOrFail(DeliveryEntity, { id });
  }

  /** The invoice's deliveries (committed), newest first, at most `limit`. */
  ofInvoice(invoiceNumber: string, limit: number): Promise<DeliveryEntity[]> {
    return this.db.dataSource.manager.find(DeliveryEntity, {
      where: { invoiceNumber },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** Up to `limit` deliveries (committed) failed with their next attempt due by `failedBy`, or pending since before `pendingBefore`. */
  due(failedBy: Date, pendingBefore: Date, limit: number): Promise<DeliveryEntity[]> {
    return this.db.dataSource.manager.find(DeliveryEntity, {
      where: [
        { status: 'failed', nextAttemptAt: LessThanOrEqual(failedBy) },
        { status: 'pending', nextAttemptAt: LessThanOrEqual(pendingBefore) },
      ],
      take: limit,
    });
  }

  /** A new delivery. */
  async insert(em: EntityManager, row: DeliveryEntity): Promise<void> {
    await em.insert(DeliveryEntity, row);
  }

  /** Writes these columns of the delivery. */
  async update(em: EntityManager, id: string, set: Partial<DeliveryEntity>): Promise<void> {
    await em.update(DeliveryEntity, { id }, set);
  }

  /**
   * Claims the next attempt if the delivery is still pending or failed after `attempts` attempts:
   * counts it and marks the delivery pending from `at`. Answers whether this call claimed it.
   */
  async claim(em: EntityManager, id: string, attempts: number, at: Date): Promise<boolean> {
    const claimed = await em
      .createQueryBuilder()
      .update(DeliveryEntity)
      .set({ status: 'pending', attempts: attempts + 1, nextAttemptAt: at })
      .where('id = :id AND attempts = :attempts AND status IN (:...statuses)', { id, attempts, statuses: ['pending', 'failed'] })
      .execute();
    return claimed.affected === 1;
  }
}
