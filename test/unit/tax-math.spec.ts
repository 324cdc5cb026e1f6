import { formatMoney } from '../../src/common/money';
import { computeInvoice, LineInput, splitInclusive, taxOf } from '../../src/invoices/tax-math';

const line = (extra: Partial<LineInput>): LineInput => ({
  name: '笔记本电脑',
  categoryShortName: '计算机',
  taxClassificationCode: '1090511030000000000',
  amount: '100.00',
  taxRate: '0.13',
  ...extra,
});

// SPEC section 2: "A line's tax = amount x rate rounded to 分 (half up)".
describe('tax of a line', () => {
  it.each([
    ['10000.00', '0.13', '1300.00'],
    ['0.04', '0.13', '0.01'], // 0.52 fen -> 1 fen
    ['0.03', '0.13', '0.00'], // 0.39 fen -> 0
    ['0.50', '0.01', '0.01'], // exactly 0.5 fen rounds half up
    ['1.50', '0.03', '0.05'], // 4.5 fen -> 5
    ['100.00', '0.015', '1.50'],
    ['333.33', '0.06', '20.00'],
    ['99.99', '0.09', '9.00'],
    ['100.00', '0', '0.00'],
  ])('%s at %s is %s', (amount, rate, tax) => {
    const [yuan, cents] = amount.split('.');
    expect(formatMoney(taxOf(BigInt(yuan) * 100n + BigInt(cents), rate))).toBe(tax);
  });

  it('rounds a negative amount symmetrically (red invoices)', () => {
    expect(taxOf(-4n, '0.13')).toBe(-1n);
    expect(taxOf(-50n, '0.01')).toBe(-1n);
  });
});

// SPEC section 2: "amount = round(inclusive / (1 + rate)) and tax = inclusive - amount".
describe('tax-inclusive split', () => {
  it.each([
    ['11300.00', '0.13', '10000.00', '1300.00'],
    ['100.00', '0.13', '88.50', '11.50'],
    ['100.00', '0.06', '94.34', '5.66'],
    ['16000.00', '0.01', '15841.58', '158.42'],
    ['1.00', '0', '1.00', '0.00'],
  ])('%s at %s -> %s + %s', (inclusive, rate, amount, tax) => {
    const fen = BigInt(inclusive.replace('.', ''));
    const split = splitInclusive(fen, rate);
    expect([formatMoney(split.amount), formatMoney(split.tax)]).toEqual([amount, tax]);
  });
});

describe('computeInvoice', () => {
  it('computes lines, display names and totals (the API.md example)', () => {
    const result = computeInvoice([line({ spec: 'X1', unit: '台', quantity: '2', unitPrice: '5000.00', amount: '10000.00' })], false);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.lines[0]).toMatchObject({ lineNo: 1, name: '*计算机*笔记本电脑', quantity: '2', unitPrice: '5000', amount: 1000000n, taxAmount: 130000n });
    expect(result.totals).toEqual({ totalAmount: 1000000n, totalTax: 130000n, totalWithTax: 1130000n, totalWithTaxInWords: '壹万壹仟叁佰圆整' });
  });

  it('sums several lines at several rates', () => {
    const result = computeInvoice(
      [line({ amount: '100.00' }), line({ amount: '200.00', taxRate: '0.06' }), line({ amount: '50.00', taxRate: '0', preferentialPolicy: '03' })],
      false,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.totals).toMatchObject({ totalAmount: 35000n, totalTax: 2500n, totalWithTax: 37500n });
    expect(result.lines[2].preferentialPolicy).toBe('03');
  });

  it('derives the pre-tax unit price from tax-inclusive input (up to 13 decimals)', () => {
    const result = computeInvoice([line({ quantity: '1', unitPrice: '16000', amount: '16000.00', taxRate: '0.01' })], true);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.lines[0]).toMatchObject({ amount: 1584158n, taxAmount: 15842n, unitPrice: '15841.58' });
    const odd = computeInvoice([line({ quantity: '3', unitPrice: '100', amount: '300.00', taxRate: '0.13' })], true);
    if (!odd.ok) throw new Error(JSON.stringify(odd.problems));
    expect(odd.lines[0].unitPrice).toBe('88.4966666666667');
  });

  it.each([
    ['taxAmount within 0.06 is kept', { taxAmount: '13.06' }, true, 1306n],
    ['taxAmount 0.06 below is kept', { taxAmount: '12.94' }, true, 1294n],
  ])('%s', (_what, extra, ok, tax) => {
    const result = computeInvoice([line(extra)], false);
    expect(result.ok).toBe(ok);
    if (result.ok) expect(result.lines[0].taxAmount).toBe(tax);
  });

  it('keeps the inclusive figure when a supplied tax is accepted', () => {
    const result = computeInvoice([line({ amount: '113.00', taxAmount: '13.05' })], true);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.lines[0].amount + result.lines[0].taxAmount).toBe(11300n);
    expect(result.lines[0].taxAmount).toBe(1305n);
  });

  it.each([
    ['a tax 0.07 off', { taxAmount: '13.07' }, 'lines[0].taxAmount', 'TAX_MISMATCH'],
    ['a tax on a tax-free line', { taxRate: '0', preferentialPolicy: '03', taxAmount: '0.01' }, 'lines[0].taxAmount', 'TAX_MISMATCH'],
    ['a rate outside the set', { taxRate: '0.17' }, 'lines[0].taxRate', 'VALIDATION_FAILED'],
    ['a rate written differently', { taxRate: '0.130' }, 'lines[0].taxRate', 'VALIDATION_FAILED'],
    ['a tax-free line with a rate', { taxRate: '0.13', preferentialPolicy: '03' }, 'lines[0].taxRate', 'VALIDATION_FAILED'],
    ['a zero amount', { amount: '0.00' }, 'lines[0].amount', 'VALIDATION_FAILED'],
    ['a negative amount', { amount: '-1.00' }, 'lines[0].amount', 'VALIDATION_FAILED'],
    ['quantity x price off by 0.02', { quantity: '3', unitPrice: '33.33', amount: '100.01' }, 'lines[0].amount', 'VALIDATION_FAILED'],
    ['a quantity without a price', { quantity: '3' }, 'lines[0].unitPrice', 'VALIDATION_FAILED'],
    ['a zero quantity', { quantity: '0', unitPrice: '1', amount: '0.01' }, 'lines[0].quantity', 'VALIDATION_FAILED'],
  ])('refuses %s', (_what, extra, field, code) => {
    const result = computeInvoice([line(extra as Partial<LineInput>)], false);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('accepts quantity x price within 0.01 of the amount', () => {
    expect(computeInvoice([line({ quantity: '3', unitPrice: '33.33', amount: '100.00' })], false).ok).toBe(true);
    expect(computeInvoice([line({ quantity: '0.333', unitPrice: '300.30', amount: '100.00' })], false).ok).toBe(true);
  });

  it('refuses totals beyond the maximum', () => {
    const lines = Array.from({ length: 2 }, () => line({ amount: '9000000000000.00', taxRate: '0' }));
    const result = computeInvoice(lines, false);
    expect(result.ok).toBe(false);
  });
});
