/** The red-letter form's rules per reason (SPEC 6, as the service applies them in
 * src/red-letter/red-lines.ts) and what is still reversible per blue line. Tested in redRules.test.ts. */
import { compare, minus, negate, parseDec, productFen } from './decimal';
import { fen, fenToMoney } from './format';

export type Reason = '01' | '02' | '03' | '04';

export type ReasonRule = {
  /** Only the whole invoice can be reversed (no per-line entry). */
  fullOnly: boolean;
  /** Per line: quantity required (02), optional (03), not allowed (04). */
  quantity: 'required' | 'optional' | 'forbidden';
  hint: string;
};

export const REASON_RULES: Record<Reason, ReasonRule> = {
  '01': { fullOnly: true, quantity: 'forbidden', hint: '开票有误：须全额红冲，红字发票与蓝字发票金额相同' },
  '02': { fullOnly: false, quantity: 'required', hint: '销货退回：按行填写退回数量，金额 = 数量 × 原单价' },
  '03': { fullOnly: false, quantity: 'optional', hint: '服务中止：按行填写冲减金额，数量可不填' },
  '04': { fullOnly: false, quantity: 'forbidden', hint: '销售折让：只冲减金额，不填数量' },
};

export type BlueLine = { lineNo: number; name: string; quantity: string | null; unitPrice: string | null; amount: string; taxAmount: string; taxRate: string };
export type SlipLine = { blueLineNo: number; quantity: string | null; amount: string; taxAmount: string };
export type Slip = { status: string; lines: SlipLine[] };

/** Slips that hold part of the blue invoice: live ones (01-04); the voided (05-09) give it back. */
const HOLDS = new Set(['01', '02', '03', '04']);

export type Reversible = { lineNo: number; amount: string; taxAmount: string; quantity: string | null };

/** What is still reversible on each blue line after the live slips (and the reds issued from them). */
export function reversible(blue: BlueLine[], slips: Slip[]): Reversible[] {
  return blue.map((b) => {
    let amount = fen(b.amount) ?? 0n;
    let tax = fen(b.taxAmount) ?? 0n;
    let quantity = b.quantity;
    for (const s of slips.filter((x) => HOLDS.has(x.status))) {
      for (const l of s.lines.filter((x) => x.blueLineNo === b.lineNo)) {
        amount -= abs(fen(l.amount) ?? 0n);
        tax -= abs(fen(l.taxAmount) ?? 0n);
        if (quantity !== null && l.quantity !== null) quantity = minus(quantity, negate(l.quantity));
      }
    }
    return { lineNo: b.lineNo, amount: fenToMoney(amount), taxAmount: fenToMoney(tax), quantity };
  });
}

const abs = (v: bigint) => (v < 0n ? -v : v);

export type RedLineInput = { blueLineNo: number; quantity?: string; amount?: string };
export type RedLineError = { blueLineNo: number; field: 'quantity' | 'amount'; message: string };

/** The slip's `lines` from what the user typed (positive numbers of what to take back), or the
 * errors per line that the form shows before anything is sent. Lines left empty are skipped. */
export function buildRedLines(
  reason: Reason,
  blue: BlueLine[],
  left: Reversible[],
  input: RedLineInput[],
): { lines: { blueLineNo: number; quantity?: string; amount: string }[]; errors: RedLineError[] } {
  const rule = REASON_RULES[reason];
  const lines: { blueLineNo: number; quantity?: string; amount: string }[] = [];
  const errors: RedLineError[] = [];
  for (const i of input) {
    const b = blue.find((x) => x.lineNo === i.blueLineNo);
    const r = left.find((x) => x.lineNo === i.blueLineNo);
    if (!b || !r) continue;
    const q = i.quantity?.trim() ? i.quantity.trim() : undefined;
    let a = i.amount?.trim() ? i.amount.trim() : undefined;
    if (q === undefined && a === undefined) continue;
    const err = (field: 'quantity' | 'amount', message: string) => errors.push({ blueLineNo: b.lineNo, field, message });
    if (q !== undefined) {
      if (rule.quantity === 'forbidden') {
        err('quantity', '此红冲原因不填数量');
        continue;
      }
      const d = parseDec(q);
      if (!d || d.n <= 0n) {
        err('quantity', '请填写大于 0 的数量');
        continue;
      }
      if (b.quantity === null || b.unitPrice === null) {
        err('quantity', '该行无数量和单价，只能冲减金额');
        continue;
      }
      if (r.quantity !== null && compare(q, r.quantity) > 0) {
        err('quantity', `最多可退 ${r.quantity}`);
        continue;
      }
      const implied = productFen(q, b.unitPrice);
      if (a === undefined && implied !== null) a = fenToMoney(implied);
    } else if (rule.quantity === 'required') {
      err('quantity', '销货退回须填写退回数量');
      continue;
    }
    const af = fen(a);
    if (af === null || af <= 0n) {
      err('amount', '请填写大于 0 的金额');
      continue;
    }
    if (af > (fen(r.amount) ?? 0n)) {
      err('amount', `最多可冲减 ${r.amount}`);
      continue;
    }
    lines.push({ blueLineNo: b.lineNo, ...(q !== undefined ? { quantity: negate(q) } : {}), amount: fenToMoney(-af) });
  }
  return { lines, errors };
}
