import Decimal from 'decimal.js';
import { BlueLine, fullyReversed, Held, planRed, RequestedLine } from '../../src/red-letter/red-lines';

// SPEC section 6: reason 01 always full; 02 quantities not unit prices; 03 amounts and
// quantities, not unit prices; 04 amounts only; reds + live slips never exceed the blue.
const blue: BlueLine[] = [
  { lineNo: 1, amount: 1_000_000n, taxAmount: 130_000n, quantity: '2', unitPrice: '5000', taxRate: '0.13', preferentialPolicy: null },
  { lineNo: 2, amount: 30_000n, taxAmount: 1_800n, quantity: null, unitPrice: null, taxRate: '0.06', preferentialPolicy: null },
];
const none = new Map<number, Held>();
const held = (lineNo: number, amount: bigint, tax: bigint, quantity = '0') => new Map([[lineNo, { amount, tax, quantity: new Decimal(quantity) }]]);

describe('planRed', () => {
  it('a full red negates every line', () => {
    const plan = planRed(blue, '01', undefined, none, false);
    expect(plan).toEqual({
      ok: true,
      full: true,
      lines: [
        { blueLineNo: 1, quantity: '-2', amount: -1_000_000n, taxAmount: -130_000n },
        { blueLineNo: 2, quantity: null, amount: -30_000n, taxAmount: -1_800n },
      ],
    });
  });

  it.each<[string, '01' | '02' | '03' | '04', RequestedLine[] | undefined, boolean, Map<number, Held>, string | null]>([
    ['02 one of two units back', '02', [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00' }], false, none, null],
    ['02 without a quantity', '02', [{ blueLineNo: 1, amount: '-5000.00' }], false, none, 'RED_NOT_ALLOWED lines[0].quantity'],
    ['02 changing the unit price', '02', [{ blueLineNo: 1, quantity: '-1', amount: '-4000.00' }], false, none, 'RED_NOT_ALLOWED lines[0].amount'],
    ['02 on a line without quantity', '02', [{ blueLineNo: 2, quantity: '-1', amount: '-300.00' }], false, none, 'RED_NOT_ALLOWED lines[0].quantity'],
    ['03 an amount only', '03', [{ blueLineNo: 2, amount: '-100.00' }], false, none, null],
    ['03 a quantity at the same unit price', '03', [{ blueLineNo: 1, quantity: '-0.5', amount: '-2500.00' }], false, none, null],
    ['03 a quantity at another unit price', '03', [{ blueLineNo: 1, quantity: '-0.5', amount: '-2000.00' }], false, none, 'RED_NOT_ALLOWED lines[0].amount'],
    ['04 an amount', '04', [{ blueLineNo: 1, amount: '-100.00' }], false, none, null],
    ['04 with a quantity', '04', [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00' }], false, none, 'RED_NOT_ALLOWED lines[0].quantity'],
    ['01 partial', '01', [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00' }], false, none, 'RED_NOT_ALLOWED lines'],
    [
      '01 listing every line in full',
      '01',
      [
        { blueLineNo: 1, quantity: '-2', amount: '-10000.00' },
        { blueLineNo: 2, amount: '-300.00' },
      ],
      false,
      none,
      null,
    ],
    ['no-confirmation path, partial', '04', [{ blueLineNo: 1, amount: '-100.00' }], true, none, 'RED_NOT_ALLOWED lines'],
    ['one cent more than the line', '04', [{ blueLineNo: 2, amount: '-300.01' }], false, none, 'RED_NOT_ALLOWED lines[0].amount'],
    ['the rest of a line already partly held', '04', [{ blueLineNo: 2, amount: '-200.00' }], false, held(2, 10_000n, 600n), null],
    ['one cent beyond what remains', '04', [{ blueLineNo: 2, amount: '-200.01' }], false, held(2, 10_000n, 600n), 'RED_NOT_ALLOWED lines[0].amount'],
    [
      'quantity beyond what remains',
      '02',
      [{ blueLineNo: 1, quantity: '-2', amount: '-10000.00' }],
      false,
      held(1, 500_000n, 65_000n, '1'),
      'RED_NOT_ALLOWED lines[0].quantity',
    ],
    ['a full red after a partial one', '01', undefined, false, held(2, 1n, 0n), 'RED_NOT_ALLOWED lines'],
    ['a positive amount', '04', [{ blueLineNo: 1, amount: '100.00' }], false, none, 'VALIDATION_FAILED lines[0].amount'],
    ['an unknown line', '04', [{ blueLineNo: 9, amount: '-1.00' }], false, none, 'VALIDATION_FAILED lines[0].blueLineNo'],
    [
      'a line twice',
      '04',
      [
        { blueLineNo: 1, amount: '-1.00' },
        { blueLineNo: 1, amount: '-1.00' },
      ],
      false,
      none,
      'VALIDATION_FAILED lines[1].blueLineNo',
    ],
    ['a tax 0.07 off', '04', [{ blueLineNo: 1, amount: '-100.00', taxAmount: '-13.07' }], false, none, 'TAX_MISMATCH lines[0].taxAmount'],
  ])('%s', (_name, reason, lines, fullOnly, h, expected) => {
    const plan = planRed(blue, reason, lines, h, fullOnly);
    if (expected === null) expect(plan.ok).toBe(true);
    else expect(plan.ok ? 'ok' : `${plan.code} ${plan.field}`).toBe(expected);
  });

  it('computes the red tax half up, symmetric', () => {
    const plan = planRed(blue, '04', [{ blueLineNo: 1, amount: '-0.04' }], none, false);
    expect(plan.ok && plan.lines[0].taxAmount).toBe(-1n);
  });

  it('three partial reds of a third add up to the full line: the last takes the rounding remainder', () => {
    const line: BlueLine[] = [
      { lineNo: 1, amount: 1_000_000n, taxAmount: 130_000n, quantity: null, unitPrice: null, taxRate: '0.13', preferentialPolicy: null },
    ];
    let h = new Map<number, Held>();
    for (const amount of ['-3333.33', '-3333.33', '-3333.34']) {
      const plan = planRed(line, '04', [{ blueLineNo: 1, amount }], h, false);
      if (!plan.ok) throw new Error(plan.detail);
      const prior = h.get(1) ?? { amount: 0n, tax: 0n, quantity: new Decimal(0) };
      h = new Map([[1, { amount: prior.amount - plan.lines[0].amount, tax: prior.tax - plan.lines[0].taxAmount, quantity: prior.quantity }]]);
    }
    expect(h.get(1)).toMatchObject({ amount: 1_000_000n, tax: 130_000n });
    expect(fullyReversed(line, h)).toBe(true);
    expect(planRed(line, '04', [{ blueLineNo: 1, amount: '-0.01' }], h, false).ok).toBe(false);
  });
});
