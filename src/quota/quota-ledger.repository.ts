import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { MonthKey } from './quota-months.repository';
import { QuotaLedgerEntity } from './quota.entities';

/** The append-only quota ledger: rows are inserted, never changed. */
@Injectable()
export class QuotaLedgerRepository {
  constructor(private readonly db: Db) {}

  /** Ledger rows, in one multi-row INSERT. */
  async append(em: EntityManager, rows: QuotaLedgerEntity[]): Promise<void> {
    await insertRows(em, QuotaLedgerEntity, rows);
  }

  /** Up to `take` entries of the month after sequence `afterSeq`, in order. */
  page(month: MonthKey, afterSeq: number | null, take: number): Promise<QuotaLedgerEntity[]> {
    const qb = this.db.dataSource.manager
      .createQueryBuilder(QuotaLedgerEntity, 'l')
      .where('l.taxpayer_id = :taxId AND l.period = :period', { taxId: month.taxpayerId, period: month.period })
      .orderBy('l.seq', 'ASC')
      .take(take);
    if (afterSeq !== null) qb.andWhere('l.seq > :seq', { seq: afterSeq });
    return qb.getMany();
  }
}
