/**
 * What a confirmation slip may take back from its blue invoice (SPEC section 6), pure.
 * Reasons: 01 开票有误 (always the full invoice), 02 销货退回 (quantities, not unit prices),
 * 03 服务中止 (amounts and quantities, not unit prices), 04 销售折让 (amounts only). Reds and live
 * slips together never exceed the blue, per line (amount, tax, quantity) and so in total.
 *
 * The blue lines given here are its net lines (tax-math's netLines): a discounted line stands
 * with its net amount, tax and unit price, its discount line is not a line of its own (naming it
 * is refused, `discountLines` says which it belongs to). On a 差额征税 差额开票 line
 * (`proportionalTax`) a red's tax is the blue's tax in proportion, round(blue tax x red amount /
 * blue amount), since its tax is not amount x rate; the last red on a line takes the remainder.
 */
import Decimal from 'decimal.js';
import { formatMoney, parseMoney } from '../common/money';
import { TAX_TOLERANCE_FEN, taxOf, QUANTITY_TOLERANCE_FEN } from '../invoices/tax-math';

export const RED_REASONS = { '01': '开票有误', '02': '销货退回', '03': '服务中止', '04': '销售折让' } as const;
export type RedReason = keyof typeof RED_REASONS;

export interface BlueLine {
  lineNo: number;
  amount: bigint;
  taxAmount: bigint;
  quantity: string | null;
  unitPrice: string | null;
  taxRate: string;
  preferentialPolicy: string | null;
  /** 差额开票: the red's tax is the blue's in proportion to the amount. */
  proportionalTax?: boolean;
}

/** As the client sends it: negative amounts. */
export interface RequestedLine {
  blueLineNo: number;
  quantity?: string;
  amount: string;
  taxAmount?: string;
}

/** What live slips already hold on a line (positive figures). */
export interface Held {
  amount: bigint;
  tax: bigint;
  quantity: Decimal;
}

export interface SlipLine {
  blueLineNo: number;
  /** Negative, or null when the red does not change quantities. */
  quantity: string | null;
  amount: bigint;
  taxAmount: bigint;
}

export type RedPlan =
  { ok: true; lines: SlipLine[]; full: boolean } | { ok: false; code: 'RED_NOT_ALLOWED' | 'VALIDATION_FAILED' | 'TAX_MISMATCH'; field: string; detail: string };

const NONE: Held = { amount: 0n, tax: 0n, quantity: new Decimal(0) };
const abs = (n: bigint) => (n < 0n ? -n : n);
const fail = (code: 'RED_NOT_ALLOWED' | 'VALIDATION_FAILED' | 'TAX_MISMATCH', field: string, detail: string): RedPlan => ({ ok: false, code, field, detail });
const plain = (d: Decimal) =>
  d
    .toFixed()
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');

/** Whether the slip lines take back every line in full (amount and tax). */
function coversAll(blue: BlueLine[], lines: SlipLine[], held: Map<number, Held>): boolean {
  return blue.every((b) => {
    const line = lines.find((l) => l.blueLineNo === b.lineNo);
    const h = held.get(b.lineNo) ?? NONE;
    return h.amount + abs(line?.amount ?? 0n) === b.amount && h.tax + abs(line?.taxAmount ?? 0n) === b.taxAmount;
  });
}

/** A red's tax on a blue line: amount x rate, none on a 免税/不征税 line, the blue's share on a 差额开票 line. */
export function redTaxOf(b: BlueLine, amount: bigint): bigint {
  if (b.preferentialPolicy) return 0n;
  if (b.proportionalTax) {
    if (b.amount === 0n) return 0n;
    return -BigInt(
      new Decimal(abs(amount).toString()).times(b.taxAmount.toString()).dividedBy(b.amount.toString()).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0),
    );
  }
  return taxOf(amount, b.taxRate);
}

export function planRed(
  blue: BlueLine[],
  reason: RedReason,
  requested: RequestedLine[] | undefined,
  held: Map<number, Held>,
  fullOnly: boolean,
  discountLines: Map<number, number> = new Map(),
): RedPlan {
  const anyHeld = [...held.values()].some((h) => h.amount > 0n || h.tax > 0n);
  if (requested === undefined) {
    if (anyHeld) return fail('RED_NOT_ALLOWED', 'lines', 'a full red is no longer possible: earlier reds or live slips already hold part of this invoice');
    // A sales discount (04) changes amounts only: its lines carry no quantity, even in full.
    const quantityOf = (b: BlueLine) => (b.quantity === null || reason === '04' ? null : plain(new Decimal(b.quantity).neg()));
    const lines = blue.map((b) => ({ blueLineNo: b.lineNo, quantity: quantityOf(b), amount: -b.amount, taxAmount: -b.taxAmount }));
    return { ok: true, lines, full: true };
  }
  if (requested.length === 0) return fail('VALIDATION_FAILED', 'lines', 'give at least one line, or omit lines for a full red');

  const lines: SlipLine[] = [];
  const seen = new Set<number>();
  for (const [i, r] of requested.entries()) {
    const field = `lines[${i}]`;
    const b = blue.find((x) => x.lineNo === r.blueLineNo);
    const discounted = discountLines.get(r.blueLineNo);
    if (!b && discounted !== undefined) {
      return fail(
        'VALIDATION_FAILED',
        `${field}.blueLineNo`,
        `line ${r.blueLineNo} is the discount line of line ${discounted}: red-letter line ${discounted}, whose limits are its net amount and tax`,
      );
    }
    if (!b) return fail('VALIDATION_FAILED', `${field}.blueLineNo`, `the blue invoice has no line ${r.blueLineNo}`);
    if (seen.has(r.blueLineNo)) return fail('VALIDATION_FAILED', `${field}.blueLineNo`, `line ${r.blueLineNo} appears twice`);
    seen.add(r.blueLineNo);
    const amount = parseMoney(r.amount);
    if (amount >= 0n) return fail('VALIDATION_FAILED', `${field}.amount`, 'must be negative');
    const h = held.get(b.lineNo) ?? NONE;

    let quantity: Decimal | null = null;
    if (r.quantity !== undefined) {
      quantity = new Decimal(r.quantity);
      if (!quantity.isNegative() || quantity.isZero()) return fail('VALIDATION_FAILED', `${field}.quantity`, 'must be negative');
      if (reason === '04') return fail('RED_NOT_ALLOWED', `${field}.quantity`, 'a sales discount (04) changes amounts only, not quantities');
      if (b.quantity === null || b.unitPrice === null)
        return fail('RED_NOT_ALLOWED', `${field}.quantity`, `blue line ${b.lineNo} has no quantity and unit price`);
      const implied = BigInt(quantity.times(b.unitPrice).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
      if (abs(implied - amount) > QUANTITY_TOLERANCE_FEN) {
        return fail(
          'RED_NOT_ALLOWED',
          `${field}.amount`,
          `the unit price may not change: ${r.quantity} x ${b.unitPrice} is ${formatMoney(implied)}, not ${r.amount}`,
        );
      }
      if (h.quantity.plus(quantity.abs()).greaterThan(b.quantity)) {
        return fail(
          'RED_NOT_ALLOWED',
          `${field}.quantity`,
          `line ${b.lineNo}: only ${plain(new Decimal(b.quantity).minus(h.quantity))} of ${b.quantity} remain to be reversed`,
        );
      }
    } else if (reason === '02') {
      return fail('RED_NOT_ALLOWED', `${field}.quantity`, 'a sales return (02) gives back quantities: quantity is required');
    }

    if (h.amount + abs(amount) > b.amount) {
      return fail(
        'RED_NOT_ALLOWED',
        `${field}.amount`,
        `line ${b.lineNo}: only ${formatMoney(b.amount - h.amount)} of ${formatMoney(b.amount)} remain to be reversed`,
      );
    }
    const computed = redTaxOf(b, amount);
    const remainingTax = b.taxAmount - h.tax;
    let tax: bigint;
    if (r.taxAmount !== undefined) {
      tax = parseMoney(r.taxAmount);
      if (tax > 0n) return fail('VALIDATION_FAILED', `${field}.taxAmount`, 'must be negative or zero');
      if (abs(tax - computed) > TAX_TOLERANCE_FEN)
        return fail(
          'TAX_MISMATCH',
          `${field}.taxAmount`,
          `differs from ${b.proportionalTax ? 'the blue tax in proportion' : 'amount x rate'} = ${formatMoney(computed)} by more than 0.06`,
        );
    } else if (h.amount + abs(amount) === b.amount && abs(-remainingTax - computed) <= TAX_TOLERANCE_FEN) {
      tax = -remainingTax; // the last red on a line takes the rounding remainder (尾差)
    } else tax = computed;
    if (h.tax + abs(tax) > b.taxAmount) {
      return fail(
        'RED_NOT_ALLOWED',
        `${field}.taxAmount`,
        `line ${b.lineNo}: only ${formatMoney(remainingTax)} of tax ${formatMoney(b.taxAmount)} remain to be reversed`,
      );
    }
    lines.push({ blueLineNo: b.lineNo, quantity: quantity === null ? null : plain(quantity), amount, taxAmount: tax });
  }
  const full = !anyHeld && coversAll(blue, lines, held);
  if ((fullOnly || reason === '01') && !full) {
    return fail(
      'RED_NOT_ALLOWED',
      'lines',
      reason === '01' ? 'an issue-error red (01) always reverses the whole invoice' : "without the buyer's confirmation only a full red is allowed",
    );
  }
  return { ok: true, lines, full };
}

/** Whether, after these slips, every blue line is reversed in full. */
export function fullyReversed(blue: BlueLine[], held: Map<number, Held>): boolean {
  return coversAll(blue, [], held);
}

/**
 * Checked again when a red is issued (SPEC 6): the reds issued so far (`reversed`, positive
 * figures) plus this slip's lines stay within every blue line's amount, tax and quantity. Answers
 * what exceeds, or null.
 */
export function exceedsBlue(blue: BlueLine[], reversed: Map<number, Held>, lines: SlipLine[]): string | null {
  for (const line of lines) {
    const b = blue.find((x) => x.lineNo === line.blueLineNo);
    if (!b) return `the blue invoice has no line ${line.blueLineNo}`;
    const h = reversed.get(b.lineNo) ?? NONE;
    if (h.amount + abs(line.amount) > b.amount)
      return `line ${b.lineNo}: the reds would reverse ${formatMoney(h.amount + abs(line.amount))} of ${formatMoney(b.amount)}`;
    if (h.tax + abs(line.taxAmount) > b.taxAmount)
      return `line ${b.lineNo}: the reds would reverse a tax of ${formatMoney(h.tax + abs(line.taxAmount))} of ${formatMoney(b.taxAmount)}`;
    if (line.quantity !== null && b.quantity !== null && h.quantity.plus(new Decimal(line.quantity).abs()).greaterThan(b.quantity)) {
      return `line ${b.lineNo}: the reds would give back more than its quantity ${b.quantity}`;
    }
  }
  return null;
}
