import { parseSpecificBusiness } from '../../src/invoices/specific-business';

const PASSENGER = {
  traveler: '张三',
  idType: '居民身份证',
  idNumber: '220102198801010011',
  travelDate: '2026-10-08',
  departure: '长春',
  destination: '北京',
  grade: '经济舱',
  vehicleType: '飞机',
};

// SPEC section 2 "Specific businesses": 03 建筑服务, 04 货物运输服务, 05 不动产销售, 06 不动产经营租赁, 09 旅客运输.
describe('specific business fields', () => {
  it.each([
    [{ type: '03', location: '吉林省长春市南关区', projectName: '长春某项目', crossCity: false }],
    [{ type: '03', location: '吉林省长春市南关区', projectName: '长春某项目', crossCity: true, landVatProjectNumber: 'TD2023001' }],
    [{ type: '04', transports: [{ transportType: '公路运输', plateNumber: '吉A12345', origin: '长春', destination: '郑州', goods: '电脑' }] }],
    [
      {
        type: '06',
        propertyCertificateNumber: '吉(2023)长春市不动产权第0000001号',
        propertyAddress: '长春市朝阳区某路1号',
        leaseStart: '2023-07-01',
        leaseEnd: '2024-06-30',
        crossCity: false,
      },
    ],
  ])('accepts %j', (input) => {
    const result = parseSpecificBusiness(input);
    expect(result.errors).toEqual([]);
    expect(result.value).toMatchObject(input);
  });

  it.each([
    [{ type: '05', propertyAddress: '长春市朝阳区某路1号3栋101', crossCity: false, realEstateUnitCode: '220102001001GB00001F00010001', areaUnit: '平方米' }],
    [
      {
        type: '05',
        propertyAddress: '长春市朝阳区某路1号',
        propertyCertificateNumber: '吉(2026)长春市不动产权第0000002号',
        crossCity: true,
        contractFilingNumber: 'WQ2026000123',
        landVatProjectNumber: 'TD2026001',
        assessedTaxPrice: '1200000.00',
        actualTransactionAmount: '1308000.00',
        areaUnit: '平方米',
      },
    ],
    [{ type: '09', passengers: [PASSENGER, { ...PASSENGER, traveler: '李四', idNumber: '220102199002020022', vehicleType: '火车', grade: '二等座' }] }],
  ])('accepts %j (05 不动产销售, 09 旅客运输)', (input) => {
    const result = parseSpecificBusiness(input);
    expect(result.errors).toEqual([]);
    expect(result.value).toEqual(input);
  });

  it('defaults the area unit of a sale to 平方米', () => {
    expect(parseSpecificBusiness({ type: '05', propertyAddress: 'a', crossCity: false, contractFilingNumber: 'c' }).value).toMatchObject({
      areaUnit: '平方米',
    });
  });

  it('defaults the area unit of a lease to 平方米', () => {
    const result = parseSpecificBusiness({
      type: '06',
      propertyCertificateNumber: 'x',
      propertyAddress: 'y',
      leaseStart: '2023-07-01',
      leaseEnd: '2023-07-01',
      crossCity: false,
    });
    expect(result.value).toMatchObject({ areaUnit: '平方米' });
  });

  it.each([
    [{ type: '07' }, 'specificBusiness.type'],
    [{ type: '05', crossCity: false, realEstateUnitCode: 'u' }, 'specificBusiness.propertyAddress'],
    [{ type: '05', propertyAddress: 'a', crossCity: false }, 'specificBusiness.realEstateUnitCode'],
    [{ type: '05', propertyAddress: 'a', crossCity: false, realEstateUnitCode: 'u', contractFilingNumber: 'c' }, 'specificBusiness.contractFilingNumber'],
    [{ type: '05', propertyAddress: 'a', crossCity: false, realEstateUnitCode: 'u', assessedTaxPrice: 1200000 }, 'specificBusiness.assessedTaxPrice'],
    [
      { type: '05', propertyAddress: 'a', crossCity: false, realEstateUnitCode: 'u', actualTransactionAmount: '0.00' },
      'specificBusiness.actualTransactionAmount',
    ],
    [{ type: '05', propertyAddress: 'a', crossCity: false, realEstateUnitCode: 'u', areaUnit: '亩' }, 'specificBusiness.areaUnit'],
    [{ type: '05', propertyAddress: 'a', realEstateUnitCode: 'u' }, 'specificBusiness.crossCity'],
    [{ type: '09', passengers: [] }, 'specificBusiness.passengers'],
    [{ type: '09' }, 'specificBusiness.passengers'],
    [{ type: '09', passengers: [{ ...PASSENGER, vehicleType: '马车' }] }, 'specificBusiness.passengers[0].vehicleType'],
    [{ type: '09', passengers: [{ ...PASSENGER, travelDate: '2026-13-01' }] }, 'specificBusiness.passengers[0].travelDate'],
    [{ type: '09', passengers: [PASSENGER, { ...PASSENGER, traveler: '' }] }, 'specificBusiness.passengers[1].traveler'],
    [{ type: '09', passengers: [PASSENGER], transports: [] }, 'specificBusiness.transports'],
    [{}, 'specificBusiness.type'],
    [{ type: '03', location: '', projectName: 'p', crossCity: false }, 'specificBusiness.location'],
    [{ type: '03', location: 'l', projectName: 'p' }, 'specificBusiness.crossCity'],
    [{ type: '03', location: 'l', projectName: 'p', crossCity: 'no' }, 'specificBusiness.crossCity'],
    [{ type: '03', location: 'l', projectName: 'p', crossCity: false, extra: 1 }, 'specificBusiness.extra'],
    [{ type: '04', transports: [] }, 'specificBusiness.transports'],
    [
      { type: '04', transports: [{ transportType: '骑马', plateNumber: 'x', origin: 'a', destination: 'b', goods: 'g' }] },
      'specificBusiness.transports[0].transportType',
    ],
    [{ type: '04', transports: ['x'] }, 'specificBusiness.transports[0]'],
    [
      { type: '06', propertyCertificateNumber: 'x', propertyAddress: 'y', leaseStart: '2023-02-30', leaseEnd: '2023-03-01', crossCity: false },
      'specificBusiness.leaseStart',
    ],
    [
      { type: '06', propertyCertificateNumber: 'x', propertyAddress: 'y', leaseStart: '2023-07-02', leaseEnd: '2023-07-01', crossCity: false },
      'specificBusiness.leaseEnd',
    ],
  ])('refuses %j naming %s', (input, field) => {
    const result = parseSpecificBusiness(input as Record<string, unknown>);
    expect(result.value).toBeNull();
    expect(result.errors.map((e) => e.field)).toContain(field);
  });
});
