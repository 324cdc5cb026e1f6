import { describe, expect, it } from 'vitest';
import { BUSINESSES, checkField, initialValues, specificBusinessErrors, toSpecificBusiness, type FieldDef } from './specificBusiness';

// SPEC section 2 "Specific businesses" and API.md "Tax breadth": the 特定业务 the service
// supports (src/invoices/specific-business.ts) and their fields.
describe('the businesses the form offers are those the service supports', () => {
  it('03, 04, 05, 06, 09 with the API member names', () => {
    expect(BUSINESSES.map((b) => b.code)).toEqual(['03', '04', '05', '06', '09']);
    const names = (code: string) => {
      const b = BUSINESSES.find((x) => x.code === code)!;
      return [...b.fields.map((f) => f.key), ...(b.list ? [b.list.key, ...b.list.fields.map((f) => f.key)] : [])];
    };
    expect(names('05')).toEqual([
      'propertyAddress',
      'propertyCertificateNumber',
      'crossCity',
      'realEstateUnitCode',
      'contractFilingNumber',
      'landVatProjectNumber',
      'assessedTaxPrice',
      'actualTransactionAmount',
      'areaUnit',
    ]);
    expect(names('09')).toEqual(['passengers', 'traveler', 'idType', 'idNumber', 'travelDate', 'departure', 'destination', 'grade', 'vehicleType']);
  });
  it('a new business starts with its switches off, 平方米 and one row', () => {
    expect(initialValues('05')).toEqual({ type: '05', crossCity: false, areaUnit: '平方米' });
    expect(initialValues('09')).toEqual({ type: '09', passengers: [{}] });
    expect(initialValues('')).toEqual({ type: undefined });
  });
});

describe('one input checked in the browser', () => {
  const text: FieldDef = { key: 'traveler', label: '出行人', kind: 'text', max: 5 };
  const money: FieldDef = { key: 'assessedTaxPrice', label: '核定计税价格', kind: 'money', optional: true };
  const date: FieldDef = { key: 'travelDate', label: '出行日期', kind: 'date' };
  const select: FieldDef = { key: 'vehicleType', label: '交通工具类型', kind: 'select', options: ['飞机', '火车'] };
  it.each([
    [text, '', '请填写出行人'],
    [text, '  ', '请填写出行人'],
    [text, '王五', null],
    [text, '一二三四五六', '出行人最多 5 个字符'],
    [money, undefined, null],
    [money, '1200000.00', null],
    [money, '1200000', '金额须大于零并保留两位小数，例如 1200000.00'],
    [money, '0.00', '金额须大于零并保留两位小数，例如 1200000.00'],
    [date, '2026-11-30', null],
    [date, '2026-02-30', '日期格式为 YYYY-MM-DD，例如 2026-11-30'],
    [date, '2026-13-01', '日期格式为 YYYY-MM-DD，例如 2026-11-30'],
    [date, '30/11/2026', '日期格式为 YYYY-MM-DD，例如 2026-11-30'],
    [select, '火车', null],
    [select, '马车', '请选择交通工具类型'],
  ] as [FieldDef, unknown, string | null][])('%o %j -> %s', (f, v, message) => expect(checkField(f, v)).toBe(message));
});

describe('the whole business before 开具', () => {
  const sale = { type: '05', propertyAddress: '长春市南关区人民大街1号', crossCity: false, areaUnit: '平方米' };
  it('05: exactly one of 不动产单元代码 and 网签合同备案编号', () => {
    expect(specificBusinessErrors(sale)).toEqual([
      { name: ['specificBusiness', 'realEstateUnitCode'], errors: ['请填写不动产单元代码或网签合同备案编号（其一）'] },
    ]);
    expect(specificBusinessErrors({ ...sale, realEstateUnitCode: '220102001001GB00001F00010001', contractFilingNumber: 'WQ2026-001' })).toEqual([
      { name: ['specificBusiness', 'contractFilingNumber'], errors: ['不动产单元代码与网签合同备案编号只填其一'] },
    ]);
    expect(specificBusinessErrors({ ...sale, contractFilingNumber: 'WQ2026-001' })).toEqual([]);
  });
  it('06: 租赁期止 not before 租赁期起', () => {
    const lease = { type: '06', propertyCertificateNumber: '吉(2026)长春市不动产权第0000001号', propertyAddress: '长春市', crossCity: true, areaUnit: '亩' };
    expect(specificBusinessErrors({ ...lease, leaseStart: '2026-12-01', leaseEnd: '2026-11-30' })).toEqual([
      { name: ['specificBusiness', 'leaseEnd'], errors: ['租赁期止不能早于租赁期起'] },
    ]);
    expect(specificBusinessErrors({ ...lease, leaseStart: '2026-12-01', leaseEnd: '2027-11-30' })).toEqual([]);
  });
  it('09: each passenger row checked at its own inputs', () => {
    const errors = specificBusinessErrors({
      type: '09',
      passengers: [
        {
          traveler: '王五',
          idType: '居民身份证',
          idNumber: '220102199001011234',
          travelDate: '2026-11-30',
          departure: '长春',
          destination: '北京',
          grade: '二等座',
          vehicleType: '火车',
        },
        { traveler: '赵六', vehicleType: '马车' },
      ],
    });
    expect(errors.map((e) => e.name.join('.'))).toEqual([
      'specificBusiness.passengers.1.idType',
      'specificBusiness.passengers.1.idNumber',
      'specificBusiness.passengers.1.travelDate',
      'specificBusiness.passengers.1.departure',
      'specificBusiness.passengers.1.destination',
      'specificBusiness.passengers.1.grade',
      'specificBusiness.passengers.1.vehicleType',
    ]);
    expect(specificBusinessErrors({ type: '09', passengers: [] })).toEqual([{ name: ['specificBusiness', 'passengers'], errors: ['至少填写一条出行人'] }]);
  });
  it('no business, no errors', () => expect(specificBusinessErrors({ type: undefined })).toEqual([]));
});

describe('the request member', () => {
  it("only the chosen business's inputs, trimmed, empty optional ones left out, switches as booleans", () => {
    expect(
      toSpecificBusiness({
        type: '05',
        propertyAddress: ' 长春市南关区人民大街1号 ',
        propertyCertificateNumber: '',
        crossCity: undefined,
        contractFilingNumber: 'WQ2026-001',
        assessedTaxPrice: '1200000.00',
        areaUnit: '平方米',
        passengers: [{ traveler: 'left over from another business' }],
        location: 'left over',
      }),
    ).toEqual({
      type: '05',
      propertyAddress: '长春市南关区人民大街1号',
      crossCity: false,
      contractFilingNumber: 'WQ2026-001',
      assessedTaxPrice: '1200000.00',
      areaUnit: '平方米',
    });
  });
  it('04: one object per transport leg', () =>
    expect(toSpecificBusiness({ type: '04', transports: [{ transportType: '公路运输', plateNumber: '吉A12345', extra: 'x' }] })).toEqual({
      type: '04',
      transports: [{ transportType: '公路运输', plateNumber: '吉A12345' }],
    }));
  it('none chosen: no member', () => expect(toSpecificBusiness({ type: undefined })).toBeUndefined());
});
