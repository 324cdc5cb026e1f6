import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Period } from '../common/time';
import { updateRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { QuotaMonthEntity } from './quota.entities';

/** A quota month's key. */
export interface MonthKey {
  taxpayerId: string;
  period: Period;
}

export const monthKey = (c: MonthKey) => `${c.taxpayerId}:${c.period}`;

const num = (fen: bigint) => Number(fen); // every amount is <= MAX_MONEY_FEN < 2^53: exact

/**
 * The quota_months rows: every statement on them. Changes to `used` and `total` are conditional
 * UPDATEs (never read-then-write, DESIGN.md) or writes of rows this transaction has locked.
 */
@Injectable()
export class QuotaMonthsRepository {
  constructor(private readonly db: Db) {}

  /** Whether the month's row exists (committed). */
  exists(month: MonthKey): Promise<boolean> {
    return this.db.dataSource.manager.exists(QuotaMonthEntity, { where: { taxpayerId: month.taxpayerId, period: month.period } });
  }

  /** The month's row (committed), or null. */
  find(month: MonthKey): Promise<QuotaMonthEntity | null> {
    return this.db.dataSource.manager.findOneBy(QuotaMonthEntity, { taxpayerId: month.taxpayerId, period: month.period });
  }

  /** The month's row (committed), which must exist. */
  get(month: MonthKey): Promise<QuotaMonthEntity> {
    return this.db.dataSource.manager.findOneByOrFail(QuotaMonthEntity, { taxpayerId: month.taxpayerId, period: month.period });
  }

  /** Those of the taxpayer's months among `periods` that have a row (committed). */
  some(taxpayerId: string, periods: Period[]): Promise<QuotaMonthEntity[]> {
    return this.db.dataSource.manager.find(QuotaMonthEntity, { where: { taxpayerId, period: In(periods) } });
  }

  /** The row as this transaction now sees it (after its own UPDATE, which holds the row). */
  read(em: EntityManager, month: MonthKey): Promise<QuotaMonthEntity> {
    return em.findOneByOrFail(QuotaMonthEntity, { taxpayerId: month.taxpayerId, period: month.period });
  }

  /** A new month's row (a duplicate key error when another request created it first). */
  async insert(em: EntityManager, row: QuotaMonthEntity): Promise<void> {
    await em.insert(QuotaMonthEntity, row);
  }

  /**
   * Several months' rows, locked in key order (one statement) where the database has row locks:
   * those `required` must exist, the `optional` ones are locked if they do.
   */
  async lock(em: EntityManager, required: MonthKey[], optional: MonthKey[] = []): Promise<Map<string, QuotaMonthEntity & { changed: boolean }>> {
    const keys = new Map([...required, ...optional].map((c) => [monthKey(c), c]));
    const query = em.createQueryBuilder(QuotaMonthEntity, 'm').orderBy('m.taxpayerId').addOrderBy('m.period');
    [...keys.values()].forEach((c, i) => query.orWhere(`(m.taxpayer_id = :t${i} AND m.period = :p${i})`, { [`t${i}`]: c.taxpayerId, [`p${i}`]: c.period }));
    if (this.db.rowLocks) query.setLock('pessimistic_write');
    const rows = await query.getMany();
    const months = new Map(rows.map((row) => [monthKey(row), { ...row, changed: false }]));
    for (const c of required) if (!months.has(monthKey(c))) throw new Error(`no quota row for ${monthKey(c)}`);
    return months;
  }

  /** Gives `amount` of `used` back, unless less is used; answers whether it did. Bumps the ledger sequence. */
  async giveBack(em: EntityManager, month: MonthKey, amount: bigint): Promise<boolean> {
    const result = await this.update(em, month)
      .set({ used: () => 'used - :amount', ledgerSeq: () => 'ledger_seq + 1' })
      .andWhere('used >= :amount')
      .setParameters({ amount: num(amount) })
      .execute();
    return result.affected === 1;
  }

  /** Replaces the total, unless more is used already; answers whether it did. Bumps the ledger sequence. */
  async replaceTotal(em: EntityManager, month: MonthKey, total: bigint): Promise<boolean> {
    const result = await this.update(em, month)
      .set({ total: () => ':total', ledgerSeq: () => 'ledger_seq + 1' })
      .andWhere('used <= :total')
      .setParameters({ total: num(total) })
      .execute();
    return result.affected === 1;
  }

  /** Writes back the months this transaction locked and changed (one statement). */
  async saveLocked(em: EntityManager, months: (QuotaMonthEntity & { changed: boolean })[]): Promise<void> {
    await updateRows(
      em,
      QuotaMonthEntity,
      ['taxpayerId', 'period'],
      ['total', 'used', 'temporaryAdjusted', 'temporaryRaise', 'ledgerSeq'],
      months.filter((m) => m.changed),
    );
  }

  private update(em: EntityManager, month: MonthKey) {
    return em
      .createQueryBuilder()
      .update(QuotaMonthEntity)
      .where('taxpayer_id = :taxpayerId AND period = :period', { taxpayerId: month.taxpayerId, period: month.period });
  }
}
