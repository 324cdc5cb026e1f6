import { describe, expect, it } from 'vitest';
import { fieldPath, isFormField, IdempotencyKeeper, lineAmount, placeErrors, previewable, toIssueBody, toPreviewBody } from './invoiceForm';
import { problemMessage } from './problems';

describe('the 开具发票 form body', () => {
  const values = {
    type: 'special' as const,
    medium: 'electronic' as const,
    buyer: { taxId: ' 91410100MA00000019 ', name: '河南某某有限公司', address: '', email: undefined },
    priceIncludesTax: false,
    lines: [
      { name: '笔记本电脑', taxClassificationCode: '1090511030000000000', categoryShortName: '计算机', quantity: '2', unitPrice: '5000.00', taxRate: '0.13' },
      { name: '安装服务', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount: '300.00', taxRate: '0.06', spec: ' ' },
    ],
    remarks: '',
    drawer: '张三',
  };
  it('trims, drops empty members and fills 金额 from 数量 x 单价', () => {
    expect(toIssueBody(values)).toEqual({
      type: 'special',
      medium: 'electronic',
      buyer: { taxId: '91410100MA00000019', name: '河南某某有限公司' },
      priceIncludesTax: false,
      lines: [
        {
          name: '笔记本电脑',
          taxClassificationCode: '1090511030000000000',
          categoryShortName: '计算机',
          quantity: '2',
          unitPrice: '5000.00',
          amount: '10000.00',
          taxRate: '0.13',
        },
        { name: '安装服务', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount: '300.00', taxRate: '0.06' },
      ],
      drawer: '张三',
    });
  });
  it('keeps an amount the user typed even with quantity and price', () => {
    expect(toIssueBody({ lines: [{ quantity: '3', unitPrice: '1', amount: '2.99' }] }).lines).toEqual([{ quantity: '3', unitPrice: '1', amount: '2.99' }]);
  });
  it('the 特定业务 inputs become specificBusiness; none chosen sends none; the preview leaves them out (SPEC 2)', () => {
    const sb = { type: '09', passengers: [{ traveler: ' 王五 ', vehicleType: '火车' }] };
    expect(toIssueBody({ specificBusiness: sb }).specificBusiness).toEqual({ type: '09', passengers: [{ traveler: '王五', vehicleType: '火车' }] });
    expect(toIssueBody({ specificBusiness: { type: undefined } })).not.toHaveProperty('specificBusiness');
    expect(toPreviewBody({ specificBusiness: sb })).not.toHaveProperty('specificBusiness');
  });
  it('previews only when each line has a name, an amount and a rate', () => {
    expect(previewable(toIssueBody(values))).toBe(true);
    expect(previewable(toIssueBody({ lines: [{ name: 'x', quantity: '2', taxRate: '0.13' }] }))).toBe(false);
    expect(previewable(toIssueBody({ lines: [] }))).toBe(false);
  });
  it('line amount', () => {
    expect(lineAmount({ quantity: '3', unitPrice: '33.335' })).toBe('100.01');
    expect(lineAmount({ quantity: '3' })).toBeUndefined();
  });
});

describe('field errors from the service go to their fields', () => {
  it('parses field paths', () => {
    expect(fieldPath('lines[0].taxRate')).toEqual(['lines', 0, 'taxRate']);
    expect(fieldPath('buyer.taxId')).toEqual(['buyer', 'taxId']);
    expect(fieldPath('lines')).toEqual(['lines']);
  });
  it('splits known fields from the rest', () => {
    const known = (p: (string | number)[]) => ['lines.0.taxRate', 'buyer.taxId', 'specificBusiness.passengers.0.idNumber'].includes(p.join('.'));
    const { atFields, elsewhere } = placeErrors(
      [
        { field: 'lines[0].taxRate', message: 'must be one of 0.13, 0.09' },
        { field: 'lines[0].taxRate', message: 'second' },
        { field: 'buyer.taxId', message: 'check character' },
        { field: 'specificBusiness.passengers[0].idNumber', message: 'required' },
        { field: 'lines', message: 'at least one line' },
      ],
      known,
    );
    expect(atFields).toEqual([
      { name: ['lines', 0, 'taxRate'], errors: ['must be one of 0.13, 0.09', 'second'] },
      { name: ['buyer', 'taxId'], errors: ['check character'] },
      { name: ['specificBusiness', 'passengers', 0, 'idNumber'], errors: ['required'] },
    ]);
    expect(elsewhere).toEqual([{ field: 'lines', message: 'at least one line' }]);
  });
});

describe('Idempotency-Key made once per form', () => {
  it('a double click or a retry of the same body sends the same key; a changed body a new one; reset after success', () => {
    let n = 0;
    const k = new IdempotencyKeeper(() => `key-${++n}`);
    const body = { lines: [{ amount: '1.00' }] };
    expect(k.keyFor(body)).toBe('key-1');
    expect(k.keyFor({ lines: [{ amount: '1.00' }] })).toBe('key-1');
    expect(k.keyFor({ lines: [{ amount: '2.00' }] })).toBe('key-2');
    k.reset();
    expect(k.keyFor({ lines: [{ amount: '2.00' }] })).toBe('key-3');
  });
});

describe('problems in Chinese', () => {
  it('QUOTA_EXCEEDED shows the amount available', () =>
    expect(problemMessage({ status: 422, code: 'QUOTA_EXCEEDED', available: '1234567.00' })).toBe('超出可用额度：本月当前可开具金额为 1,234,567.00 元'));
  it('429 shows the wait', () => expect(problemMessage({ status: 429, code: 'RATE_LIMITED', retryAfter: 7 })).toContain('7 秒后重试'));
  it('503 says retry', () => expect(problemMessage({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: 2 })).toContain('2 秒后重试'));
  it('other codes with the detail', () =>
    expect(problemMessage({ status: 409, code: 'INVALID_STATE', detail: 'slip is 04' })).toBe('当前状态不允许此操作：slip is 04'));
});

describe('which service fields are inputs of the form', () => {
  it.each([
    [['buyer', 'taxId'], true],
    [['lines', 1, 'taxRate'], true],
    [['lines', 2, 'taxRate'], false],
    [['lines', 0, 'discountAmount'], false],
    [['drawer'], true],
    [['lines'], false],
    [['buyer'], false],
  ] as [(string | number)[], boolean][])('%j -> %s', (path, yes) => expect(isFormField(path, 2)).toBe(yes));
  it.each([
    [['specificBusiness', 'type'], undefined, true],
    [['specificBusiness', 'passengers', 0, 'idNumber'], { type: '09', passengers: [{}] }, true],
    [['specificBusiness', 'passengers', 1, 'idNumber'], { type: '09', passengers: [{}] }, false],
    [['specificBusiness', 'passengers'], { type: '09', passengers: [{}] }, false],
    [['specificBusiness', 'realEstateUnitCode'], { type: '05' }, true],
    [['specificBusiness', 'realEstateUnitCode'], { type: '06' }, false],
    [['specificBusiness', 'location'], undefined, false],
  ] as [(string | number)[], Record<string, unknown> | undefined, boolean][])('特定业务 %j with %j -> %s', (path, business, yes) =>
    expect(isFormField(path, 1, business)).toBe(yes),
  );
  it('a tax mismatch on a line shows at its amount', () => {
    expect(placeErrors([{ field: 'lines[1].taxAmount', message: 'differs' }], (p) => isFormField(p, 2)).atFields).toEqual([
      { name: ['lines', 1, 'amount'], errors: ['differs'] },
    ]);
  });
});
