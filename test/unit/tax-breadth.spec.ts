import Decimal from 'decimal.js';
import { differentialNote, differentialProblems, redShare } from '../../src/invoices/differential';
import { computeInvoice, discountLinesOf, LineInput, netLines, splitDifferential } from '../../src/invoices/tax-math';
import { planRed } from '../../src/red-letter/red-lines';

const fen = (s: string) => BigInt(s.replace('.', ''));
const line = (o: Partial<LineInput> = {}): LineInput => ({
  name: '商品',
  categoryShortName: '计算机',
  taxClassificationCode: '1090511030000000000',
  amount: '1000.00',
  taxRate: '0.13',
  ...o,
});

// SPEC section 2 "Discount lines": the discounted line, then its negative discount line with the
// same item, code and rate; tax by the same rule; totals net; a discount never exceeds its line.
describe('discount lines (SPEC section 2)', () => {
  it.each([
    // amount, discount, rate, priceIncludesTax -> discounted line [amount, tax], discount line [amount, tax], totals [amount, tax]
    ['1000.00', '100.00', '0.13', false, ['1000.00', '130.00'], ['-100.00', '-13.00'], ['900.00', '117.00']],
    ['333.33', '33.33', '0.13', false, ['333.33', '43.33'], ['-33.33', '-4.33'], ['300.00', '39.00']],
    ['100.00', '0.05', '0.13', false, ['100.00', '13.00'], ['-0.05', '-0.01'], ['99.95', '12.99']],
    ['1130.00', '113.00', '0.13', true, ['1000.00', '130.00'], ['-100.00', '-13.00'], ['900.00', '117.00']],
    ['106.00', '10.60', '0.06', true, ['100.00', '6.00'], ['-10.00', '-0.60'], ['90.00', '5.40']],
    ['1000.00', '1000.00', '0.06', false, ['1000.00', '60.00'], ['-1000.00', '-60.00'], ['0.00', '0.00']],
  ] as const)('%s less %s at %s (inclusive %s)', (amount, discountAmount, taxRate, inclusive, discounted, discount, totals) => {
    const math = computeInvoice([line({ amount, discountAmount, taxRate })], inclusive);
    if (!math.ok) throw new Error(JSON.stringify(math.problems));
    expect(math.lines.map((l) => [l.lineNo, l.lineNature, l.amount, l.taxAmount])).toEqual([
      [1, '2', fen(discounted[0]), fen(discounted[1])],
      [2, '1', fen(discount[0]), fen(discount[1])],
    ]);
    const [a, d] = math.lines;
    expect([d.name, d.taxClassificationCode, d.taxRate, d.quantity, d.unitPrice]).toEqual([a.name, a.taxClassificationCode, a.taxRate, null, null]);
    expect([math.totals.totalAmount, math.totals.totalTax]).toEqual([fen(totals[0]), fen(totals[1])]);
  });

  it('numbers every line, discount lines included, in order', () => {
    const math = computeInvoice(
      [
        line({ quantity: '10', unitPrice: '100', discountAmount: '50.00' }),
        line({ name: '鼠标', amount: '20.00' }),
        line({ name: '键盘', amount: '30.00', discountAmount: '3.00' }),
      ],
      false,
    );
    if (!math.ok) throw new Error('refused');
    expect(math.lines.map((l) => [l.lineNo, l.itemName, l.lineNature, l.amount])).toEqual([
      [1, '商品', '2', 100000n],
      [2, '商品', '1', -5000n],
      [3, '鼠标', '0', 2000n],
      [4, '键盘', '2', 3000n],
      [5, '键盘', '1', -300n],
    ]);
    expect(math.totals.totalAmount).toBe(100000n - 5000n + 2000n + 3000n - 300n);
  });

  it("a tax-free line's discount carries no tax either", () => {
    const math = computeInvoice([line({ taxRate: '0', preferentialPolicy: '03', discountAmount: '10.00' })], false);
    if (!math.ok) throw new Error('refused');
    expect(math.lines.map((l) => [l.amount, l.taxAmount, l.preferentialPolicy])).toEqual([
      [100000n, 0n, '03'],
      [-1000n, 0n, '03'],
    ]);
  });

  it.each([
    ['1000.01', 'lines[0].discountAmount'],
    ['0.00', 'lines[0].discountAmount'],
  ])('refuses a discount of %s naming %s', (discountAmount, field) => {
    const math = computeInvoice([line({ discountAmount })], false);
    expect(math.ok).toBe(false);
    if (!math.ok) expect(math.problems.map((p) => [p.field, p.code])).toEqual([[field, 'VALIDATION_FAILED']]);
  });
});

// SPEC section 2 "Differential taxation": tax = round((price incl. tax - deduction) x rate / (1 + rate)),
// amount = price incl. tax - tax; exactly one line, tax-inclusive, the deduction at most the price.
describe('差额征税 (SPEC section 2)', () => {
  it.each([
    ['100000.00', '60000.00', '0.06', '2264.15', '97735.85'],
    ['10500.00', '8000.00', '0.05', '119.05', '10380.95'],
    ['10500.00', '10500.00', '0.05', '0.00', '10500.00'],
    ['1.00', '0.00', '0.06', '0.06', '0.94'],
    ['3000.00', '1000.01', '0.06', '113.21', '2886.79'],
  ])('price %s less %s at %s: tax %s, amount %s', (price, deduction, rate, tax, amount) => {
    expect(splitDifferential(fen(price), fen(deduction), rate)).toEqual({ tax: fen(tax), amount: fen(amount) });
    const math = computeInvoice([line({ amount: price, taxRate: rate })], true, { differentialDeduction: fen(deduction) });
    if (!math.ok) throw new Error('refused');
    expect([math.totals.totalAmount, math.totals.totalTax, math.totals.totalWithTax]).toEqual([fen(amount), fen(tax), fen(price)]);
  });

  it('checks a supplied tax against the differential tax, not amount x rate', () => {
    const ok = computeInvoice([line({ amount: '100000.00', taxRate: '0.06', taxAmount: '2264.20' })], true, { differentialDeduction: 6000000n });
    expect(ok.ok).toBe(true);
    const off = computeInvoice([line({ amount: '100000.00', taxRate: '0.06', taxAmount: '5660.38' })], true, { differentialDeduction: 6000000n });
    expect(off.ok).toBe(false);
    if (!off.ok) expect(off.problems[0]).toMatchObject({ field: 'lines[0].taxAmount', code: 'TAX_MISMATCH' });
  });

  const voucher = (amount: string) => ({ voucherType: '01', voucherNumber: 'V1', voucherDate: '2026-10-01', amount });
  const request = (o: Record<string, unknown> = {}) => ({
    priceIncludesTax: true,
    lines: [{ amount: '100000.00' }],
    differentialTaxation: { kind: '02' as const, deductions: [voucher('60000.00')] },
    ...o,
  });
  it.each([
    [{}, []],
    [{ differentialTaxation: { kind: '02', deductions: [voucher('60000.00'), voucher('40000.00')] } }, []],
    [{ priceIncludesTax: false }, ['priceIncludesTax']],
    [{ priceIncludesTax: undefined }, ['priceIncludesTax']],
    [{ lines: [{ amount: '1.00' }, { amount: '2.00' }] }, ['lines']],
    [{ lines: [{ amount: '100000.00', discountAmount: '1.00' }] }, ['lines[0].discountAmount']],
    [{ lines: [{ amount: '100000.00', preferentialPolicy: '03' }] }, ['lines[0].preferentialPolicy']],
    [{ specificBusiness: { type: '03' } }, ['specificBusiness']],
    [{ differentialTaxation: { kind: '02', deductions: [voucher('60000.00'), voucher('40000.01')] } }, ['differentialTaxation.deductions']],
  ])('request %j: errors on %j', (o, fields) => {
    expect(differentialProblems(request(o) as never).map((e) => e.field)).toEqual(fields);
  });

  it('writes 差额征税 and the deduction into the remarks', () => {
    expect(differentialNote('02', 6000000n)).toBe('差额征税（差额开票）：扣除额60000.00。');
    expect(differentialNote('01', 100n)).toBe('差额征税（全额开票）：扣除额1.00。');
  });
});

// SPEC section 6 with sections 2: reds of a discounted line work on its net amount; reds of a
// 差额开票 invoice take back its tax and deduction in proportion (README "Issuing").
describe('red letters of discounted and 差额征税 invoices', () => {
  const stored = [
    { lineNo: 1, amount: 100000n, taxAmount: 13000n, quantity: '10', unitPrice: '100', lineNature: '2', taxRate: '0.13', preferentialPolicy: null },
    { lineNo: 2, amount: -10000n, taxAmount: -1300n, quantity: null, unitPrice: null, lineNature: '1', taxRate: '0.13', preferentialPolicy: null },
    { lineNo: 3, amount: 5000n, taxAmount: 650n, quantity: null, unitPrice: null, lineNature: '0', taxRate: '0.13', preferentialPolicy: null },
    { lineNo: 4, amount: 2000n, taxAmount: 260n, quantity: null, unitPrice: null, lineNature: '2', taxRate: '0.13', preferentialPolicy: null },
    { lineNo: 5, amount: -2000n, taxAmount: -260n, quantity: null, unitPrice: null, lineNature: '1', taxRate: '0.13', preferentialPolicy: null },
  ];

  it('nets a discounted line with its discount line, at the net unit price; drops lines discounted to nothing', () => {
    expect(netLines(stored).map((l) => [l.lineNo, l.amount, l.taxAmount, l.quantity, l.unitPrice])).toEqual([
      [1, 90000n, 11700n, '10', '90'],
      [3, 5000n, 650n, null, null],
    ]);
    expect([...discountLinesOf(stored)]).toEqual([
      [2, 1],
      [5, 4],
    ]);
  });

  it('a full red reverses the net amounts, one red line per discounted line', () => {
    const plan = planRed(netLines(stored), '01', undefined, new Map(), true, discountLinesOf(stored));
    expect(plan).toEqual({
      ok: true,
      full: true,
      lines: [
        { blueLineNo: 1, quantity: '-10', amount: -90000n, taxAmount: -11700n },
        { blueLineNo: 3, quantity: null, amount: -5000n, taxAmount: -650n },
      ],
    });
  });

  it('a partial red of a discounted line is limited by its net amount', () => {
    const basis = netLines(stored);
    const ok = planRed(basis, '02', [{ blueLineNo: 1, quantity: '-4', amount: '-360.00' }], new Map(), false, discountLinesOf(stored));
    expect(ok).toEqual({ ok: true, full: false, lines: [{ blueLineNo: 1, quantity: '-4', amount: -36000n, taxAmount: -4680n }] });
    const over = planRed(basis, '04', [{ blueLineNo: 1, amount: '-900.01' }], new Map(), false, discountLinesOf(stored));
    expect(over).toMatchObject({ ok: false, code: 'RED_NOT_ALLOWED', field: 'lines[0].amount' });
    const gross = planRed(basis, '02', [{ blueLineNo: 1, quantity: '-1', amount: '-100.00' }], new Map(), false, discountLinesOf(stored));
    expect(gross).toMatchObject({ ok: false, code: 'RED_NOT_ALLOWED', field: 'lines[0].amount' });
    const discountLine = planRed(basis, '04', [{ blueLineNo: 2, amount: '-10.00' }], new Map(), false, discountLinesOf(stored));
    expect(discountLine).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', field: 'lines[0].blueLineNo' });
  });

  const differential = [
    { lineNo: 1, amount: 9773585n, taxAmount: 226415n, quantity: null, unitPrice: null, taxRate: '0.06', preferentialPolicy: null, proportionalTax: true },
  ];
  it('a partial red of a 差额开票 line takes its tax in proportion, the last one the remainder', () => {
    const first = planRed(differential, '04', [{ blueLineNo: 1, amount: '-48867.93' }], new Map(), false);
    // 226415 x 4886793 / 9773585 = 113207.52 -> 113208
    expect(first).toEqual({ ok: true, full: false, lines: [{ blueLineNo: 1, quantity: null, amount: -4886793n, taxAmount: -113208n }] });
    const last = planRed(
      differential,
      '04',
      [{ blueLineNo: 1, amount: '-48867.92' }],
      new Map([[1, { amount: 4886793n, tax: 113208n, quantity: new Decimal(0) }]]),
      false,
    );
    expect(last).toMatchObject({ ok: true, lines: [{ amount: -4886792n, taxAmount: -113207n }] });
  });

  it.each([
    // blue deduction, blue amount, this red, reversed after it, deduction taken before -> share
    [60000n, 100000n, 33333n, 33333n, 0n, 20000n],
    [60000n, 100000n, 33333n, 66666n, 20000n, 20000n],
    [60000n, 100000n, 33334n, 100000n, 40000n, 20000n],
    [60000n, 100000n, 100000n, 100000n, 0n, 60000n],
    [6000000n, 9773585n, 4886793n, 4886793n, 0n, 3000000n],
    [100n, 300n, 1n, 1n, 0n, 0n],
    [100n, 300n, 2n, 2n, 0n, 1n],
  ])('deduction %s of amount %s: a red of %s takes back its share', (deduction, amount, red, after, before, share) => {
    expect(redShare(deduction, amount, red, after, before)).toBe(share);
  });
});
