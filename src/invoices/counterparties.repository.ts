import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { CounterpartyEntity } from './counterparty.entity';

/** A taxpayer's counterparties: a range of idx_counterparties_recent. */
export function counterpartiesQuery(em: EntityManager, taxId: string) {
  return em.createQueryBuilder(CounterpartyEntity, 'c').where('c.taxpayer_id = :taxId', { taxId });
}

/** `%` and `_` typed by a user are literal (LIKE ... ESCAPE '!'). */
const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/** The counterparties rows: the taxpayer's suggestions, kept up by issuing. */
@Injectable()
export class CounterpartiesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Up to `limit` of the taxpayer's counterparties whose name contains `needle` or whose tax id
   * starts with it (any when empty), the most recently seen first (committed): the taxpayer's
   * range of idx_counterparties_recent read backwards.
   */
  search(taxId: string, needle: string, limit: number): Promise<CounterpartyEntity[]> {
    const qb = counterpartiesQuery(this.db.dataSource.manager, taxId);
    if (needle) {
      qb.andWhere("(c.counterparty_tax_id LIKE :prefix ESCAPE '!' OR c.name LIKE :contains ESCAPE '!')", {
        prefix: `${likeEscape(needle.toUpperCase())}%`,
        contains: `%${likeEscape(needle)}%`,
      });
    }
    return qb.orderBy('c.last_at', 'DESC').addOrderBy('c.counterparty_tax_id', 'DESC').limit(limit).getMany();
  }

  /** Inserts or updates the rows in the caller's transaction: one multi-row upsert, in the given order. */
  async upsert(em: EntityManager, rows: CounterpartyEntity[]): Promise<void> {
    await insertRows(em, CounterpartyEntity, rows, { upsertOn: ['taxpayerId', 'counterpartyTaxId'] });
  }
}
