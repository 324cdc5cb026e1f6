import { EntityManager, In } from 'typeorm';
import { BatchSize, comparePositions, mergeRanges, Order, orderedAfter, product, take } from '../common/keyset';
import { INVOICE_STATUSES, INVOICE_TYPES, InvoiceEntity, InvoiceLineEntity, MEDIA } from './invoice.entities';

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

/** The query of one keyset page of one branch: keys only, in order, after `after`. */
export function branchQuery(em: EntityManager, branch: Branch, f: InvoiceFilter, order: Order, after: InvoiceKey | null, limit: number) {
  // The index is named (USE INDEX on MySQL/MariaDB): with skewed statistics (a filter value that
  // is rare overall, or absent when the table was analysed) the optimizer would otherwise pick an
  // index over every taxpayer's rows, or the party's index and filter its whole history.
  const qb = em.createQueryBuilder(InvoiceEntity, 'i').select(['i.issuedAt', 'i.number']).useIndex(branch.index);
  for (const [column, value] of [...branch.equals, ...branch.residual]) qb.andWhere(`i.${column} = :${column}`, { [column]: value });
  if (branch.notSeller !== null) qb.andWhere('i.seller_tax_id <> :notSeller', { notSeller: branch.notSeller });
  const counterparty = f.counterparty?.trim();
  if (counterparty) {
    const party = branch.equals.find(([c]) => c === 'seller_tax_id' || c === 'buyer_tax_id')?.[0];
    const others = party === 'seller_tax_id' ? ['buyer'] : party === 'buyer_tax_id' ? ['seller'] : ['buyer', 'seller'];
    const escaped = (v: string) => v.replace(/[!%_]/g, (c) => `!${c}`);
    const tests = others.map((o) => `i.${o}_tax_id LIKE :cpPrefix ESCAPE '!' OR i.${o}_name LIKE :cpName ESCAPE '!'`);
    qb.andWhere(`(${tests.join(' OR ')})`, { cpPrefix: `${escaped(counterparty.toUpperCase())}%`, cpName: `%${escaped(counterparty)}%` });
  }
  if (f.from) qb.andWhere('i.issued_at >= :from', { from: f.from });
  if (f.to) qb.andWhere('i.issued_at <= :to', { to: f.to });
  return orderedAfter(qb, 'i.issued_at', 'i.number', order, after && { at: after.issuedAt, id: after.number }, limit);
}

export function compareKeys(a: InvoiceKey, b: InvoiceKey): number {
  return comparePositions({ at: a.issuedAt, id: a.number }, { at: b.issuedAt, id: b.number });
}

/**
 * The keys of the matching invoices in order, after `after`: each branch read `batch` keys at a
 * time (or a growing batch, see BatchSize), merged. Stop pulling whenever enough are read; nothing
 * beyond a batch per branch is read.
 */
export function scanKeys(em: EntityManager, f: InvoiceFilter, order: Order, after: InvoiceKey | null, batch: BatchSize): AsyncGenerator<InvoiceKey> {
  const ranges = branches(f).map((branch) => (last: InvoiceKey | null, limit: number) => branchQuery(em, branch, f, order, last, limit).getMany());
  return mergeRanges(ranges, compareKeys, order, after, batch);
}

/** Up to `n` more keys from the stream (which stays open for the next call). */
export const takeKeys = take<InvoiceKey>;

/** The invoices of the keys, by primary key, in the keys' order. */
export async function invoicesByKeys(em: EntityManager, keys: InvoiceKey[]): Promise<InvoiceEntity[]> {
  if (!keys.length) return [];
  const rows = await em.find(InvoiceEntity, { where: { number: In(keys.map((k) => k.number)) } });
  const byNumber = new Map(rows.map((r) => [r.number, r]));
  return keys.map((k) => byNumber.get(k.number)).filter((r): r is InvoiceEntity => r !== undefined);
}

/**
 * A page's invoices (in the keys' order) and their lines (by invoice, then line number), read at
 * the same time: both need only the keys, so the page waits for one round trip, not two.
 */
export async function invoicesAndLines(em: EntityManager, keys: InvoiceKey[]): Promise<{ invoices: InvoiceEntity[]; lines: InvoiceLineEntity[] }> {
  if (!keys.length) return { invoices: [], lines: [] };
  const [invoices, lines] = await Promise.all([
    invoicesByKeys(em, keys),
    linesQuery(
      em,
      keys.map((k) => k.number),
    ).getMany(),
  ]);
  return { invoices, lines };
}

/** The lines of the invoices, a range of the primary key (invoice_number, line_no) in its order. */
export function linesQuery(em: EntityManager, numbers: string[]) {
  return em
    .createQueryBuilder(InvoiceLineEntity, 'l')
    .where('l.invoice_number IN (:...numbers)', { numbers })
    .orderBy('l.invoice_number', 'ASC')
    .addOrderBy('l.line_no', 'ASC');
}
