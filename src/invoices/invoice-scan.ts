import { comparePositions, Order, product, take } from '../common/keyset';
import { INVOICE_STATUSES, INVOICE_TYPES, MEDIA } from './invoice.entities';

/**
 * Reading invoices in the keyset order (issued_at, number) so that a page costs what the page
 * holds, whatever the table holds (issue 17).
 *
 * A filter is answered by one or more ordered index ranges ("branches", see migration
 * 1700000000160): `direction=both` is the seller's range and the buyer's range; a filter on
 * color alone is one range per status of the (party, color, status, issued_at, number) index,
 * and so on. Each branch is read in keyset pages of its keys only (the index covers them), the
 * branches are merged in order here, and the rows are then read by primary key. No query ever
 * sorts or filters a taxpayer's whole history. The merge is src/common/keyset.ts's.
 *
 * This file holds the pure part (which ranges, in which order); the queries that read them are
 * InvoicesRepository's (invoices.repository.ts).
 */

export type Direction = 'issued' | 'received' | 'both';
export type { Order };

export interface InvoiceFilter {
  /** The taxpayer; null for every invoice (officers, unscoped auditors). */
  taxId: string | null;
  direction: Direction;
  from: Date | null;
  to: Date | null;
  color?: string;
  status?: string;
  type?: string;
  medium?: string;
  /**
   * The other party (the buyer of issued invoices, the seller of received ones; either for every
   * invoice): the beginning of its tax id or part of its name. Checked on the rows of each range,
   * which it narrows but never widens, so the ranges and their order stay the same.
   */
  counterparty?: string;
}

export interface InvoiceKey {
  issuedAt: Date;
  number: string;
}

type Column = 'seller_tax_id' | 'buyer_tax_id' | 'color' | 'status' | 'type' | 'medium';

/** One ordered index range: equalities on the index's leading columns, then (issued_at, number). */
export interface Branch {
  equals: [Column, string][];
  /** Conditions the index does not order by (checked on the rows of the range, never widening it). */
  residual: [Column, string][];
  /** The index that holds the range in order (migration 1700000000160). */
  index: string;
  /** The buyer's range of `both` leaves out the taxpayer's invoices to itself (in the seller's range already). */
  notSeller: string | null;
}

const COLORS = ['blue', 'red'] as const;

/** The ordered index ranges that together hold exactly the invoices the filter matches, without overlap. */
export function branches(f: InvoiceFilter): Branch[] {
  const parties: { party: [Column, string][]; notSeller: string | null }[] = !f.taxId
    ? [{ party: [], notSeller: null }]
    : f.direction === 'issued'
      ? [{ party: [['seller_tax_id', f.taxId]], notSeller: null }]
      : f.direction === 'received'
        ? [{ party: [['buyer_tax_id', f.taxId]], notSeller: null }]
        : [
            { party: [['seller_tax_id', f.taxId]], notSeller: null },
            { party: [['buyer_tax_id', f.taxId]], notSeller: f.taxId },
          ];
  // Which index: (party, color, status, ...) when color or status is filtered, (party, type,
  // medium, ...) when only type or medium is; the other pair is checked on the range's rows.
  let facets: [Column, string][][] = [[]];
  const residual: [Column, string][] = [];
  if (f.color !== undefined || f.status !== undefined) {
    facets = product<Column>([
      ['color', f.color !== undefined ? [f.color] : COLORS],
      ['status', f.status !== undefined ? [f.status] : INVOICE_STATUSES],
    ]);
    if (f.type !== undefined) residual.push(['type', f.type]);
    if (f.medium !== undefined) residual.push(['medium', f.medium]);
  } else if (f.type !== undefined || f.medium !== undefined) {
    facets = product<Column>([
      ['type', f.type !== undefined ? [f.type] : INVOICE_TYPES],
      ['medium', f.medium !== undefined ? [f.medium] : MEDIA],
    ]);
  }
  const scope = f.taxId ? (f.direction === 'received' ? ['buyer_'] : f.direction === 'issued' ? ['seller_'] : ['seller_', 'buyer_']) : [''];
  const facet = f.color !== undefined || f.status !== undefined ? 'state' : f.type !== undefined || f.medium !== undefined ? 'kind' : 'time';
  return parties.flatMap(({ party, notSeller }, p) =>
    facets.map((equals) => ({ equals: [...party, ...equals], residual, notSeller, index: `idx_inv_${scope[p]}${facet}` })),
  );
}

export function compareKeys(a: InvoiceKey, b: InvoiceKey): number {
  return comparePositions({ at: a.issuedAt, id: a.number }, { at: b.issuedAt, id: b.number });
}

/** Up to `n` more keys from the stream (which stays open for the next call). */
export const takeKeys = take<InvoiceKey>;
