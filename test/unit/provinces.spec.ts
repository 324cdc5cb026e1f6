import { isProvinceCode, PROVINCES, provinceProblem, taxBureauOf } from '../../src/taxpayers/provinces';

// SPEC section 1 (province code, GB/T 2260) and section 8 (TaxBureauCode "1" + province + "00000000").
describe('province codes', () => {
  it('knows the 31 mainland province-level divisions', () => {
    expect(Object.keys(PROVINCES)).toHaveLength(31);
  });

  it.each([
    ['11', '北京市'],
    ['22', '吉林省'],
    ['41', '河南省'],
    ['44', '广东省'],
    ['65', '新疆维吾尔自治区'],
  ])('%s is %s', (code, name) => {
    expect(isProvinceCode(code)).toBe(true);
    expect(PROVINCES[code].name).toBe(name);
  });

  it.each([
    ['00', /not a GB\/T 2260/],
    ['10', /not a GB\/T 2260/],
    ['24', /not a GB\/T 2260/],
    ['66', /not a GB\/T 2260/],
    ['99', /not a GB\/T 2260/],
    ['71', /台湾省.*no provincial tax bureau/],
    ['81', /香港/],
    ['82', /澳门/],
    ['4', /not a GB\/T 2260/],
  ])('rejects %s', (code, why) => {
    expect(isProvinceCode(code)).toBe(false);
    expect(provinceProblem(code)).toMatch(why);
  });

  it.each([
    ['44', '14400000000', '国家税务总局广东省税务局'],
    ['22', '12200000000', '国家税务总局吉林省税务局'],
    ['11', '11100000000', '国家税务总局北京市税务局'],
  ])('tax bureau of %s is %s %s', (code, bureauCode, bureauName) => {
    expect(taxBureauOf(code)).toEqual({ code: bureauCode, name: bureauName });
  });
});
