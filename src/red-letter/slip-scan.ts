import { product } from '../common/keyset';
import { PENDING, SlipStatus } from './slip-machine';

/**
 * The red-letter slip list in the keyset order (created_at, id), newest first, as ordered index
 * ranges merged by key (src/common/keyset.ts; indexes of migration 1700000000180), like the
 * invoice lists (src/invoices/invoice-scan.ts). A taxpayer's slips are the seller's range and the
 * buyer's range; `initiated` is the seller's range of slips the seller filed and the buyer's range
 * of slips the buyer filed; `received` the other way round; `awaiting` is `received` in status
 * 02 or 03 (one range per status); a status is one more equality. The queries that read the ranges
 * are SlipsRepository's (slips.repository.ts).
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
