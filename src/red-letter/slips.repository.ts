import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { comparePositions, mergeRanges, Order, orderedAfter, Position } from '../common/keyset';
import { fenFromDb } from '../common/money';
import { Db } from '../database/db.service';
import { RedConfirmationEntity, RedConfirmationLineEntity } from './red-letter.entities';
import { SlipBranch, SlipFilter, slipBranches } from './slip-scan';
import { LIVE, PENDING, SlipStatus } from './slip-machine';

// The keyset reads of the slip list and the expiry sweep (the ranges are slip-scan.ts's).

/** One keyset page of one branch: (created_at, id) only, in order, after `after`. */
export function slipBranchQuery(em: EntityManager, branch: SlipBranch, order: Order, after: Position | null, limit: number) {
  const qb = em.createQueryBuilder(RedConfirmationEntity, 's').select(['s.createdAt', 's.id']).useIndex(branch.index).where('1 = 1');
  for (const [column, value] of branch.equals) qb.andWhere(`s.${column} = :${column}`, { [column]: value });
  if (branch.notSeller !== null) qb.andWhere('s.seller_tax_id <> :notSeller', { notSeller: branch.notSeller });
  return orderedAfter(qb, 's.created_at', 's.id', order, after, limit);
}

const position = (s: { createdAt: Date; id: string }): Position => ({ at: s.createdAt, id: s.id });

/** The positions of the matching slips in order after `after`, `batch` per range at a time. */
export function scanSlips(em: EntityManager, f: SlipFilter, order: Order, after: Position | null, batch: number): AsyncGenerator<Position> {
  const ranges = slipBranches(f).map(
    (branch) => async (last: Position | null, limit: number) => (await slipBranchQuery(em, branch, order, last, limit).getMany()).map(position),
  );
  return mergeRanges(ranges, comparePositions, order, after, batch);
}

/** The slips at the positions, by primary key, in the positions' order. */
export async function slipsAt(em: EntityManager, keys: Position[]): Promise<RedConfirmationEntity[]> {
  if (!keys.length) return [];
  const rows = await em.find(RedConfirmationEntity, { where: { id: In(keys.map((k) => k.id)) } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => byId.get(k.id)).filter((r): r is RedConfirmationEntity => r !== undefined);
}

/**
 * The slips awaiting confirmation whose 72 hours are over (the expiry sweep, at most `limit`):
 * a range of the (status, expires_at) index, one interval per pending status, so the sweep reads
 * the due slips only, never every slip (plan test: test/e2e/query-plans.e2e-spec.ts). The
 * narrower filters (a slip, a taxpayer's, a blue invoice's) are checked on the rows of that range.
 */
export function dueSlipsQuery(em: EntityManager, now: Date, filter: { id?: string; taxId?: string; blueNumber?: string }, limit: number) {
  const qb = em
    .createQueryBuilder(RedConfirmationEntity, 's')
    .where('s.status IN (:...pending) AND s.expires_at <= :now', { pending: [...PENDING], now })
    .limit(limit);
  if (filter.id) qb.andWhere('s.id = :id', { id: filter.id });
  if (filter.taxId) qb.andWhere('(s.seller_tax_id = :t OR s.buyer_tax_id = :t)', { t: filter.taxId });
  if (filter.blueNumber) qb.andWhere('s.blue_number = :b', { b: filter.blueNumber });
  return qb;
}

/**
 * The red-letter slips (red_confirmations) and their lines: every statement on their rows. Status
 * changes and marking the red invoice are conditional UPDATEs from the state the caller saw.
 */
@Injectable()
export class SlipsRepository {
  constructor(private readonly db: Db) {}

  // ---------------------------------------------------------------- committed reads

  /**
   * The input-tax transfer-outs of the buyer's live slips (01 to 04) filled in during [from, to),
   * summed by blue invoice (for VAT return figures).
   */
  async transferOutsByBlue(buyerTaxId: string, from: Date, to: Date): Promise<{ blueNumber: string; amount: bigint }[]> {
    const rows: Record<string, unknown>[] = await this.db.dataSource.manager
      .createQueryBuilder()
      .select('s.blue_number', 'blueNumber')
      .addSelect('SUM(s.input_tax_transfer_out)', 'amount')
      .from(RedConfirmationEntity, 's')
      .where('s.buyer_tax_id = :buyerTaxId', { buyerTaxId })
      .andWhere("s.status IN ('01', '02', '03', '04')")
      .andWhere('s.input_tax_transfer_out > 0')
      .andWhere('s.created_at >= :from AND s.created_at < :to', { from, to })
      .groupBy('s.blue_number')
      .getRawMany();
    return rows.map((r) => ({ blueNumber: String(r.blueNumber), amount: fenFromDb(r.amount as string | number) }));
  }

  /** The slip (committed), or null. */
  find(id: string): Promise<RedConfirmationEntity | null> {
    return this.db.dataSource.manager.findOneBy(RedConfirmationEntity, { id });
  }

  /** The slips with these ids (committed), in no particular order. */
  byIds(ids: string[]): Promise<RedConfirmationEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.dataSource.manager.find(RedConfirmationEntity, { where: { id: In(ids) } });
  }

  /** The slips on these blue invoices (committed), oldest first. */
  onBlues(blueNumbers: string[]): Promise<RedConfirmationEntity[]> {
    if (!blueNumbers.length) return Promise.resolve([]);
    return this.db.dataSource.manager.find(RedConfirmationEntity, { where: { blueNumber: In(blueNumbers) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The slip's lines (committed). */
  linesOf(id: string): Promise<RedConfirmationLineEntity[]> {
    return this.db.dataSource.manager.find(RedConfirmationLineEntity, { where: { confirmationId: id } });
  }

  /** The lines of these slips (committed). */
  linesOfAll(ids: string[]): Promise<RedConfirmationLineEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.dataSource.manager.find(RedConfirmationLineEntity, { where: { confirmationId: In(ids) } });
  }

  /** The positions of the slips the filter matches, in order after `after` (committed; see scanSlips). */
  scan(f: SlipFilter, order: Order, after: Position | null, batch: number): AsyncGenerator<Position> {
    return scanSlips(this.db.dataSource.manager, f, order, after, batch);
  }

  /** The slips at the positions, in their order (committed). */
  at(keys: Position[]): Promise<RedConfirmationEntity[]> {
    return slipsAt(this.db.dataSource.manager, keys);
  }

  /** Up to `limit` slips awaiting confirmation past their expiry at `now` (committed; see dueSlipsQuery). */
  due(now: Date, filter: { id?: string; taxId?: string; blueNumber?: string }, limit: number): Promise<RedConfirmationEntity[]> {
    return dueSlipsQuery(this.db.dataSource.manager, now, filter, limit).getMany();
  }

  // ---------------------------------------------------------------- in the caller's transaction

  /** The slip's lines, as the transaction sees them. */
  lines(em: EntityManager, id: string): Promise<RedConfirmationLineEntity[]> {
    return em.find(RedConfirmationLineEntity, { where: { confirmationId: id } });
  }

  /** The lines of these slips, as the transaction sees them. */
  linesOfSlips(em: EntityManager, ids: string[]): Promise<RedConfirmationLineEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return em.find(RedConfirmationLineEntity, { where: { confirmationId: In(ids) } });
  }

  /** Every slip on the blue invoice, as the transaction sees them. */
  onBlue(em: EntityManager, blueNumber: string): Promise<RedConfirmationEntity[]> {
    return em.find(RedConfirmationEntity, { where: { blueNumber } });
  }

  /** The live slips (01-04) on the blue invoice, as the transaction sees them. */
  liveOn(em: EntityManager, blueNumber: string): Promise<RedConfirmationEntity[]> {
    return em.find(RedConfirmationEntity, { where: { blueNumber, status: In(LIVE as SlipStatus[]) } });
  }

  /** The live slips (01-04) on the blue invoice with no red issued yet, oldest first, as the transaction sees them. */
  liveUnissuedOn(em: EntityManager, blueNumber: string): Promise<RedConfirmationEntity[]> {
    return em.find(RedConfirmationEntity, {
      where: { blueNumber, status: In(LIVE as SlipStatus[]), redInvoiceNumber: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** A new slip with its lines. */
  async insert(em: EntityManager, slip: RedConfirmationEntity, lines: RedConfirmationLineEntity[]): Promise<void> {
    await em.insert(RedConfirmationEntity, slip);
    await em.insert(RedConfirmationLineEntity, lines);
  }

  /**
   * Moves the slip from `from` to `to` (with `set` written too) if it is still in `from` and, for
   * 08 and 09, has no red invoice; answers whether it did.
   */
  async move(em: EntityManager, id: string, from: SlipStatus, to: SlipStatus, set: Partial<RedConfirmationEntity>): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(RedConfirmationEntity)
      .set({ status: to, ...set })
      .where('id = :id AND status = :from', { id, from })
      .andWhere(to === '08' || to === '09' ? 'red_invoice_number IS NULL' : '1 = 1')
      .execute();
    return result.affected === 1;
  }

  /** Records the slip's red invoice if it has none yet and is in 01 or 04; answers whether it did. */
  async markRedIssued(em: EntityManager, id: string, redNumber: string, at: Date): Promise<boolean> {
    const marked = await em
      .createQueryBuilder()
      .update(RedConfirmationEntity)
      .set({ redInvoiceNumber: redNumber, updatedAt: at })
      .where("id = :id AND red_invoice_number IS NULL AND status IN ('01', '04')", { id })
      .execute();
    return marked.affected === 1;
  }
}
