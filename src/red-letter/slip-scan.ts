import { EntityManager, In } from 'typeorm';
import { comparePositions, mergeRanges, Order, orderedAfter, Position, product } from '../common/keyset';
import { RedConfirmationEntity } from './red-letter.entities';
import { PENDING, SlipStatus } from './slip-machine';

/**
 * The red-letter slip list in the keyset order (created_at, id), newest first, as ordered index
 * ranges merged by key (src/common/keyset.ts; indexes of migration 1700000000180), like the
 * invoice lists (src/invoices/invoice-scan.ts). A taxpayer's slips are the seller's range and the
 * buyer's range; `initiated` is the seller's range of slips the seller filed and the buyer's range
 * of slips the buyer filed; `received` the other way round; `awaiting` is `received` in status
 * 02 or 03 (one range per status); a status is one more equality.
 */

export interface SlipFilter {
  /** The taxpayer (seller or buyer); null for every slip (officers, unscoped auditors). */
  taxId: string | null;
  /** Ignored without a taxpayer. */
  direction?: 'initiated' | 'received' | 'awaiting';
  status?: SlipStatus;
}

type Column = 'seller_tax_id' | 'buyer_tax_id' | 'initiator' | 'status';

export interface SlipBranch {
  equals: [Column, string][];
  /** The index that holds the range in order (migration 1700000000180). */
  index: string;
  /** The buyer's range of "every slip of mine" leaves out slips to myself (in the seller's range already). */
  notSeller: string | null;
}

const INITIATORS = ['seller', 'buyer'] as const;

/** The ordered index ranges that together hold exactly the slips the filter matches, without overlap. */
export function slipBranches(f: SlipFilter): SlipBranch[] {
  if (!f.taxId)
    return [f.status ? { equals: [['status', f.status]], index: 'idx_red_state', notSeller: null } : { equals: [], index: 'idx_red_time', notSeller: null }];
  const statuses: readonly string[] | null =
    f.direction === 'awaiting' ? PENDING.filter((s) => f.status === undefined || s === f.status) : f.status !== undefined ? [f.status] : null;
  return (['seller', 'buyer'] as const).flatMap((party) => {
    const other = party === 'seller' ? 'buyer' : 'seller';
    // Who filed the slip: me (initiated), the other party (received, awaiting), either (no direction).
    const initiator = f.direction === 'initiated' ? party : f.direction ? other : null;
    const notSeller = party === 'buyer' && !f.direction ? f.taxId : null;
    const partyEq: [Column, string] = [`${party}_tax_id`, f.taxId!];
    if (statuses === null) {
      return [
        initiator === null
          ? { equals: [partyEq], index: `idx_red_${party}_time`, notSeller }
          : { equals: [partyEq, ['initiator', initiator]], index: `idx_red_${party}_role`, notSeller },
      ];
    }
    return product<Column>([
      ['initiator', initiator === null ? INITIATORS : [initiator]],
      ['status', statuses],
    ]).map((equals) => ({ equals: [partyEq, ...equals], index: `idx_red_${party}_state`, notSeller }));
  });
}

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
