import { Injectable } from '@nestjs/common';
import { fenFromDb } from '../common/money';
import { Db } from '../database/db.service';
import { InvoiceEntity, InvoiceLineEntity } from '../invoices/invoice.entities';
import { RedConfirmationEntity } from '../red-letter/red-letter.entities';
import { SalesSum } from './figures';

const money = (value: unknown) => (value === null || value === undefined ? 0n : fenFromDb(value as string | number));

/** Received invoices confirmed for deduction in a period: how many, and their amounts and taxes. */
export interface DeductionSums {
  count: number;
  amount: bigint;
  tax: bigint;
}

/**
 * The aggregates a VAT return is figured from (committed rows, read-only): sums over the period's
 * invoices, their lines and the slips filled in, by the columns the rules of figures.ts group on.
 */
@Injectable()
export class VatReturnsRepository {
  constructor(private readonly db: Db) {}

  /** The seller's invoices issued in [from, to), voided ones out: their lines' sums by invoice type, tax rate and preferential policy. */
  async sales(taxId: string, from: Date, to: Date): Promise<SalesSum[]> {
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
      type: r.type as SalesSum['type'],
      taxRate: String(r.taxRate),
      preferentialPolicy: (r.policy as string | null) ?? null,
      amount: money(r.amount),
      tax: money(r.tax),
    }));
  }

  /** The buyer's received invoices whose use for deduction was confirmed in [from, to). */
  async deductionConfirmed(taxId: string, from: Date, to: Date): Promise<DeductionSums> {
    const confirmed: Record<string, unknown> | undefined = await this.db.dataSource.manager
      .createQueryBuilder()
      .select('COUNT(*)', 'count')
      .addSelect('SUM(i.total_amount)', 'amount')
      .addSelect('SUM(i.total_tax)', 'tax')
      .from(InvoiceEntity, 'i')
      .where('i.buyer_tax_id = :taxId', { taxId })
      .andWhere("i.usage = 'deduction'")
      .andWhere('i.usage_confirmed_at >= :from AND i.usage_confirmed_at < :to', { from, to })
      .getRawOne();
    return { count: Number(confirmed?.count ?? 0), amount: money(confirmed?.amount), tax: money(confirmed?.tax) };
  }

  /** The input-tax transfer-outs of the buyer's live slips (01 to 04) filled in during [from, to), summed by the blue invoice's type. */
  async transferOuts(taxId: string, from: Date, to: Date): Promise<Map<string, bigint>> {
    const rows: Record<string, unknown>[] = await this.db.dataSource.manager
      .createQueryBuilder()
      .select('i.type', 'type')
      .addSelect('SUM(s.input_tax_transfer_out)', 'amount')
      .from(RedConfirmationEntity, 's')
      .innerJoin(InvoiceEntity, 'i', 'i.number = s.blue_number')
      .where('s.buyer_tax_id = :taxId', { taxId })
      .andWhere("s.status IN ('01', '02', '03', '04')")
      .andWhere('s.input_tax_transfer_out > 0')
      .andWhere('s.created_at >= :from AND s.created_at < :to', { from, to })
      .groupBy('i.type')
      .getRawMany();
    return new Map(rows.map((r) => [String(r.type), money(r.amount)]));
  }
}
