/**
 * Tax math (SPEC section 2), pure. Money is bigint fen; quantities, unit prices and rates are
 * decimal strings computed with decimal.js, never floating point.
 *
 * - A line's tax = amount x rate, rounded to the fen half up; a supplied tax may differ from
 *   that by at most 0.06.
 * - Tax-inclusive input (价税合计 per line): amount = round(inclusive / (1 + rate)) and
 *   tax = inclusive - amount.
 * - quantity x unit price must equal the line amount as sent within 0.01.
 * - Totals are sums of the lines.
 */
import Decimal from 'decimal.js';
import { MAX_MONEY_FEN, parseMoney } from '../common/money';
import { amountInWords } from './amount-words';

export const TAX_RATES = ['0.13', '0.09', '0.06', '0.05', '0.03', '0.015', '0.01', '0'] as const;
export type TaxRate = (typeof TAX_RATES)[number];

/** 优惠政策标识 on tax-free and non-taxable lines: their rate is 0 and their tax is zero. */
export const PREFERENTIAL_POLICIES = { '03': '免税', '04': '不征税' } as const;
export type PreferentialPolicy = keyof typeof PREFERENTIAL_POLICIES;

export const TAX_TOLERANCE_FEN = 6n;
export const QUANTITY_TOLERANCE_FEN = 1n;
/** Quantities and unit prices: up to 16 integer digits and 13 decimals. */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,15})(\.\d{1,13})?$/;

export interface LineInput {
  name: string;
  categoryShortName: string;
  taxClassificationCode: string;
  spec?: string;
  unit?: string;
  quantity?: string;
  unitPrice?: string;
  /** Money string: pre-tax, or tax-inclusive when the invoice says priceIncludesTax. */
  amount: string;
  taxRate: string;
  taxAmount?: string;
  preferentialPolicy?: PreferentialPolicy;
}

export interface ComputedLine {
  lineNo: number;
  itemName: string;
  categoryShortName: string;
  /** As printed: *简称*名称 */
  name: string;
  taxClassificationCode: string;
  spec: string;
  unit: string;
  quantity: string | null;
  /** Pre-tax unit price. */
  unitPrice: string | null;
  amount: bigint;
  taxRate: string;
  taxAmount: bigint;
  preferentialPolicy: PreferentialPolicy | null;
}

export interface Totals {
  totalAmount: bigint;
  totalTax: bigint;
  totalWithTax: bigint;
  totalWithTaxInWords: string;
}

export interface MathProblem {
  field: string;
  message: string;
  /** TAX_MISMATCH is a 422 of its own; everything else is a 400. */
  code: 'VALIDATION_FAILED' | 'TAX_MISMATCH';
}

export type InvoiceMath = { ok: true; lines: ComputedLine[]; totals: Totals } | { ok: false; problems: MathProblem[] };

const fenToYuan = (fen: bigint) => new Decimal(fen.toString()).dividedBy(100);
const yuanToFen = (yuan: Decimal) => BigInt(yuan.times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
const abs = (n: bigint) => (n < 0n ? -n : n);

/** The display name: *简称*名称 */
export function displayName(categoryShortName: string, name: string): string {
  return `*${categoryShortName}*${name}`;
}

/** round_half_up(amount x rate), in fen. */
export function taxOf(amountFen: bigint, rate: string): bigint {
  return BigInt(new Decimal(amountFen.toString()).times(rate).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
}

/** Splits a tax-inclusive amount into pre-tax amount and tax. */
export function splitInclusive(inclusiveFen: bigint, rate: string): { amount: bigint; tax: bigint } {
  const amount = BigInt(new Decimal(inclusiveFen.toString()).dividedBy(new Decimal(1).plus(rate)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
  return { amount, tax: inclusiveFen - amount };
}

/** A decimal string without trailing zeros: "15841.5841584158416", "2". */
function plain(d: Decimal): string {
  return d.toDecimalPlaces(13, Decimal.ROUND_HALF_UP).toFixed().replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function computeLine(input: LineInput, lineNo: number, priceIncludesTax: boolean, field: string, problems: MathProblem[]): ComputedLine | null {
  const before = problems.length;
  const bad = (f: string, message: string, code: MathProblem['code'] = 'VALIDATION_FAILED') => problems.push({ field: `${field}.${f}`, message, code });

  const rate = input.taxRate;
  if (!(TAX_RATES as readonly string[]).includes(rate)) bad('taxRate', `must be one of ${TAX_RATES.join(', ')}`);
  const policy = input.preferentialPolicy ?? null;
  if (policy !== null && rate !== '0') bad('taxRate', `must be "0" on a ${PREFERENTIAL_POLICIES[policy]} line (preferentialPolicy ${policy})`);

  const sent = parseMoney(input.amount);
  if (sent <= 0n) bad('amount', 'must be greater than 0.00');

  const hasQuantity = input.quantity !== undefined;
  const hasPrice = input.unitPrice !== undefined;
  if (hasQuantity !== hasPrice) bad(hasQuantity ? 'unitPrice' : 'quantity', 'quantity and unitPrice go together: give both or neither');
  if (hasQuantity && new Decimal(input.quantity!).isZero()) bad('quantity', 'must be greater than 0');
  if (hasPrice && new Decimal(input.unitPrice!).isZero()) bad('unitPrice', 'must be greater than 0');
  if (problems.length > before) return null;

  if (hasQuantity && hasPrice) {
    const product = yuanToFen(new Decimal(input.quantity!).times(input.unitPrice!));
    if (abs(product - sent) > QUANTITY_TOLERANCE_FEN) {
      bad('amount', `quantity x unitPrice is ${fenToYuan(product).toFixed(2)}, which differs from amount ${input.amount} by more than 0.01`);
      return null;
    }
  }

  let amount: bigint;
  let computedTax: bigint;
  if (priceIncludesTax) {
    ({ amount, tax: computedTax } = splitInclusive(sent, rate));
  } else {
    amount = sent;
    computedTax = taxOf(amount, rate);
  }

  let taxAmount = computedTax;
  if (input.taxAmount !== undefined) {
    const supplied = parseMoney(input.taxAmount);
    if (policy !== null && supplied !== 0n) bad('taxAmount', 'must be 0.00 on a tax-free or non-taxable line', 'TAX_MISMATCH');
    else if (abs(supplied - computedTax) > TAX_TOLERANCE_FEN) {
      bad('taxAmount', `differs from amount x rate = ${fenToYuan(computedTax).toFixed(2)} by more than 0.06`, 'TAX_MISMATCH');
    } else if (priceIncludesTax) {
      // The inclusive figure is what the buyer pays: keep it, and let the amount absorb the difference.
      amount = sent - supplied;
      taxAmount = supplied;
    } else taxAmount = supplied;
    if (problems.length > before) return null;
  }

  const quantity = hasQuantity ? plain(new Decimal(input.quantity!)) : null;
  const unitPrice = hasQuantity ? plain(priceIncludesTax ? fenToYuan(amount).dividedBy(input.quantity!) : new Decimal(input.unitPrice!)) : null;
  return {
    lineNo,
    itemName: input.name,
    categoryShortName: input.categoryShortName,
    name: displayName(input.categoryShortName, input.name),
    taxClassificationCode: input.taxClassificationCode,
    spec: input.spec ?? '',
    unit: input.unit ?? '',
    quantity,
    unitPrice,
    amount,
    taxRate: rate,
    taxAmount,
    preferentialPolicy: policy,
  };
}

export function totalsOf(lines: Pick<ComputedLine, 'amount' | 'taxAmount'>[]): Totals {
  let totalAmount = 0n;
  let totalTax = 0n;
  for (const line of lines) {
    totalAmount += line.amount;
    totalTax += line.taxAmount;
  }
  const totalWithTax = totalAmount + totalTax;
  return { totalAmount, totalTax, totalWithTax, totalWithTaxInWords: amountInWords(totalWithTax) };
}

/** Lines in, computed lines and totals out, or every problem found. */
export function computeInvoice(inputs: LineInput[], priceIncludesTax: boolean): InvoiceMath {
  const problems: MathProblem[] = [];
  const lines: ComputedLine[] = [];
  inputs.forEach((input, i) => {
    const line = computeLine(input, i + 1, priceIncludesTax, `lines[${i}]`, problems);
    if (line) lines.push(line);
  });
  if (problems.length) return { ok: false, problems };
  const totals = totalsOf(lines);
  if (totals.totalWithTax > MAX_MONEY_FEN) {
    return { ok: false, problems: [{ field: 'lines', message: 'the invoice total exceeds 9999999999999.99', code: 'VALIDATION_FAILED' }] };
  }
  return { ok: true, lines, totals };
}
