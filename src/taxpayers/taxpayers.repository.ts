import { Injectable } from '@nestjs/common';
import { EntityManager, LessThanOrEqual, MoreThan } from 'typeorm';
import { insertOrConflict } from '../database/db-errors';
import { Db } from '../database/db.service';
import { TaxpayerEntity } from './taxpayer.entity';

/** Which taxpayers a page of the list holds: one taxpayer, those after a tax id, or all from the first. */
export type TaxpayerRange = { only: string } | { after: string } | null;

/** The taxpayers rows: registered, then updated; never deleted. */
@Injectable()
export class TaxpayersRepository {
  constructor(private readonly db: Db) {}

  /** Whether the taxpayer is registered (committed, or as `em`'s transaction sees it). */
  exists(taxId: string, em: EntityManager = this.db.dataSource.manager): Promise<boolean> {
    return em.exists(TaxpayerEntity, { where: { taxId } });
  }

  /** The taxpayer (committed, or as `em`'s transaction sees it), or null. */
  find(taxId: string, em: EntityManager = this.db.dataSource.manager): Promise<TaxpayerEntity | null> {
    return em.findOne(TaxpayerEntity, { where: { taxId } });
  }

  /** The pilot taxpayers registered at or before `by` (committed), by tax id. */
  pilotsRegisteredBy(by: Date): Promise<TaxpayerEntity[]> {
    return this.db.dataSource.manager.find(TaxpayerEntity, {
      where: { pilot: true, registeredAt: LessThanOrEqual(by) },
      order: { taxId: 'ASC' },
    });
  }

  /** At most `take` taxpayers of the range (committed), by tax id: a range of the primary key. */
  list(range: TaxpayerRange, take: number): Promise<TaxpayerEntity[]> {
    const where = range === null ? {} : 'only' in range ? { taxId: range.only } : { taxId: MoreThan(range.after) };
    return this.db.dataSource.manager.find(TaxpayerEntity, { where, order: { taxId: 'ASC' }, take });
  }

  /** A new taxpayer; 409 ALREADY_EXISTS when a concurrent request registered the tax id first. */
  async insert(em: EntityManager, row: TaxpayerEntity): Promise<void> {
    await insertOrConflict(em, TaxpayerEntity, row, `taxpayer ${row.taxId}`);
  }

  /** Writes the taxpayer's row back. */
  async save(em: EntityManager, row: TaxpayerEntity): Promise<void> {
    await em.save(TaxpayerEntity, row);
  }
}
