import type { InvoiceEntity, InvoiceLineEntity } from '../../src/invoices/invoice.entities';
import { invoiceReadModel, lineReadModel, specificBusinessReadModel } from '../../src/invoices/invoice-read-model';

/*
 * The read model the renderers take (src/invoices/invoice-read-model.ts): built from the rows by a
 * pure function; money in fen whatever the driver hands back, rates and marks typed, relations in
 * place, and plain data that survives the structured clone into a rendering thread.
 */

function row(o: Partial<InvoiceEntity> = {}): InvoiceEntity {
  return {
    number: '25442000000000000101',
    type: 'special',
    medium: 'electronic',
    color: 'blue',
    status: 'issued',
    issuedAt: new Date('2025-03-31T16:30:05.123Z'),
    period: '2025-04',
    sellerTaxId: '91440300MA5FXXXX1X',
    sellerName: '深圳市示例科技有限公司',
    sellerAddress: '深圳市南山区',
    sellerPhone: '0755-1',
    sellerBankName: '工行',
    sellerBankAccount: '4000',
    buyerTaxId: null,
    buyerName: '张三',
    buyerAddress: '',
    buyerPhone: '',
    buyerBankName: '',
    buyerBankAccount: '',
    buyerEmail: 'z@example.com',
    priceIncludesTax: false,
    totalAmount: 900n,
    totalTax: 117n,
    totalWithTax: 1017n,
    remarks: 'r',
    drawer: 'd',
    specificBusinessType: null,
    specificBusiness: null,
    differentialTaxation: null,
    deduction: null,
    usage: null,
    usageConfirmedAt: null,
    accountingEntry: 'not_entered',
    voidedAt: null,
    issuedBy: 'k',
    blueNumber: null,
    redConfirmationId: null,
    ...o,
  };
}

function line(lineNo: number, o: Partial<InvoiceLineEntity> = {}): InvoiceLineEntity {
  return {
    invoiceNumber: '25442000000000000101',
    lineNo,
    itemName: '笔记本电脑',
    categoryShortName: '计算机配套产品',
    taxClassificationCode: '1090511030000000000',
    spec: '',
    unit: '台',
    quantity: '2',
    unitPrice: '450',
    amount: 900n,
    taxRate: '0.13',
    taxAmount: 117n,
    preferentialPolicy: null,
    lineNature: '0',
    ...o,
  };
}

describe('invoice read model: money in fen whatever the driver returns', () => {
  // mysql2 hands BIGINT back as a string, better-sqlite3 as a number, the transformer as a bigint.
  it.each([
    ['bigint', -130000n, -130000n],
    ['string (mysql2)', '-130000', -130000n],
    ['number (better-sqlite3)', -130000, -130000n],
    ['string zero', '0', 0n],
  ] as [string, unknown, bigint][])('%s', (_name, stored, fen) => {
    const model = invoiceReadModel(row({ totalAmount: stored as bigint, totalTax: stored as bigint, totalWithTax: stored as bigint }), [
      line(1, { amount: stored as bigint, taxAmount: stored as bigint }),
    ]);
    expect([model.totalAmount, model.totalTax, model.totalWithTax, model.lines[0].amount, model.lines[0].taxAmount]).toEqual([fen, fen, fen, fen, fen]);
  });
});

describe('invoice read model: lines', () => {
  it.each([
    ['a taxed line', {}, { taxRate: '0.13', preferentialPolicy: null, lineNature: '0' }],
    ['1.5%', { taxRate: '0.015' }, { taxRate: '0.015', preferentialPolicy: null, lineNature: '0' }],
    ['免税', { taxRate: '0', preferentialPolicy: '03' }, { taxRate: '0', preferentialPolicy: '03', lineNature: '0' }],
    ['不征税', { taxRate: '0', preferentialPolicy: '04' }, { taxRate: '0', preferentialPolicy: '04', lineNature: '0' }],
    ['a discounted line', { lineNature: '2' as const }, { lineNature: '2' }],
    ['a discount line', { lineNature: '1' as const }, { lineNature: '1' }],
    ['no nature stored (an old row)', { lineNature: null as never }, { lineNature: '0' }],
  ] as [string, Partial<InvoiceLineEntity>, object][])('%s', (_name, stored, expected) => {
    expect(lineReadModel('25442000000000000101', line(1, stored))).toMatchObject(expected);
  });

  it('names the line *简称*名称 and keeps quantities and unit prices as the exact decimals stored', () => {
    const l = lineReadModel('n', line(3, { quantity: '3.333333', unitPrice: '3000.0003', spec: 'X1' }));
    expect(l).toMatchObject({ lineNo: 3, name: '*计算机配套产品*笔记本电脑', quantity: '3.333333', unitPrice: '3000.0003', spec: 'X1', unit: '台' });
  });

  it('refuses a rate that is not one of the rates the service issues', () => {
    expect(() => lineReadModel('25442000000000000101', line(2, { taxRate: '0.17' }))).toThrow(/25442000000000000101 line 2: tax rate "0.17"/);
  });

  it('puts the lines in line order, whatever order they come in', () => {
    const model = invoiceReadModel(row(), [line(3), line(1), line(2)]);
    expect(model.lines.map((l) => l.lineNo)).toEqual([1, 2, 3]);
  });
});

describe('invoice read model: relations, specific businesses, 差额征税', () => {
  it('a blue invoice has no red relation; a red one names its blue and its slip', () => {
    expect(invoiceReadModel(row(), [line(1)]).red).toBeNull();
    const red = row({ color: 'red', blueNumber: '25442000000000000001', redConfirmationId: 'slip-id' });
    expect(invoiceReadModel(red, [line(1)], { redConfirmationNumber: '44030025000000012345' }).red).toEqual({
      blueNumber: '25442000000000000001',
      slipNumber: '44030025000000012345',
    });
    expect(invoiceReadModel(red, [line(1)]).red).toEqual({ blueNumber: '25442000000000000001', slipNumber: null });
  });

  it.each([
    ['none', null, null],
    [
      '03, copied as stored',
      { type: '03', location: '深圳', projectName: 'P', crossCity: true },
      { type: '03', location: '深圳', projectName: 'P', crossCity: true },
    ],
    [
      '05, its two prices in fen',
      { type: '05', propertyAddress: 'A', crossCity: false, assessedTaxPrice: '1200000.00', actualTransactionAmount: '1090000.05', areaUnit: '平方米' },
      { type: '05', propertyAddress: 'A', crossCity: false, assessedTaxPrice: 120000000n, actualTransactionAmount: 109000005n, areaUnit: '平方米' },
    ],
    [
      '05 without prices',
      { type: '05', propertyAddress: 'A', crossCity: false, areaUnit: '平方米' },
      { type: '05', propertyAddress: 'A', crossCity: false, areaUnit: '平方米' },
    ],
    [
      '09, the passengers as stored',
      { type: '09', passengers: [{ traveler: '张三', travelDate: '2025-03-01' }] },
      { type: '09', passengers: [{ traveler: '张三', travelDate: '2025-03-01' }] },
    ],
  ] as [string, object | null, object | null][])('specific business %s', (_name, stored, expected) => {
    const model = specificBusinessReadModel(stored);
    expect(model).toEqual(expected);
    if (stored) expect(model).not.toBe(stored); // the entity's JSON is not shared
  });

  it.each([
    ['none', null, null, null],
    [
      'a blue 差额开票 with vouchers',
      { kind: '02' as const, deductions: [{ voucherType: '01', voucherNumber: 'V1', voucherDate: '2025-03-01', amount: '45000.00' }] },
      4500000n,
      { kind: '02', deduction: 4500000n, vouchers: [{ voucherType: '01', voucherNumber: 'V1', voucherDate: '2025-03-01', amount: 4500000n }] },
    ],
    ['a red: the deduction negative, no vouchers', { kind: '01' as const, deductions: [] }, '-4500000', { kind: '01', deduction: -4500000n, vouchers: [] }],
  ] as [string, InvoiceEntity['differentialTaxation'], unknown, object | null][])('差额征税 %s', (_name, record, deduction, expected) => {
    expect(invoiceReadModel(row({ differentialTaxation: record, deduction: deduction as bigint }), [line(1)]).differential).toEqual(expected);
  });
});

describe('invoice read model: plain data for the rendering threads', () => {
  it('survives a structured clone unchanged (bigint fen, the Date, no class instance)', () => {
    const model = invoiceReadModel(
      row({
        color: 'red',
        blueNumber: '25442000000000000001',
        specificBusiness: { type: '05', propertyAddress: 'A', crossCity: false, assessedTaxPrice: '1.00', areaUnit: '平方米' },
        differentialTaxation: { kind: '02', deductions: [{ voucherType: '01', voucherNumber: 'V', voucherDate: '2025-03-01', amount: '1.00' }] },
        deduction: -100n,
      }),
      [line(2), line(1, { lineNature: '2' })],
      { redConfirmationNumber: 'S1' },
    );
    const clone = structuredClone(model);
    expect(clone).toEqual(model);
    expect(Object.prototype.toString.call(clone.issuedAt)).toBe('[object Date]'); // structuredClone makes it in Node's realm, not jest's
    expect(clone.issuedAt.getTime()).toBe(Date.parse('2025-03-31T16:30:05.123Z'));
    // Every object is a plain object or an array (compared by constructor name: jest runs the test in a realm of its own).
    const kinds = new Set<string>();
    const walk = (v: unknown) => {
      if (v === null || typeof v !== 'object') return;
      kinds.add(`${Object.prototype.toString.call(v)} ${(Object.getPrototypeOf(v) as { constructor: { name: string } }).constructor.name}`);
      Object.values(v).forEach(walk);
    };
    walk(model);
    expect([...kinds].sort()).toEqual(['[object Array] Array', '[object Date] Date', '[object Object] Object']);
  });

  it('does not share the row: the instant is a copy', () => {
    const r = row();
    const model = invoiceReadModel(r, [line(1)]);
    model.issuedAt.setTime(0);
    expect(r.issuedAt.getTime()).toBe(Date.parse('2025-03-31T16:30:05.123Z'));
  });
});
