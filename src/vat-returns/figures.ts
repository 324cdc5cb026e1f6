/**
 * VAT return figures (申报表预填, SPEC section 10), pure: from the sums the database gives for a
 * return period to the figures as API.md "VAT return figures" shows them.
 *
 * - A period is a month `YYYY-MM` (monthly filers) or a quarter `YYYY-Qn` (quarterly filers),
 *   from 00:00 Beijing time on its first day to 00:00 on the day after it ends.
 * - Sales count every line of the invoices the taxpayer issued in the period (by issue time in
 *   Beijing), blue and red (a red counts negative in its own period, whatever its blue's), voided
 *   paper invoices not at all, discount lines with their discounted lines (so net amounts).
 *   Lines marked 免税 (03) are the tax-free sales, apart; lines marked 不征税 (04) are no VAT sales
 *   and appear nowhere; every other line counts under its rate (0 for zero-rated ones).
 * - General taxpayers, 附列资料（一）: per rate, 开具增值税专用发票 (数电专票 and paper 专票: type
 *   special) and 开具其他发票 (type ordinary) sales and output tax, the highest rate first.
 * - General taxpayers, 附列资料（二）: the invoices it received and confirmed for deduction (用途确认
 *   抵扣) in the period, by confirmation time: count, amount, tax; line 20 the input-tax transfer-outs
 *   of the slips on its received 专票 filled in during the period, line 23b those on 普票 (slips that
 *   were voided before a red was issued transfer nothing).
 * - Small-scale taxpayers: 增值税专用发票不含税销售额, 其他增值税发票不含税销售额, 免税销售额 (the tax-free
 *   sales of both kinds).
 */
import { formatMoney } from '../common/money';
import { periodStart, shiftPeriod } from '../common/time';

export type ReturnPeriod = { label: string; firstMonth: string; months: number };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;

/** `YYYY-MM` or `YYYY-Qn`, or null. */
export function parseReturnPeriod(value: string): ReturnPeriod | null {
  if (MONTH.test(value)) return { label: value, firstMonth: value, months: 1 };
  const q = QUARTER.exec(value);
  if (q) return { label: value, firstMonth: `${q[1]}-${String((Number(q[2]) - 1) * 3 + 1).padStart(2, '0')}`, months: 3 };
  return null;
}

/** [from, to): 00:00 Beijing on the first day to 00:00 Beijing after the last. */
export function periodRange(period: ReturnPeriod): { from: Date; to: Date } {
  return { from: periodStart(period.firstMonth), to: periodStart(shiftPeriod(period.firstMonth, period.months)) };
}

/** Why a period does not fit the taxpayer's filing frequency, or null. */
export function periodProblem(period: ReturnPeriod, frequency: 'monthly' | 'quarterly'): string | null {
  if (frequency === 'quarterly' && period.months !== 3)
    return `the taxpayer files quarterly: ask for a quarter, e.g. ${period.firstMonth.slice(0, 4)}-Q${Math.ceil(Number(period.firstMonth.slice(5)) / 3)}`;
  if (frequency === 'monthly' && period.months !== 1) return `the taxpayer files monthly: ask for a month, e.g. ${period.firstMonth}`;
  return null;
}

/** Sums of the issued lines in the period, per invoice type, rate and preferential policy. */
export interface SalesSum {
  type: 'special' | 'ordinary';
  taxRate: string;
  preferentialPolicy: string | null;
  amount: bigint;
  tax: bigint;
}

export interface InputSums {
  deductionConfirmed: { count: number; amount: bigint; tax: bigint };
  /** Slips' transfer-outs (positive figures) on received 专票 and 普票. */
  transferOutSpecial: bigint;
  transferOutOther: bigint;
}

const RATE_ORDER = ['0.13', '0.09', '0.06', '0.05', '0.03', '0.015', '0.01', '0'];
const rank = (rate: string) => {
  const i = RATE_ORDER.indexOf(rate);
  return i < 0 ? RATE_ORDER.length : i;
};

export function vatReturnFigures(args: { period: string; taxpayerType: 'general' | 'small_scale'; sales: SalesSum[]; input: InputSums }) {
  const perRate = new Map<string, { specialInvoiceSales: bigint; specialInvoiceTax: bigint; otherInvoiceSales: bigint; otherInvoiceTax: bigint }>();
  const taxFree = { special: 0n, ordinary: 0n };
  const taxed = { special: 0n, ordinary: 0n };
  for (const s of args.sales) {
    if (s.preferentialPolicy === '04') continue; // 不征税: no VAT sales
    if (s.preferentialPolicy === '03') {
      taxFree[s.type] += s.amount;
      continue;
    }
    taxed[s.type] += s.amount;
    const row = perRate.get(s.taxRate) ?? { specialInvoiceSales: 0n, specialInvoiceTax: 0n, otherInvoiceSales: 0n, otherInvoiceTax: 0n };
    if (s.type === 'special') {
      row.specialInvoiceSales += s.amount;
      row.specialInvoiceTax += s.tax;
    } else {
      row.otherInvoiceSales += s.amount;
      row.otherInvoiceTax += s.tax;
    }
    perRate.set(s.taxRate, row);
  }
  const { deductionConfirmed: d } = args.input;
  const common = {
    taxFreeSales: { specialInvoice: formatMoney(taxFree.special), otherInvoice: formatMoney(taxFree.ordinary) },
    input: {
      deductionConfirmed: { count: d.count, amount: formatMoney(d.amount), tax: formatMoney(d.tax) },
      line20RedSpecialTransferOut: formatMoney(args.input.transferOutSpecial),
      line23bOtherTransferOut: formatMoney(args.input.transferOutOther),
    },
  };
  if (args.taxpayerType === 'small_scale') {
    return {
      period: args.period,
      taxpayerType: args.taxpayerType,
      smallScale: {
        specialInvoiceSales: formatMoney(taxed.special),
        otherInvoiceSales: formatMoney(taxed.ordinary),
        taxFreeSales: formatMoney(taxFree.special + taxFree.ordinary),
      },
      ...common,
    };
  }
  const sales = [...perRate.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || Number(b) - Number(a))
    .map(([taxRate, r]) => ({
      taxRate,
      specialInvoiceSales: formatMoney(r.specialInvoiceSales),
      specialInvoiceTax: formatMoney(r.specialInvoiceTax),
      otherInvoiceSales: formatMoney(r.otherInvoiceSales),
      otherInvoiceTax: formatMoney(r.otherInvoiceTax),
    }));
  return { period: args.period, taxpayerType: args.taxpayerType, sales, ...common };
}

export type VatReturnFigures = ReturnType<typeof vatReturnFigures>;
