import { parseReturnPeriod, periodProblem, periodRange, SalesSum, vatReturnFigures } from '../../src/vat-returns/figures';

// SPEC section 10: the VAT return figures of a period (a month, or a quarter for quarterly filers),
// by issue date in Beijing time, reds negative; API.md "VAT return figures".
const NO_INPUT = { deductionConfirmed: { count: 0, amount: 0n, tax: 0n }, transferOutSpecial: 0n, transferOutOther: 0n };
const sum = (type: SalesSum['type'], taxRate: string, amount: bigint, tax: bigint, preferentialPolicy: string | null = null): SalesSum => ({
  type,
  taxRate,
  preferentialPolicy,
  amount,
  tax,
});

describe('return periods (SPEC section 10)', () => {
  it.each([
    ['2026-09', '2026-09-01T00:00:00+08:00', '2026-10-01T00:00:00+08:00'],
    ['2026-12', '2026-12-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00'],
    ['2026-Q3', '2026-07-01T00:00:00+08:00', '2026-10-01T00:00:00+08:00'],
    ['2026-Q4', '2026-10-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00'],
    ['2026-Q1', '2026-01-01T00:00:00+08:00', '2026-04-01T00:00:00+08:00'],
  ])('%s runs from %s to %s (Beijing time)', (text, from, to) => {
    const range = periodRange(parseReturnPeriod(text)!);
    expect([range.from.getTime(), range.to.getTime()]).toEqual([Date.parse(from), Date.parse(to)]);
  });

  it.each(['2026-13', '2026-9', '2026-Q5', '2026Q1', '', '2026-09-01'])('refuses %j', (text) => expect(parseReturnPeriod(text)).toBeNull());

  it('a quarterly filer asks for quarters, a monthly filer for months', () => {
    expect(periodProblem(parseReturnPeriod('2026-Q3')!, 'quarterly')).toBeNull();
    expect(periodProblem(parseReturnPeriod('2026-09')!, 'monthly')).toBeNull();
    expect(periodProblem(parseReturnPeriod('2026-08')!, 'quarterly')).toMatch(/2026-Q3/);
    expect(periodProblem(parseReturnPeriod('2026-Q3')!, 'monthly')).toMatch(/month/);
  });
});

describe('figures (SPEC section 10)', () => {
  it('general: per rate, 专票 and other invoices apart, highest rate first; 免税 apart; 不征税 nowhere; reds netted', () => {
    const figures = vatReturnFigures({
      period: '2026-09',
      taxpayerType: 'general',
      input: NO_INPUT,
      sales: [
        sum('ordinary', '0.06', 10000n, 600n),
        sum('special', '0.13', 300000n, 39000n),
        sum('special', '0.13', -100000n, -13000n), // a red (or discount lines)
        sum('ordinary', '0.13', 50000n, 6500n),
        sum('special', '0.015', 20000n, 300n),
        sum('special', '0', 7000n, 0n, '03'),
        sum('ordinary', '0', 3000n, 0n, '03'),
        sum('ordinary', '0', 9900n, 0n, '04'),
        sum('ordinary', '0', 1000n, 0n),
      ],
    });
    expect(figures).toEqual({
      period: '2026-09',
      taxpayerType: 'general',
      sales: [
        { taxRate: '0.13', specialInvoiceSales: '2000.00', specialInvoiceTax: '260.00', otherInvoiceSales: '500.00', otherInvoiceTax: '65.00' },
        { taxRate: '0.06', specialInvoiceSales: '0.00', specialInvoiceTax: '0.00', otherInvoiceSales: '100.00', otherInvoiceTax: '6.00' },
        { taxRate: '0.015', specialInvoiceSales: '200.00', specialInvoiceTax: '3.00', otherInvoiceSales: '0.00', otherInvoiceTax: '0.00' },
        { taxRate: '0', specialInvoiceSales: '0.00', specialInvoiceTax: '0.00', otherInvoiceSales: '10.00', otherInvoiceTax: '0.00' },
      ],
      taxFreeSales: { specialInvoice: '70.00', otherInvoice: '30.00' },
      input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '0.00', line23bOtherTransferOut: '0.00' },
    });
  });

  it('general: input confirmed for deduction and the transfer-outs on lines 20 and 23b', () => {
    const figures = vatReturnFigures({
      period: '2026-Q3',
      taxpayerType: 'general',
      sales: [],
      input: { deductionConfirmed: { count: 3, amount: 1234567n, tax: 160493n }, transferOutSpecial: 13000n, transferOutOther: 600n },
    });
    expect(figures.input).toEqual({
      deductionConfirmed: { count: 3, amount: '12345.67', tax: '1604.93' },
      line20RedSpecialTransferOut: '130.00',
      line23bOtherTransferOut: '6.00',
    });
    expect((figures as { sales: unknown[] }).sales).toEqual([]);
  });

  it('small-scale: the three sales figures instead of the per-rate table', () => {
    const figures = vatReturnFigures({
      period: '2026-Q3',
      taxpayerType: 'small_scale',
      input: NO_INPUT,
      sales: [
        sum('special', '0.03', 100000n, 3000n),
        sum('special', '0.01', 50000n, 500n),
        sum('ordinary', '0.01', 20000n, 200n),
        sum('ordinary', '0.01', -5000n, -50n),
        sum('ordinary', '0', 8000n, 0n, '03'),
        sum('special', '0', 2000n, 0n, '03'),
        sum('ordinary', '0', 1n, 0n, '04'),
      ],
    });
    expect(figures).toMatchObject({
      period: '2026-Q3',
      taxpayerType: 'small_scale',
      smallScale: { specialInvoiceSales: '1500.00', otherInvoiceSales: '150.00', taxFreeSales: '100.00' },
    });
    expect(figures).not.toHaveProperty('sales');
  });
});
