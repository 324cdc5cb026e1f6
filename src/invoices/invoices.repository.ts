import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { BatchSize, mergeRanges, Order, orderedAfter } from '../common/keyset';
import { fenFromDb } from '../common/money';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { Branch, branches, compareKeys, InvoiceFilter, InvoiceKey } from './invoice-scan';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';

// The keyset reads of the invoice lists and exports (the ranges are invoice-scan.ts's).

/** A SUM over money columns: fen, 0 for no rows. */
const sumFen = (value: unknown): bigint => (value === null || value === undefined ? 0n : fenFromDb(value as string | number));

/** Line sums of one (invoice type, tax rate, preferential policy) group. */
export interface LineSums {
  type: InvoiceEntity['type'];
  taxRate: string;
  preferentialPolicy: string | null;
  amount: bigint;
  tax: bigint;
}

/** How many invoices, and their amounts and taxes summed. */
export interface CountedSums {
  count: number;
  amount: bigint;
  tax: bigint;
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

/**
 * The keys of the matching invoices in order, after `after`: each branch read `batch` keys at a
 * time (or a growing batch, see BatchSize), merged. Stop pulling whenever enough are read; nothing
 * beyond a batch per branch is read.
 */
export function scanKeys(em: EntityManager, f: InvoiceFilter, order: Order, after: InvoiceKey | null, batch: BatchSize): AsyncGenerator<InvoiceKey> {
  const ranges = branches(f).map((branch) => (last: InvoiceKey | null, limit: number) => branchQuery(em, branch, f, order, last, limit).getMany());
  return mergeRanges(ranges, compareKeys, order, after, batch);
}

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

/** The invoices and their lines: every statement on their rows (issuing, the lists, the buyer's and seller's changes). */
@Injectable()
export class InvoicesRepository {
  constructor(private readonly db: Db) {}

  /** Invoices with their lines: one multi-row INSERT each, whatever their number. */
  async insert(em: EntityManager, issued: { invoice: InvoiceEntity; lines: InvoiceLineEntity[] }[]): Promise<void> {
    await insertRows(
      em,
      InvoiceEntity,
      issued.map((i) => i.invoice),
    );
    await insertRows(
      em,
      InvoiceLineEntity,
      issued.flatMap((i) => i.lines),
    );
  }

  /** Which of these numbers are invoices in the database (committed), read outside any transaction. */
  async existing(numbers: string[]): Promise<Set<string>> {
    if (numbers.length === 0) return new Set();
    const rows = await this.db.dataSource.manager.find(InvoiceEntity, { select: { number: true }, where: { number: In(numbers) } });
    return new Set(rows.map((r) => r.number));
  }

  /** The amounts and deductions of the red invoices of a blue one, as the transaction sees them. */
  redAmountsOf(em: EntityManager, blueNumber: string): Promise<Pick<InvoiceEntity, 'totalAmount' | 'deduction'>[]> {
    return em.find(InvoiceEntity, { select: { totalAmount: true, deduction: true }, where: { blueNumber, color: 'red' } });
  }

  /** The invoice's row, locked for the rest of the transaction where the database has row locks; null if there is none. */
  lock(em: EntityManager, number: string): Promise<InvoiceEntity | null> {
    const query = em.createQueryBuilder(InvoiceEntity, 'i').where('i.number = :number', { number });
    if (this.db.rowLocks) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** The invoice's lines in order, as the transaction sees them. */
  linesOf(em: EntityManager, number: string): Promise<InvoiceLineEntity[]> {
    return em.find(InvoiceLineEntity, { where: { invoiceNumber: number }, order: { lineNo: 'ASC' } });
  }

  /** Sets an invoice's status. */
  async setStatus(em: EntityManager, number: string, status: InvoiceEntity['status']): Promise<void> {
    await em.update(InvoiceEntity, { number }, { status });
  }

  /** The invoice (committed), or null. */
  find(number: string): Promise<InvoiceEntity | null> {
    return this.db.dataSource.manager.findOneBy(InvoiceEntity, { number });
  }

  /** The invoice's lines in order (committed). */
  lines(number: string): Promise<InvoiceLineEntity[]> {
    return this.db.dataSource.manager.find(InvoiceLineEntity, { where: { invoiceNumber: number }, order: { lineNo: 'ASC' } });
  }

  /** The red invoices of the blue ones (committed), oldest first. */
  redsOf(blueNumbers: string[]): Promise<InvoiceEntity[]> {
    if (!blueNumbers.length) return Promise.resolve([]);
    return this.db.dataSource.manager.find(InvoiceEntity, { where: { blueNumber: In(blueNumbers) }, order: { issuedAt: 'ASC', number: 'ASC' } });
  }

  /** Every invoice's type, by number (committed; numbers not found are absent). */
  async typesOf(numbers: string[]): Promise<Map<string, InvoiceEntity['type']>> {
    const types = new Map<string, InvoiceEntity['type']>();
    for (let i = 0; i < numbers.length; i += 500) {
      const rows = await this.db.dataSource.manager.find(InvoiceEntity, {
        select: { number: true, type: true },
        where: { number: In(numbers.slice(i, i + 500)) },
      });
      for (const r of rows) types.set(r.number, r.type);
    }
    return types;
  }

  /**
   * The seller's invoices issued in [from, to), voided ones out: their lines' sums by invoice
   * type, tax rate and preferential policy (committed; for VAT return figures).
   */
  async salesSums(taxId: string, from: Date, to: Date): Promise<LineSums[]> {
    const rows: Record<string, unknown>[] = await this.db.dataSource.manager
      .createQueryBuilder()
      .select('i.type', 'type')
      .addSelect('l.tax_rate', 'taxRate')
      .addSelect('l.preferential_policy', 'policy')
      .addSelect('SUM(l.amount)', 'amount')
      .addSelect('SUM(l.tax_amount)', 'tax')
      .from(InvoiceLineEntity, 'l')
      .innerJoin(InvoiceEntity, 'i', 'i.number = l.invoice_number')
      .where('i.seller_tax_id = :taxId', { taxId })
      .andWhere('i.issued_at >= :from AND i.issued_at < :to', { from, to })
      .andWhere("i.status <> 'voided'")
      .groupBy('i.type')
      .addGroupBy('l.tax_rate')
      .addGroupBy('l.preferential_policy')
      .getRawMany();
    return rows.map((r) => ({
      type: r.type as InvoiceEntity['type'],
      taxRate: String(r.taxRate),
      preferentialPolicy: (r.policy as string | null) ?? null,
      amount: sumFen(r.amount),
      tax: sumFen(r.tax),
    }));
  }

  /** The buyer's received invoices whose use for deduction was confirmed in [from, to): how many, their amounts and taxes (committed). */
  async deductionConfirmedSums(taxId: string, from: Date, to: Date): Promise<CountedSums> {
    const row: Record<string, unknown> | undefined = await this.db.dataSource.manager
      .createQueryBuilder()
      .select('COUNT(*)', 'count')
      .addSelect('SUM(i.total_amount)', 'amount')
      .addSelect('SUM(i.total_tax)', 'tax')
      .from(InvoiceEntity, 'i')
      .where('i.buyer_tax_id = :taxId', { taxId })
      .andWhere("i.usage = 'deduction'")
      .andWhere('i.usage_confirmed_at >= :from AND i.usage_confirmed_at < :to', { from, to })
      .getRawOne();
    return { count: Number(row?.count ?? 0), amount: sumFen(row?.amount), tax: sumFen(row?.tax) };
  }

  /** The keys of the invoices the filter matches, in order after `after` (committed; see scanKeys). */
  scan(f: InvoiceFilter, order: Order, after: InvoiceKey | null, batch: BatchSize): AsyncGenerator<InvoiceKey> {
    return scanKeys(this.db.dataSource.manager, f, order, after, batch);
  }

  /** A page's invoices and lines (committed; see invoicesAndLines). */
  page(keys: InvoiceKey[]): Promise<{ invoices: InvoiceEntity[]; lines: InvoiceLineEntity[] }> {
    return invoicesAndLines(this.db.dataSource.manager, keys);
  }

  /** Sets the usage if it is still `was`; answers whether it did. */
  async setUsage(em: EntityManager, number: string, was: string | null, usage: string, at: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(InvoiceEntity)
      .set({ usage, usageConfirmedAt: at })
      .where({ number, usage: was === null ? IsNull() : was }) // `usage` is reserved in MySQL: let TypeORM quote it
      .execute();
    return result.affected === 1;
  }

  /** Sets the accounting entry (on a row the transaction holds). */
  async setAccountingEntry(em: EntityManager, number: string, entry: InvoiceEntity['accountingEntry']): Promise<void> {
    await em.update(InvoiceEntity, { number }, { accountingEntry: entry });
  }

  /** Voids the invoice if it is still issued; answers whether it did. */
  async void(em: EntityManager, number: string, at: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(InvoiceEntity)
      .set({ status: 'voided', voidedAt: at })
      .where('number = :number AND status = :issued', { number, issued: 'issued' })
      .execute();
    return result.affected === 1;
  }
}
