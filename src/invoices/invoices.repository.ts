import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';

/** The invoices and their lines as issuing reads and writes them (the only code here that touches their tables' rows in a transaction). */
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
}
