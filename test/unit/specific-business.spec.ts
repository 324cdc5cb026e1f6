import { parseSpecificBusiness } from '../../src/invoices/specific-business';

// SPEC section 2 "Specific businesses": 03 建筑服务, 04 货物运输服务, 06 不动产经营租赁.
describe('specific business fields', () => {
  it.each([
    [{ type: '03', location: '吉林省长春市南关区', projectName: '长春某项目', crossCity: false }],
    [{ type: '03', location: '吉林省长春市南关区', projectName: '长春某项目', crossCity: true, landVatProjectNumber: 'TD2023001' }],
    [{ type: '04', transports: [{ transportType: '公路运输', plateNumber: '吉A12345', origin: '长春', destination: '郑州', goods: '电脑' }] }],
    [{ type: '06', propertyCertificateNumber: '吉(2023)长春市不动产权第0000001号', propertyAddress: '长春市朝阳区某路1号', leaseStart: '2023-07-01', leaseEnd: '2024-06-30', crossCity: false }],
  ])('accepts %j', (input) => {
    const result = parseSpecificBusiness(input);
    expect(result.errors).toEqual([]);
    expect(result.value).toMatchObject(input);
  });

  it('defaults the area unit of a lease to 平方米', () => {
    const result = parseSpecificBusiness({ type: '06', propertyCertificateNumber: 'x', propertyAddress: 'y', leaseStart: '2023-07-01', leaseEnd: '2023-07-01', crossCity: false });
    expect(result.value).toMatchObject({ areaUnit: '平方米' });
  });

  it.each([
    [{ type: '05' }, 'specificBusiness.type'],
    [{}, 'specificBusiness.type'],
    [{ type: '03', location: '', projectName: 'p', crossCity: false }, 'specificBusiness.location'],
    [{ type: '03', location: 'l', projectName: 'p' }, 'specificBusiness.crossCity'],
    [{ type: '03', location: 'l', projectName: 'p', crossCity: 'no' }, 'specificBusiness.crossCity'],
    [{ type: '03', location: 'l', projectName: 'p', crossCity: false, extra: 1 }, 'specificBusiness.extra'],
    [{ type: '04', transports: [] }, 'specificBusiness.transports'],
    [{ type: '04', transports: [{ transportType: '骑马', plateNumber: 'x', origin: 'a', destination: 'b', goods: 'g' }] }, 'specificBusiness.transports[0].transportType'],
    [{ type: '04', transports: ['x'] }, 'specificBusiness.transports[0]'],
    [{ type: '06', propertyCertificateNumber: 'x', propertyAddress: 'y', leaseStart: '2023-02-30', leaseEnd: '2023-03-01', crossCity: false }, 'specificBusiness.leaseStart'],
    [{ type: '06', propertyCertificateNumber: 'x', propertyAddress: 'y', leaseStart: '2023-07-02', leaseEnd: '2023-07-01', crossCity: false }, 'specificBusiness.leaseEnd'],
  ])('refuses %j naming %s', (input, field) => {
    const result = parseSpecificBusiness(input as Record<string, unknown>);
    expect(result.value).toBeNull();
    expect(result.errors.map((e) => e.field)).toContain(field);
  });
});
