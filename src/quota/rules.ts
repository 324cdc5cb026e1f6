/**
 * The monthly quota (开具金额总额度), SPEC section 4, as pure functions of numbers and periods.
 * The service feeds them what it reads and writes what they decide; the conditional UPDATEs in
 * QuotaService enforce the same decisions atomically in the database.
 */
import { Period, periodParts, shiftPeriod } from '../common/time';
import { riskScaled } from '../taxpayers/risk-scaling';
import type { CreditRating, FilingFrequency, RiskLevel } from '../taxpayers/taxpayer.entity';

/** The default initial total is the taxpayer registry's rule (taxpayers/risk-scaling.ts); the policy starts from it. */
export { defaultInitialQuota } from '../taxpayers/risk-scaling';

export interface MonthState {
  total: bigint;
  used: bigint;
  temporaryAdjusted: boolean;
}

export interface TemporaryPolicy {
  /** Usage, counting the invoice in hand, that triggers the raise: `used >= ratio% of total`. */
  ratioPercent: number;
  /** The raise: uplift% of the total. */
  upliftPercent: number;
}

export const DEFAULT_TEMPORARY_POLICY: TemporaryPolicy = { ratioPercent: 80, upliftPercent: 20 };

export const LEDGER_KINDS = ['initial', 'periodic', 'temporary', 'manual', 'issue', 'red_restore', 'paper_collection', 'paper_void_restore'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

// ---------------------------------------------------------------- available and the window

/**
 * What may still be issued: `total - used`, or, inside the declaration window,
 * `min(previous month's remaining, total) - used`. Never negative.
 */
export function availableOf(state: Pick<MonthState, 'total' | 'used'>, windowCap: bigint | null): bigint {
  const ceiling = windowCap !== null && windowCap < state.total ? windowCap : state.total;
  const available = ceiling - state.used;
  return available > 0n ? available : 0n;
}

/**
 * The VAT filing that must be recorded before this month leaves its declaration window, or null
 * when the month has no window: a monthly filer files for the previous month, every month; a
 * quarterly filer for the previous quarter, in the first month of a quarter only.
 */
export function filingDueIn(frequency: FilingFrequency, period: Period): string | null {
  const { month } = periodParts(period);
  const previous = shiftPeriod(period, -1);
  if (frequency === 'monthly') return previous;
  if (![1, 4, 7, 10].includes(month)) return null;
  const p = periodParts(previous);
  return `${p.year}-Q${Math.ceil(p.month / 3)}`;
}

/**
 * The filing whose record decides whether `period` is in its declaration window (the month is in
 * it while that filing is not recorded), or null when the month has no window: the taxpayer has no
 * previous month on the platform, or files quarterly and `period` does not open a quarter.
 */
export function windowFilingOf(input: { frequency: FilingFrequency; period: Period; registeredPeriod: Period }): string | null {
  if (input.period <= input.registeredPeriod) return null;
  return filingDueIn(input.frequency, input.period);
}

/** Whether `period` is inside its declaration window. A taxpayer with no previous month has none. */
export function inDeclarationWindow(input: {
  frequency: FilingFrequency;
  period: Period;
  registeredPeriod: Period;
  filed: (filingPeriod: string) => boolean;
}): boolean {
  const due = windowFilingOf(input);
  return due !== null && !input.filed(due);
}

/** The declaration window's cap on `used`: the previous month's remaining. */
export function windowCapOf(previous: Pick<MonthState, 'total' | 'used'>): bigint {
  const remaining = previous.total - previous.used;
  return remaining > 0n ? remaining : 0n;
}

/**
 * The cap on a month's `used` while the next month is in its declaration window and has already
 * issued `nextUsed`: the next month may use only this month's remaining, so this month's remaining
 * must not fall below what the next one has used (an invoice of this month committed late, at the
 * turn of the month). Null when nothing binds. Combined with the month's own window cap, the
 * smaller one applies.
 */
export function capWithSuccessor(month: Pick<MonthState, 'total'>, windowCap: bigint | null, next: { used: bigint; inWindow: boolean } | null): bigint | null {
  if (!next || !next.inWindow || next.used <= 0n) return windowCap;
  const ceiling = month.total - next.used > 0n ? month.total - next.used : 0n;
  return windowCap === null || ceiling < windowCap ? ceiling : windowCap;
}

/** "YYYY-MM" or "YYYY-Qn": null when it is neither. */
export function parseFilingPeriod(value: string): { kind: 'month' | 'quarter'; lastMonth: Period } | null {
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (month) return { kind: 'month', lastMonth: value };
  const quarter = /^(\d{4})-Q([1-4])$/.exec(value);
  if (quarter) return { kind: 'quarter', lastMonth: `${quarter[1]}-${String(Number(quarter[2]) * 3).padStart(2, '0')}` };
  return null;
}

// ---------------------------------------------------------------- temporary adjustment

/** The raise a temporary adjustment adds: uplift% of the total, in whole fen. */
export function temporaryRaise(total: bigint, policy: TemporaryPolicy): bigint {
  return (total * BigInt(policy.upliftPercent)) / 100n;
}

/** "Reaches" is >=: usage counting the invoice in hand is at least ratio% of the total. */
export function reachesRatio(usedAfter: bigint, total: bigint, policy: TemporaryPolicy): boolean {
  return usedAfter * 100n >= total * BigInt(policy.ratioPercent);
}

/**
 * The automatic risk scan of a temporary adjustment (replaceable): only a low-risk taxpayer
 * qualifies, and the scan fails for credit ratings C and D.
 */
export function temporaryEligible(taxpayer: { riskLevel: RiskLevel; creditRating: CreditRating }): boolean {
  return taxpayer.riskLevel === 'low' && taxpayer.creditRating !== 'C' && taxpayer.creditRating !== 'D';
}

export type IssueDecision = { ok: true; total: bigint; used: bigint; raised: bigint } | { ok: false; available: bigint };

/**
 * Whether an invoice of `amount` may be issued, and the month's state after it. The temporary
 * adjustment is decided here, counting the invoice in hand: when an eligible taxpayer's usage
 * first reaches the ratio, the total is raised once, whether or not the invoice would have fit
 * without it; if it does not fit even after the raise, it is refused and nothing is raised.
 */
export function decideIssue(
  state: MonthState,
  amount: bigint,
  options: { windowCap: bigint | null; eligible: boolean; policy: TemporaryPolicy },
): IssueDecision {
  const usedAfter = state.used + amount;
  const withinCap = options.windowCap === null || usedAfter <= options.windowCap;
  const raiseNow = options.eligible && !state.temporaryAdjusted && reachesRatio(usedAfter, state.total, options.policy);
  if (raiseNow) {
    const raised = temporaryRaise(state.total, options.policy);
    if (withinCap && usedAfter <= state.total + raised) return { ok: true, total: state.total + raised, used: usedAfter, raised };
  } else if (withinCap && usedAfter <= state.total) {
    return { ok: true, total: state.total, used: usedAfter, raised: 0n };
  }
  return { ok: false, available: availableOf(state, options.windowCap) };
}

// ---------------------------------------------------------------- periodic adjustment policy

/**
 * The periodic policy (定期调整), applied at the start of each month or on its first use:
 *   1. base = the taxpayer's initial total;
 *   2. a growing business: when the busiest of the previous three months used at least 80% of
 *      the base, base = 120% of that month's usage;
 *   3. risk and credit: x50% for high risk; x80% for credit rating C, x50% for D;
 *   4. rounded down to whole yuan.
 * Temporary raises and manual approvals belong to their month and do not carry over.
 */
export function periodicTotal(taxpayer: { initialQuota: bigint; riskLevel: RiskLevel; creditRating: CreditRating }, recentUsed: bigint[]): bigint {
  let base = taxpayer.initialQuota;
  const peak = recentUsed.reduce((max, used) => (used > max ? used : max), 0n);
  if (peak * 100n >= base * 80n) {
    const grown = (peak * 120n) / 100n;
    if (grown > base) base = grown;
  }
  return riskScaled(base, taxpayer);
}
