/**
 * Province-level administrative divisions (GB/T 2260) that have a provincial tax bureau of the
 * State Taxation Administration (国家税务总局…税务局). Taiwan (71), Hong Kong (81) and Macao (82)
 * are GB/T 2260 codes too, but no mainland tax bureau administers them: a taxpayer of this
 * platform cannot belong to them.
 */
export const PROVINCES: Readonly<Record<string, { name: string; bureauName: string }>> = {
  '11': { name: '北京市', bureauName: '国家税务总局北京市税务局' },
  '12': { name: '天津市', bureauName: '国家税务总局天津市税务局' },
  '13': { name: '河北省', bureauName: '国家税务总局河北省税务局' },
  '14': { name: '山西省', bureauName: '国家税务总局山西省税务局' },
  '15': { name: '内蒙古自治区', bureauName: '国家税务总局内蒙古自治区税务局' },
  '21': { name: '辽宁省', bureauName: '国家税务总局辽宁省税务局' },
  '22': { name: '吉林省', bureauName: '国家税务总局吉林省税务局' },
  '23': { name: '黑龙江省', bureauName: '国家税务总局黑龙江省税务局' },
  '31': { name: '上海市', bureauName: '国家税务总局上海市税务局' },
  '32': { name: '江苏省', bureauName: '国家税务总局江苏省税务局' },
  '33': { name: '浙江省', bureauName: '国家税务总局浙江省税务局' },
  '34': { name: '安徽省', bureauName: '国家税务总局安徽省税务局' },
  '35': { name: '福建省', bureauName: '国家税务总局福建省税务局' },
  '36': { name: '江西省', bureauName: '国家税务总局江西省税务局' },
  '37': { name: '山东省', bureauName: '国家税务总局山东省税务局' },
  '41': { name: '河南省', bureauName: '国家税务总局河南省税务局' },
  '42': { name: '湖北省', bureauName: '国家税务总局湖北省税务局' },
  '43': { name: '湖南省', bureauName: '国家税务总局湖南省税务局' },
  '44': { name: '广东省', bureauName: '国家税务总局广东省税务局' },
  '45': { name: '广西壮族自治区', bureauName: '国家税务总局广西壮族自治区税务局' },
  '46': { name: '海南省', bureauName: '国家税务总局海南省税务局' },
  '50': { name: '重庆市', bureauName: '国家税务总局重庆市税务局' },
  '51': { name: '四川省', bureauName: '国家税务总局四川省税务局' },
  '52': { name: '贵州省', bureauName: '国家税务总局贵州省税务局' },
  '53': { name: '云南省', bureauName: '国家税务总局云南省税务局' },
  '54': { name: '西藏自治区', bureauName: '国家税务总局西藏自治区税务局' },
  '61': { name: '陕西省', bureauName: '国家税务总局陕西省税务局' },
  '62': { name: '甘肃省', bureauName: '国家税务总局甘肃省税务局' },
  '63': { name: '青海省', bureauName: '国家税务总局青海省税务局' },
  '64': { name: '宁夏回族自治区', bureauName: '国家税务总局宁夏回族自治区税务局' },
  '65': { name: '新疆维吾尔自治区', bureauName: '国家税务总局新疆维吾尔自治区税务局' },
};

/** GB/T 2260 province-level codes outside any mainland tax bureau. */
const WITHOUT_BUREAU: Readonly<Record<string, string>> = { '71': '台湾省', '81': '香港特别行政区', '82': '澳门特别行政区' };

export function isProvinceCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROVINCES, code);
}

/** Why `code` cannot be a taxpayer's province, or null when it can. */
export function provinceProblem(code: string): string | null {
  if (isProvinceCode(code)) return null;
  if (Object.prototype.hasOwnProperty.call(WITHOUT_BUREAU, code)) return `${code} (${WITHOUT_BUREAU[code]}) has no provincial tax bureau on this platform`;
  return `${JSON.stringify(code)} is not a GB/T 2260 province-level code`;
}

/** The provincial tax bureau: code "1" + province + "00000000" (e.g. 14400000000) and name. */
export function taxBureauOf(provinceCode: string): { code: string; name: string } {
  const province = PROVINCES[provinceCode];
  if (!province) throw new Error(`unknown province ${provinceCode}`);
  return { code: `1${provinceCode}00000000`, name: province.bureauName };
}
