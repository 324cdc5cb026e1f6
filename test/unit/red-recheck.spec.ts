import Decimal from 'decimal.js';
import { BlueLine, exceedsBlue, Held, planRed, SlipLine } from '../../src/red-letter/red-lines';

// SPEC section 6: "A red for reason 04 (销售折让) changes amounts only: its lines carry no quantity
// and no unit price"; "When the red is issued, the slip's conditions are checked again (amounts)".
const blue: BlueLine[] = [
  { lineNo: 1, amount: 1_000_000n, taxAmount: 130_000n, quantity: '2', unitPrice: '5000', taxRate: '0.13', preferentialPolicy: null },
  { lineNo: 2, amount: 30_000n, taxAmount: 1_800n, quantity: null, unitPrice: null, taxRate: '0.06', preferentialPolicy: null },
];
const none = new Map<number, Held>();
const reversed = (lineNo: number, amount: bigint, tax: bigint, quantity = '0') => new Map([[lineNo, { amount, tax, quantity: new Decimal(quantity) }]]);
const slip = (lineNo: number, amount: bigint, taxAmount: bigint, quantity: string | null = null): SlipLine[] => [
  { blueLineNo: lineNo, amount, taxAmount, quantity },
];

describe('a full red for reason 04', () => {
  it('carries no quantity on any line; other reasons give the quantities back', () => {
    const discount = planRed(blue, '04', undefined, none, true);
    expect(discount.ok && discount.lines.map((l) => l.quantity)).toEqual([null, null]);
    const error = planRed(blue, '01', undefined, none, true);
    expect(error.ok && error.lines.map((l) => l.quantity)).toEqual(['-2', null]);
  });
});

describe('exceedsBlue (the amounts checked again when the red is issued)', () => {
  it.each<[string, Map<number, Held>, SlipLine[], RegExp | null]>([
    ['nothing reversed yet, the whole line', none, slip(1, -1_000_000n, -130_000n, '-2'), null],
    ['the rest of a partly reversed line', reversed(1, 400_000n, 52_000n), slip(1, -600_000n, -78_000n), null],
    ['one fen more than the rest', reversed(1, 400_000n, 52_000n), slip(1, -600_001n, -78_000n), /line 1: the reds would reverse 10000.01 of 10000.00/],
    ['a tax beyond the rest', reversed(2, 10_000n, 600n), slip(2, -20_000n, -1_201n), /line 2: the reds would reverse a tax of 18.01 of 18.00/],
    ['more units than the line has', reversed(1, 500_000n, 65_000n, '1'), slip(1, -500_000n, -65_000n, '-1.5'), /more than its quantity 2/],
    ['a line the blue does not have', none, slip(3, -1n, 0n), /no line 3/],
  ])('%s', (_name, before, lines, expected) => {
    const excess = exceedsBlue(blue, before, lines);
    if (expected === null) expect(excess).toBeNull();
    else expect(excess).toMatch(expected);
  });
});
