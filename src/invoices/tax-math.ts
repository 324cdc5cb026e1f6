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
 * - Discount lines (折扣行): a line with `discountAmount` becomes the discounted line (发票行性质 2)
 *   and, right after it, its discount line (1): same item, code, rate and policy, amount = minus
 *   the discount (on the same basis as the line: tax-inclusive when the invoice is), tax by the
 *   same rule as any line. The discount is at most the line's amount. Totals, and so the quota
 *   and the VAT figures, are net of it.
 * - 差额征税 差额开票 (kind 02): tax = round((price incl. tax - deduction) x rate / (1 + rate)),
 *   amount = price - tax (splitDifferential).
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
  /** 折扣: positive money on the same basis as `amount`; adds a discount line right after this one. */
  discountAmount?: string;
}

/** 发票行性质: 0 正常行, 1 折扣行, 2 被折扣行. */
export type LineNature = '0' | '1' | '2';

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
  lineNature: LineNature;
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

/**
 * 差额征税 差额开票 (SPEC section 2): the tax is on the price less the deduction,
 * round((price - deduction) x rate / (1 + rate)) to the fen half up; amount = price - tax.
 */
export function splitDifferential(priceFen: bigint, deductionFen: bigint, rate: string): { amount: bigint; tax: bigint } {
  const tax = BigInt(
    new Decimal((priceFen - deductionFen).toString()).times(rate).dividedBy(new Decimal(1).plus(rate)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0),
  );
  return { amount: priceFen - tax, tax };
}

/** A decimal string without trailing zeros: "15841.5841584158416", "2". */
function plain(d: Decimal): string {
  return d
    .toDecimalPlaces(13, Decimal.ROUND_HALF_UP)
    .toFixed()
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

export interface MathOptions {
  /** 差额开票: the deduction (扣除额) in fen; the tax then follows splitDifferential. */
  differentialDeduction?: bigint;
}

export function computeLine(
  input: LineInput,
  lineNo: number,
  priceIncludesTax: boolean,
  field: string,
  problems: MathProblem[],
  options: MathOptions = {},
): ComputedLine | null {
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
  if (options.differentialDeduction !== undefined) {
    ({ amount, tax: computedTax } = splitDifferential(sent, options.differentialDeduction, rate));
  } else if (priceIncludesTax) {
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
      const rule = options.differentialDeduction !== undefined ? '(price - deduction) x rate / (1 + rate)' : 'amount x rate';
      bad('taxAmount', `differs from ${rule} = ${fenToYuan(computedTax).toFixed(2)} by more than 0.06`, 'TAX_MISMATCH');
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
    lineNature: '0',
  };
}

/**
 * The discount line (折扣行) of a discounted line: same item, code, rate and policy, no spec, unit,
 * quantity or price; amount = minus the discount and its tax by the same rule as any line
 * (tax-inclusive discounts are split like tax-inclusive amounts). Null, with a problem, when the
 * discount is not positive or exceeds the line's amount as sent.
 */
export function discountLine(
  discounted: ComputedLine,
  input: LineInput,
  lineNo: number,
  priceIncludesTax: boolean,
  field: string,
  problems: MathProblem[],
): ComputedLine | null {
  const discount = parseMoney(input.discountAmount!);
  const sent = parseMoney(input.amount);
  if (discount <= 0n) {
    problems.push({ field: `${field}.discountAmount`, message: 'must be greater than 0.00', code: 'VALIDATION_FAILED' });
    return null;
  }
  if (discount > sent) {
    problems.push({ field: `${field}.discountAmount`, message: `a discount may not exceed its line's amount ${input.amount}`, code: 'VALIDATION_FAILED' });
    return null;
  }
  const { amount, tax } =
    discounted.preferentialPolicy !== null
      ? { amount: -discount, tax: 0n }
      : priceIncludesTax
        ? splitInclusive(-discount, discounted.taxRate)
        : { amount: -discount, tax: taxOf(-discount, discounted.taxRate) };
  return { ...discounted, lineNo, spec: '', unit: '', quantity: null, unitPrice: null, amount, taxAmount: tax, lineNature: '1' };
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
export function computeInvoice(inputs: LineInput[], priceIncludesTax: boolean, options: MathOptions = {}): InvoiceMath {
  const problems: MathProblem[] = [];
  const lines: ComputedLine[] = [];
  inputs.forEach((input, i) => {
    const field = `lines[${i}]`;
    const line = computeLine(input, lines.length + 1, priceIncludesTax, field, problems, options);
    if (!line) return;
    lines.push(line);
    if (input.discountAmount === undefined) return;
    const discount = discountLine(line, input, lines.length + 1, priceIncludesTax, field, problems);
    if (!discount) return;
    line.lineNature = '2';
    lines.push(discount);
  });
  if (problems.length) return { ok: false, problems };
  const totals = totalsOf(lines);
  if (totals.totalWithTax > MAX_MONEY_FEN) {
    return { ok: false, problems: [{ field: 'lines', message: 'the invoice total exceeds 9999999999999.99', code: 'VALIDATION_FAILED' }] };
  }
  return { ok: true, lines, totals };
}

/** What netLines reads of a stored line. */
export interface NettableLine {
  lineNo: number;
  amount: bigint;
  taxAmount: bigint;
  quantity: string | null;
  unitPrice: string | null;
  lineNature: string;
}

/**
 * The lines a red letter works on (SPEC section 6 with section 2's discounts): every line but the
 * discount lines, a discounted line carrying its net amount and tax (its own plus its discount
 * line's) and its net unit price (net amount / quantity); lines discounted to nothing are left
 * out. Red invoices and their per-line limits count these net figures.
 */
export function netLines<T extends NettableLine>(lines: T[]): T[] {
  const out: T[] = [];
  for (const line of [...lines].sort((a, b) => a.lineNo - b.lineNo)) {
    const previous = out[out.length - 1];
    if (line.lineNature === '1' && previous && previous.lineNature === '2') {
      previous.amount += line.amount;
      previous.taxAmount += line.taxAmount;
    } else out.push({ ...line });
  }
  for (const line of out) {
    if (line.lineNature === '2' && line.quantity !== null && !new Decimal(line.quantity).isZero()) {
      line.unitPrice = plain(fenToYuan(line.amount).dividedBy(line.quantity));
    }
  }
  return out.filter((l) => l.amount !== 0n || l.taxAmount !== 0n);
}

/** Discount line number -> the discounted line it belongs to. */
export function discountLinesOf(lines: NettableLine[]): Map<number, number> {
  const map = new Map<number, number>();
  const sorted = [...lines].sort((a, b) => a.lineNo - b.lineNo);
  sorted.forEach((line, i) => {
    if (line.lineNature === '1' && i > 0) map.set(line.lineNo, sorted[i - 1].lineNo);
  });
  return map;
}
