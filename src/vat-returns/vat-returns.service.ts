import { Injectable } from '@nestjs/common';
import { canRead, Principal } from '../common/principal';
import { fenFromDb } from '../common/money';
import { Problems } from '../common/problem';
import { Db } from '../database/db.service';
import { InvoiceEntity, InvoiceLineEntity } from '../invoices/invoice.entities';
import { RedConfirmationEntity } from '../red-letter/red-letter.entities';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { InputSums, parseReturnPeriod, periodProblem, periodRange, SalesSum, vatReturnFigures, VatReturnFigures } from './figures';

const money = (value: unknown) => (value === null || value === undefined ? 0n : fenFromDb(value as string | number));

/**
 * VAT return figures (SPEC section 10): three aggregate queries over the period's invoices and
 * slips, then the pure rules of figures.ts. Read-only; nothing is stored.
 */
@Injectable()
export class VatReturnsService {
  constructor(
    private readonly db: Db,
    private readonly taxpayers: TaxpayersService,
  ) {}

  async figures(principal: Principal, taxId: string, periodText: string | undefined): Promise<VatReturnFigures> {
    const taxpayer = canRead(principal, taxId) ? await this.taxpayers.find(taxId) : null;
    if (!taxpayer) throw Problems.notFound(`taxpayer ${taxId}`);
    if (periodText === undefined) throw Problems.field('period', 'is required: a month YYYY-MM (monthly filers) or a quarter YYYY-Qn (quarterly filers)');
    const period = parseReturnPeriod(periodText);
    if (!period) throw Problems.field('period', 'must be a month YYYY-MM or a quarter YYYY-Qn, e.g. 2026-09 or 2026-Q3');
    const problem = periodProblem(period, taxpayer.filingFrequency);
    if (problem) throw Problems.field('period', problem);
    const { from, to } = periodRange(period);
    const manager = this.db.dataSource.manager;

    const salesRows: Record<string, unknown>[] = await manager
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
    const sales: SalesSum[] = salesRows.map((r) => ({
      type: r.type as SalesSum['type'],
      taxRate: String(r.taxRate),
      preferentialPolicy: (r.policy as string | null) ?? null,
      amount: money(r.amount),
      tax: money(r.tax),
    }));

    const confirmed: Record<string, unknown> | undefined = await manager
      .createQueryBuilder()
      .select('COUNT(*)', 'count')
      .addSelect('SUM(i.total_amount)', 'amount')
      .addSelect('SUM(i.total_tax)', 'tax')
      .from(InvoiceEntity, 'i')
      .where('i.buyer_tax_id = :taxId', { taxId })
      .andWhere("i.usage = 'deduction'")
      .andWhere('i.usage_confirmed_at >= :from AND i.usage_confirmed_at < :to', { from, to })
      .getRawOne();

    const transferRows: Record<string, unknown>[] = await manager
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
    const transferOf = (type: string) => money(transferRows.find((r) => r.type === type)?.amount);

    const input: InputSums = {
      deductionConfirmed: { count: Number(confirmed?.count ?? 0), amount: money(confirmed?.amount), tax: money(confirmed?.tax) },
      transferOutSpecial: transferOf('special'),
      transferOutOther: transferOf('ordinary'),
    };
    return vatReturnFigures({ period: period.label, taxpayerType: taxpayer.taxpayerType, sales, input });
  }
}
