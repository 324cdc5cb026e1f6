import { parseMoney } from '../../src/common/money';
import {
  availableOf,
  capWithSuccessor,
  decideIssue,
  DEFAULT_TEMPORARY_POLICY,
  defaultInitialQuota,
  filingDueIn,
  inDeclarationWindow,
  parseFilingPeriod,
  periodicTotal,
  reachesRatio,
  temporaryEligible,
  temporaryRaise,
  windowCapOf,
  windowFilingOf,
} from '../../src/quota/rules';

const y = (yuan: string) => parseMoney(yuan.includes('.') ? yuan : `${yuan}.00`);
const M = (millions: number) => BigInt(Math.round(millions * 1_000_000)) * 100n;

// SPEC section 4, "Temporary": used 5.8M of 7.5M, then an invoice of 2.0M brings usage to
// 7.8M >= 6.0M, so the total becomes 9.0M and the invoice fits.
describe('decideIssue (SPEC 4: total, temporary adjustment, window)', () => {
  const policy = DEFAULT_TEMPORARY_POLICY;
  it.each([
    // name, total, used, adjusted, amount, eligible, windowCap, expected
    ['fits, below the ratio', 7.5, 1.0, false, 0.5, true, null, { ok: true, total: 7.5, used: 1.5, raised: 0 }],
    ['SPEC example: raise to 9.0M and fit', 7.5, 5.8, false, 2.0, true, null, { ok: true, total: 9.0, used: 7.8, raised: 1.5 }],
    ['reaching exactly 80% raises (>=)', 7.5, 5.0, false, 1.0, true, null, { ok: true, total: 9.0, used: 6.0, raised: 1.5 }],
    ['just under 80% does not raise', 7.5, 5.0, false, 0.999999, true, null, { ok: true, total: 7.5, used: 5.999999, raised: 0 }],
    ['raise happens although it would have fit anyway', 7.5, 5.9, false, 0.2, true, null, { ok: true, total: 9.0, used: 6.1, raised: 1.5 }],
    ['does not fit even after the raise: refused, no raise', 7.5, 5.8, false, 3.3, true, null, { ok: false, available: 1.7 }],
    ['fits exactly the raised total', 7.5, 5.8, false, 3.2, true, null, { ok: true, total: 9.0, used: 9.0, raised: 1.5 }],
    ['at most once a month', 9.0, 7.8, true, 1.3, true, null, { ok: false, available: 1.2 }],
    ['already raised: plain fit', 9.0, 7.8, true, 1.2, true, null, { ok: true, total: 9.0, used: 9.0, raised: 0 }],
    ['not eligible (not low risk): refused', 7.5, 5.8, false, 2.0, false, null, { ok: false, available: 1.7 }],
    ['not eligible: fits without a raise', 7.5, 5.8, false, 1.7, false, null, { ok: true, total: 7.5, used: 7.5, raised: 0 }],
    ['window: SPEC example 3.5M cap, 0.2M used', 7.5, 0.2, false, 3.3, false, 3.5, { ok: true, total: 7.5, used: 3.5, raised: 0 }],
    ['window: one fen over the cap', 7.5, 0.2, false, 3.300001, false, 3.5, { ok: false, available: 3.3 }],
    ['window: a raise does not lift the cap', 7.5, 5.8, false, 2.0, true, 6.0, { ok: false, available: 0.2 }],
    ['window cap above the total: the total binds', 7.5, 7.0, false, 0.6, false, 9.0, { ok: false, available: 0.5 }],
  ])('%s', (_name, total, used, adjusted, amount, eligible, windowCap, expected) => {
    const decision = decideIssue({ total: M(total), used: M(used), temporaryAdjusted: adjusted }, M(amount), {
      windowCap: windowCap === null ? null : M(windowCap),
      eligible,
      policy,
    });
    const e = expected as Record<string, unknown>;
    if (e.ok) expect(decision).toEqual({ ok: true, total: M(e.total as number), used: M(e.used as number), raised: M(e.raised as number) });
    else expect(decision).toEqual({ ok: false, available: M(e.available as number) });
  });

  it('honours a configured ratio and uplift', () => {
    const custom = { ratioPercent: 50, upliftPercent: 10 };
    expect(decideIssue({ total: M(10), used: M(4), temporaryAdjusted: false }, M(1), { windowCap: null, eligible: true, policy: custom })).toEqual({
      ok: true,
      total: M(11),
      used: M(5),
      raised: M(1),
    });
  });
});

describe('small rules', () => {
  it.each([
    [M(7.5), 0n, null, M(7.5)],
    [M(7.5), M(0.2), M(3.5), M(3.3)], // SPEC: before the July filing
    [M(7.5), M(0.2), null, M(7.3)], // SPEC: once the filing is recorded
    [M(7.5), M(8), null, 0n], // never negative
  ])('available(total %s, used %s, cap %s) = %s', (total, used, cap, expected) => {
    expect(availableOf({ total, used }, cap)).toBe(expected);
  });

  it("the window cap is the previous month's remaining (SPEC: July 7.5M, used 4.0M -> 3.5M)", () => {
    expect(windowCapOf({ total: M(7.5), used: M(4) })).toBe(M(3.5));
    expect(windowCapOf({ total: M(1), used: M(2) })).toBe(0n);
  });

  // SPEC 4, declaration window, seen from the earlier month: once August (in its window) has used
  // 3.0M of July's remaining, a late July invoice may not bring July's remaining below 3.0M.
  it.each([
    ['no next month', null, null, null],
    ['next month not in its window', null, { used: M(3), inWindow: false }, null],
    ['next month has used nothing', null, { used: 0n, inWindow: true }, null],
    ['next month used 3.0M of 7.5M', null, { used: M(3), inWindow: true }, M(4.5)],
    ['and this month has its own smaller cap', M(2), { used: M(3), inWindow: true }, M(2)],
    ['its own cap is larger', M(6), { used: M(3), inWindow: true }, M(4.5)],
    ['next month used more than the total', null, { used: M(8), inWindow: true }, 0n],
  ])('capWithSuccessor: %s', (_what, own, next, expected) => {
    expect(capWithSuccessor({ total: M(7.5) }, own, next)).toBe(expected);
  });

  it.each([
    [7_500_000_00n, 20, 1_500_000_00n],
    [1n, 20, 0n],
    [7n, 20, 1n],
  ])('temporary raise of %s at %s%% is %s', (total, uplift, raise) => {
    expect(temporaryRaise(total, { ratioPercent: 80, upliftPercent: uplift })).toBe(raise);
  });

  it.each([
    [M(6), M(7.5), true],
    [M(6) - 1n, M(7.5), false],
  ])('reachesRatio(%s of %s) = %s', (used, total, expected) => {
    expect(reachesRatio(used, total, DEFAULT_TEMPORARY_POLICY)).toBe(expected);
  });

  it.each([
    ['low', 'A', true],
    ['low', 'B', true],
    ['low', 'M', true],
    ['low', 'C', false],
    ['low', 'D', false],
    ['medium', 'A', false],
    ['high', 'A', false],
  ] as const)('temporary eligibility of risk %s, credit %s: %s', (riskLevel, creditRating, eligible) => {
    expect(temporaryEligible({ riskLevel, creditRating })).toBe(eligible);
  });
});

// SPEC section 4, "Declaration window".
describe('declaration window', () => {
  it.each([
    ['monthly', '2023-08', '2023-07'],
    ['monthly', '2024-01', '2023-12'],
    ['quarterly', '2023-07', '2023-Q2'],
    ['quarterly', '2023-10', '2023-Q3'],
    ['quarterly', '2024-01', '2023-Q4'],
    ['quarterly', '2023-04', '2023-Q1'],
    ['quarterly', '2023-08', null],
    ['quarterly', '2023-09', null],
    ['quarterly', '2023-12', null],
  ] as const)('a %s filer in %s must have filed %s', (frequency, period, due) => {
    expect(filingDueIn(frequency, period)).toBe(due);
  });

  // The filing a month's window hangs on: what issuing reads inside its transaction for the next
  // month at the turn of a month (QuotaContext.nextWindowFiling).
  it.each([
    ['monthly', '2023-08', '2023-06', '2023-07'],
    ['monthly', '2023-08', '2023-07', '2023-07'], // registered last month: its filing decides
    ['monthly', '2023-08', '2023-08', null], // the registration month: no window
    ['monthly', '2023-08', '2023-09', null], // before registration: no window
    ['quarterly', '2023-07', '2023-01', '2023-Q2'],
    ['quarterly', '2023-07', '2023-07', null],
    ['quarterly', '2023-08', '2023-01', null], // not the first month of a quarter
    ['quarterly', '2024-01', '2023-11', '2023-Q4'],
  ] as const)('%s filer, %s, registered %s: the window hangs on filing %s', (frequency, period, registeredPeriod, filing) => {
    expect(windowFilingOf({ frequency, period, registeredPeriod })).toBe(filing);
  });

  it.each([
    ['monthly', '2023-08', '2023-06', [], true],
    ['monthly', '2023-08', '2023-06', ['2023-07'], false],
    ['monthly', '2023-08', '2023-06', ['2023-06'], true], // an older filing does not count
    ['monthly', '2023-08', '2023-08', [], false], // no previous month: no window
    ['monthly', '2023-08', '2023-07', [], true], // registered last month: in the window
    ['quarterly', '2023-07', '2023-01', [], true],
    ['quarterly', '2023-07', '2023-01', ['2023-Q2'], false],
    ['quarterly', '2023-08', '2023-01', [], false], // not the first month of a quarter
  ] as const)('%s filer, %s, registered %s, filed %j: in window = %s', (frequency, period, registeredPeriod, filed, expected) => {
    expect(inDeclarationWindow({ frequency, period, registeredPeriod, filed: (p) => (filed as readonly string[]).includes(p) })).toBe(expected);
  });

  it.each([
    ['2023-07', { kind: 'month', lastMonth: '2023-07' }],
    ['2023-Q3', { kind: 'quarter', lastMonth: '2023-09' }],
    ['2023-Q1', { kind: 'quarter', lastMonth: '2023-03' }],
    ['2023-Q5', null],
    ['2023-13', null],
    ['2023-7', null],
  ])('filing period %s', (value, expected) => {
    expect(parseFilingPeriod(value)).toEqual(expected);
  });
});

// SPEC section 4, "Periodic": a documented, replaceable policy.
describe('periodic policy', () => {
  const t = (riskLevel: 'low' | 'medium' | 'high', creditRating: 'A' | 'B' | 'M' | 'C' | 'D') => ({ initialQuota: y('7500000'), riskLevel, creditRating });
  it.each([
    ['steady low-risk A: the initial total', t('low', 'A'), [], '7500000.00'],
    ['light usage keeps the base', t('low', 'A'), [y('1000000')], '7500000.00'],
    ['heavy usage (>= 80%) grows to 120% of the peak', t('low', 'A'), [y('6000000'), y('7000000'), y('2000000')], '8400000.00'],
    ['high risk halves', t('high', 'A'), [], '3750000.00'],
    ['credit C: 80%', t('medium', 'C'), [], '6000000.00'],
    ['credit D and high risk: 25%', t('high', 'D'), [], '1875000.00'],
  ])('%s', (_name, taxpayer, recent, expected) => {
    expect(periodicTotal(taxpayer, recent)).toBe(y(expected));
  });

  it('rounds down to whole yuan', () => {
    expect(periodicTotal({ initialQuota: y('1000.99'), riskLevel: 'low', creditRating: 'A' }, [])).toBe(y('1000'));
  });

  it.each([
    ['general', 'low', 'A', '1000000.00'],
    ['small_scale', 'low', 'A', '100000.00'],
    ['general', 'high', 'D', '250000.00'],
  ] as const)('default initial total of a %s taxpayer, %s risk, %s credit: %s', (taxpayerType, riskLevel, creditRating, expected) => {
    expect(defaultInitialQuota({ taxpayerType, riskLevel, creditRating })).toBe(y(expected));
  });
});
