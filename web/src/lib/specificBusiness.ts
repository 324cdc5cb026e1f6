/**
 * 特定业务 on the 开具发票 form (SPEC section 2; API.md "Tax breadth"): one set of real inputs per
 * business the service supports (src/invoices/specific-business.ts: 03, 04, 05, 06, 09), labelled
 * in the platform's words, checked in the browser where the rule is obvious, and turned into the
 * `specificBusiness` member of the request body. The form keeps its values under the same names
 * as the API (`specificBusiness.passengers[0].traveler`), so the service's field errors land on
 * their inputs unchanged. Plain TypeScript, tested in specificBusiness.test.ts.
 */

export type FieldKind = 'text' | 'bool' | 'money' | 'date' | 'select';
export type FieldDef = {
  key: string;
  label: string;
  kind: FieldKind;
  /** Longest string the service accepts. */
  max?: number;
  optional?: boolean;
  options?: readonly string[];
  placeholder?: string;
};
export type ListDef = { key: 'passengers' | 'transports'; item: string; fields: FieldDef[] };
export type BusinessDef = { code: string; name: string; fields: FieldDef[]; list?: ListDef };

export const VEHICLE_TYPES = ['飞机', '火车', '长途汽车', '公共交通', '出租车', '轮船', '其他'] as const;
export const TRANSPORT_TYPES = ['公路运输', '铁路运输', '水路运输', '航空运输', '管道运输', '其他运输工具'] as const;
export const AREA_UNITS = ['平方米', '亩', '公顷', '平方千米'] as const;

const CROSS_CITY: FieldDef = { key: 'crossCity', label: '跨地（市）标志', kind: 'bool' };
const LAND_VAT: FieldDef = { key: 'landVatProjectNumber', label: '土地增值税项目编号', kind: 'text', max: 50, optional: true };
const CERTIFICATE = (optional: boolean): FieldDef => ({
  key: 'propertyCertificateNumber',
  label: '房屋产权证书/不动产权证号码',
  kind: 'text',
  max: 60,
  optional,
});
const ADDRESS: FieldDef = { key: 'propertyAddress', label: '不动产地址', kind: 'text', max: 120, placeholder: '省市区县及详细地址' };

export const BUSINESSES: readonly BusinessDef[] = [
  {
    code: '03',
    name: '建筑服务',
    fields: [
      { key: 'location', label: '建筑服务发生地', kind: 'text', max: 120 },
      { key: 'projectName', label: '建筑项目名称', kind: 'text', max: 100 },
      CROSS_CITY,
      LAND_VAT,
    ],
  },
  {
    code: '04',
    name: '货物运输服务',
    fields: [],
    list: {
      key: 'transports',
      item: '运输明细',
      fields: [
        { key: 'transportType', label: '运输工具种类', kind: 'select', options: TRANSPORT_TYPES },
        { key: 'plateNumber', label: '运输工具牌号', kind: 'text', max: 40 },
        { key: 'origin', label: '起运地', kind: 'text', max: 80 },
        { key: 'destination', label: '到达地', kind: 'text', max: 80 },
        { key: 'goods', label: '运输货物名称', kind: 'text', max: 80 },
      ],
    },
  },
  {
    code: '05',
    name: '不动产销售',
    fields: [
      ADDRESS,
      CERTIFICATE(true),
      CROSS_CITY,
      { key: 'realEstateUnitCode', label: '不动产单元代码', kind: 'text', max: 40, optional: true },
      { key: 'contractFilingNumber', label: '网签合同备案编号', kind: 'text', max: 40, optional: true },
      LAND_VAT,
      { key: 'assessedTaxPrice', label: '核定计税价格', kind: 'money', optional: true },
      { key: 'actualTransactionAmount', label: '实际成交含税金额', kind: 'money', optional: true },
      { key: 'areaUnit', label: '面积单位', kind: 'select', options: ['平方米'] },
    ],
  },
  {
    code: '06',
    name: '不动产经营租赁服务',
    fields: [
      CERTIFICATE(false),
      ADDRESS,
      { key: 'leaseStart', label: '租赁期起', kind: 'date' },
      { key: 'leaseEnd', label: '租赁期止', kind: 'date' },
      CROSS_CITY,
      { key: 'areaUnit', label: '面积单位', kind: 'select', options: AREA_UNITS },
    ],
  },
  {
    code: '09',
    name: '旅客运输服务',
    fields: [],
    list: {
      key: 'passengers',
      item: '出行人',
      fields: [
        { key: 'traveler', label: '出行人', kind: 'text', max: 60 },
        { key: 'idType', label: '有效身份证件类型', kind: 'text', max: 30, placeholder: '如 居民身份证' },
        { key: 'idNumber', label: '有效身份证件号', kind: 'text', max: 40 },
        { key: 'travelDate', label: '出行日期', kind: 'date' },
        { key: 'departure', label: '出发地', kind: 'text', max: 80 },
        { key: 'destination', label: '到达地', kind: 'text', max: 80 },
        { key: 'grade', label: '等级', kind: 'text', max: 20, placeholder: '如 经济舱、二等座' },
        { key: 'vehicleType', label: '交通工具类型', kind: 'select', options: VEHICLE_TYPES },
      ],
    },
  },
];

export const businessOf = (code: string | undefined): BusinessDef | undefined => BUSINESSES.find((b) => b.code === code);

/** The values of a new business's inputs: switches off, the area unit 平方米, one list row. */
export function initialValues(code: string): Record<string, unknown> {
  const b = businessOf(code);
  if (!b) return { type: undefined };
  const out: Record<string, unknown> = { type: code };
  for (const f of b.fields) {
    if (f.kind === 'bool') out[f.key] = false;
    if (f.key === 'areaUnit') out[f.key] = '平方米';
  }
  if (b.list) out[b.list.key] = [{}];
  return out;
}

export type SpecificBusinessValues = Record<string, unknown> & { type?: string };

const text = (v: unknown): string | undefined => {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
};

const isDate = (s: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

/** One input's check, in Chinese; null when it is fine (the same rules as the service's). */
export function checkField(f: FieldDef, value: unknown): string | null {
  if (f.kind === 'bool') return null;
  const v = text(value);
  if (v === undefined) return f.optional ? null : `请填写${f.label}`;
  if (f.max !== undefined && v.length > f.max) return `${f.label}最多 ${f.max} 个字符`;
  if (f.kind === 'money' && !(/^\d+\.\d{2}$/.test(v) && /[1-9]/.test(v))) return '金额须大于零并保留两位小数，例如 1200000.00';
  if (f.kind === 'date' && !isDate(v)) return '日期格式为 YYYY-MM-DD，例如 2026-11-30';
  if (f.kind === 'select' && f.options && !f.options.includes(v)) return `请选择${f.label}`;
  return null;
}

export type FieldError = { name: (string | number)[]; errors: string[] };

/** Every client-side error of the business's inputs, placed at their form names; also the rules
 * across inputs: 05 needs exactly one of 不动产单元代码 and 网签合同备案编号; 06's 租赁期止 is not
 * before 租赁期起; 04 and 09 need at least one row. */
export function specificBusinessErrors(values: SpecificBusinessValues | undefined): FieldError[] {
  const b = businessOf(values?.type);
  if (!b || !values) return [];
  const out: FieldError[] = [];
  const at = (name: (string | number)[], message: string) => out.push({ name: ['specificBusiness', ...name], errors: [message] });
  for (const f of b.fields) {
    const e = checkField(f, values[f.key]);
    if (e) at([f.key], e);
  }
  if (b.list) {
    const rows = (values[b.list.key] as Record<string, unknown>[] | undefined) ?? [];
    if (rows.length === 0) at([b.list.key], `至少填写一条${b.list.item}`);
    rows.forEach((row, i) => {
      for (const f of b.list!.fields) {
        const e = checkField(f, row?.[f.key]);
        if (e) at([b.list!.key, i, f.key], e);
      }
    });
  }
  if (b.code === '05') {
    const unit = text(values.realEstateUnitCode) !== undefined;
    const filing = text(values.contractFilingNumber) !== undefined;
    if (unit && filing) at(['contractFilingNumber'], '不动产单元代码与网签合同备案编号只填其一');
    if (!unit && !filing) at(['realEstateUnitCode'], '请填写不动产单元代码或网签合同备案编号（其一）');
  }
  if (b.code === '06') {
    const start = text(values.leaseStart);
    const end = text(values.leaseEnd);
    if (start && end && isDate(start) && isDate(end) && end < start) at(['leaseEnd'], '租赁期止不能早于租赁期起');
  }
  return out;
}

function member(f: FieldDef, value: unknown): [string, unknown] | null {
  if (f.kind === 'bool') return [f.key, Boolean(value)];
  const v = text(value);
  return v === undefined ? null : [f.key, v];
}

/** The request's `specificBusiness` from the form's values (only the chosen business's inputs,
 * trimmed, empty optional ones left out), or undefined when no business is chosen. */
export function toSpecificBusiness(values: SpecificBusinessValues | undefined): Record<string, unknown> | undefined {
  const b = businessOf(values?.type);
  if (!b || !values) return undefined;
  const pick = (fields: FieldDef[], from: Record<string, unknown> | undefined) =>
    Object.fromEntries(fields.map((f) => member(f, from?.[f.key])).filter((m): m is [string, unknown] => m !== null));
  const out: Record<string, unknown> = { type: b.code, ...pick(b.fields, values) };
  if (b.list) out[b.list.key] = ((values[b.list.key] as Record<string, unknown>[] | undefined) ?? []).map((row) => pick(b.list!.fields, row));
  return out;
}

/** Whether a service error path (already split) names an input of the chosen business. */
export function isBusinessField(path: (string | number)[], values: SpecificBusinessValues | undefined): boolean {
  const b = businessOf(values?.type);
  if (path[0] !== 'specificBusiness') return false;
  if (path.length === 2 && path[1] === 'type') return true;
  if (!b) return false;
  if (path.length === 2) return b.fields.some((f) => f.key === path[1]);
  if (b.list && path.length === 4 && path[1] === b.list.key && typeof path[2] === 'number') {
    const rows = (values?.[b.list.key] as unknown[] | undefined) ?? [];
    return path[2] < rows.length && b.list.fields.some((f) => f.key === path[3]);
  }
  return false;
}
