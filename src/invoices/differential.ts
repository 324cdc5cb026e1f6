/**
 * 差额征税 (differential taxation, SPEC section 2), pure: the request's rules and the note that
 * the remarks carry. Kind 02 差额开票 taxes the price less the deduction (tax-math's
 * splitDifferential); kind 01 全额开票 is issued in full and only marks the business. Either way the
 * invoice has exactly one line, tax-inclusive, no discount and no specific business, and the
 * deduction (the vouchers' sum) is at most the price.
 */
import type { FieldError } from '../common/problem';
import { formatMoney, parseMoney } from '../common/money';
import type { DifferentialTaxationRecord } from './invoice.entities';

export const DIFFERENTIAL_KINDS = { '01': '全额开票', '02': '差额开票' } as const;

export interface DifferentialRequest {
  priceIncludesTax?: boolean;
  lines: { amount: string; discountAmount?: string; preferentialPolicy?: string }[];
  specificBusiness?: unknown;
  differentialTaxation: DifferentialTaxationRecord;
}

/** The deduction (扣除额): the sum of the vouchers, in fen. */
export function deductionOf(record: Pick<DifferentialTaxationRecord, 'deductions'>): bigint {
  return record.deductions.reduce((sum, v) => sum + parseMoney(v.amount), 0n);
}

/** Every rule broken, each naming its field. */
export function differentialProblems(request: DifferentialRequest): FieldError[] {
  const errors: FieldError[] = [];
  if (request.priceIncludesTax !== true)
    errors.push({ field: 'priceIncludesTax', message: "must be true with differentialTaxation: the line's amount is the tax-inclusive price" });
  if (request.lines.length !== 1) errors.push({ field: 'lines', message: 'a 差额征税 invoice has exactly one line' });
  if (request.specificBusiness) errors.push({ field: 'specificBusiness', message: 'a 差额征税 invoice mixes with no specific business' });
  const line = request.lines[0];
  if (line?.discountAmount !== undefined) errors.push({ field: 'lines[0].discountAmount', message: 'a 差额征税 line carries no discount' });
  if (line?.preferentialPolicy !== undefined)
    errors.push({ field: 'lines[0].preferentialPolicy', message: 'a 差额征税 line is taxed: no 免税 or 不征税 mark' });
  if (line && request.lines.length === 1) {
    const deduction = deductionOf(request.differentialTaxation);
    const price = parseMoney(line.amount);
    if (deduction > price)
      errors.push({
        field: 'differentialTaxation.deductions',
        message: `the deduction ${formatMoney(deduction)} (the vouchers' sum) exceeds the price ${line.amount}`,
      });
  }
  return errors;
}

/** What the remarks (备注) start with: 差额征税 and the deduction, e.g. "差额征税（差额开票）：扣除额60000.00。". */
export function differentialNote(kind: '01' | '02', deduction: bigint): string {
  return `差额征税（${DIFFERENTIAL_KINDS[kind]}）：扣除额${formatMoney(deduction)}。`;
}

/**
 * The deduction a 差额征税 red takes back (a positive figure; the red carries it negated): the
 * blue's deduction in proportion to the amount reversed, round(deduction x amount / blue amount)
 * half up; once the reds reach the blue's whole amount (`reversedAfter`, this red included), the
 * rest of the deduction (`deductionReversedBefore` is what earlier reds took), so that the reds of
 * a blue add up to its deduction exactly.
 */
export function redShare(blueDeduction: bigint, blueAmount: bigint, amount: bigint, reversedAfter: bigint, deductionReversedBefore: bigint): bigint {
  if (reversedAfter >= blueAmount || blueAmount === 0n) return blueDeduction - deductionReversedBefore;
  const share = (blueDeduction * amount * 2n + blueAmount) / (blueAmount * 2n); // half up, all positive
  return share > blueDeduction - deductionReversedBefore ? blueDeduction - deductionReversedBefore : share;
}
