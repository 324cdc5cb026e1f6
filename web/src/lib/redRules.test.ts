import { describe, expect, it } from 'vitest';
import { buildRedLines, reversible, REASON_RULES, type BlueLine } from './redRules';

// SPEC 6 as src/red-letter/red-lines.ts applies it: 01 full only; 02 quantities; 04 amounts only.
const blue: BlueLine[] = [
  { lineNo: 1, name: '*计算机*笔记本电脑', quantity: '2', unitPrice: '5000.00', amount: '10000.00', taxAmount: '1300.00', taxRate: '0.13' },
  { lineNo: 2, name: '*信息技术服务*安装服务', quantity: null, unitPrice: null, amount: '300.00', taxAmount: '18.00', taxRate: '0.06' },
];

describe('what is still reversible per line', () => {
  it('live slips hold, voided ones do not', () => {
    const left = reversible(blue, [
      { status: '04', lines: [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00', taxAmount: '-650.00' }] },
      { status: '07', lines: [{ blueLineNo: 2, quantity: null, amount: '-300.00', taxAmount: '-18.00' }] },
    ]);
    expect(left).toEqual([
      { lineNo: 1, amount: '5000.00', taxAmount: '650.00', quantity: '1' },
      { lineNo: 2, amount: '300.00', taxAmount: '18.00', quantity: null },
    ]);
  });
});

describe('red lines per reason', () => {
  const left = reversible(blue, []);
  it('rules table', () => {
    expect(REASON_RULES['01'].fullOnly).toBe(true);
    expect(REASON_RULES['02'].quantity).toBe('required');
    expect(REASON_RULES['04'].quantity).toBe('forbidden');
  });
  it('02 sales return: quantity gives the amount at the blue unit price', () => {
    expect(buildRedLines('02', blue, left, [{ blueLineNo: 1, quantity: '1' }, { blueLineNo: 2 }])).toEqual({
      lines: [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00' }],
      errors: [],
    });
  });
  it('02 without quantity is refused at the line', () => {
    expect(buildRedLines('02', blue, left, [{ blueLineNo: 2, amount: '100' }]).errors).toEqual([
      { blueLineNo: 2, field: 'quantity', message: '销货退回须填写退回数量' },
    ]);
  });
  it('04 discount: amounts only', () => {
    expect(buildRedLines('04', blue, left, [{ blueLineNo: 2, amount: '50' }]).lines).toEqual([{ blueLineNo: 2, amount: '-50.00' }]);
    expect(buildRedLines('04', blue, left, [{ blueLineNo: 1, quantity: '1' }]).errors[0].field).toBe('quantity');
  });
  it('no more than what remains', () => {
    expect(buildRedLines('02', blue, left, [{ blueLineNo: 1, quantity: '3' }]).errors[0].message).toBe('最多可退 2');
    expect(buildRedLines('03', blue, left, [{ blueLineNo: 2, amount: '300.01' }]).errors[0].message).toBe('最多可冲减 300.00');
  });
});
