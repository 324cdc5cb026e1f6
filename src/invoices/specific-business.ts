/**
 * 特定业务 (specific businesses, SPEC section 2): the structured fields an invoice of these
 * businesses carries, validated here as plain data. Supported: 03 建筑服务, 04 货物运输服务,
 * 05 不动产销售, 06 不动产经营租赁, 09 旅客运输.
 */
import { isMoneyString, parseMoney } from '../common/money';
import type { FieldError } from '../common/problem';

export const SPECIFIC_BUSINESS_NAMES: Readonly<Record<string, string>> = {
  '03': '建筑服务',
  '04': '货物运输服务',
  '05': '不动产销售',
  '06': '不动产经营租赁服务',
  '09': '旅客运输服务',
};

/** 09 旅客运输: the vehicle types (交通工具类型) the platform lists. */
export const VEHICLE_TYPES = ['飞机', '火车', '长途汽车', '公共交通', '出租车', '轮船', '其他'] as const;
/** 05 不动产销售: area is in square metres. */
export const SALE_AREA_UNITS = ['平方米'] as const;

export const TRANSPORT_TYPES = ['公路运输', '铁路运输', '水路运输', '航空运输', '管道运输', '其他运输工具'] as const;
export const AREA_UNITS = ['平方米', '亩', '公顷', '平方千米'] as const;

export interface Construction {
  type: '03';
  location: string;
  projectName: string;
  crossCity: boolean;
  landVatProjectNumber?: string;
}
export interface Transport {
  type: '04';
  transports: { transportType: string; plateNumber: string; origin: string; destination: string; goods: string }[];
}
export interface Lease {
  type: '06';
  propertyCertificateNumber: string;
  propertyAddress: string;
  leaseStart: string;
  leaseEnd: string;
  crossCity: boolean;
  areaUnit: string;
}
export interface RealEstateSale {
  type: '05';
  propertyAddress: string;
  propertyCertificateNumber?: string;
  crossCity: boolean;
  /** Exactly one of the two: 不动产单元代码 or 网签合同备案编号. */
  realEstateUnitCode?: string;
  contractFilingNumber?: string;
  landVatProjectNumber?: string;
  /** 核定计税价格 and 实际成交含税金额: money strings. */
  assessedTaxPrice?: string;
  actualTransactionAmount?: string;
  areaUnit: string;
}
export interface Passenger {
  traveler: string;
  idType: string;
  idNumber: string;
  travelDate: string;
  departure: string;
  destination: string;
  grade: string;
  vehicleType: string;
}
export interface PassengerTransport {
  type: '09';
  passengers: Passenger[];
}
export type SpecificBusiness = Construction | Transport | RealEstateSale | Lease | PassengerTransport;

type Spec = Record<
  string,
  { kind: 'string'; max: number; optional?: boolean; oneOf?: readonly string[]; date?: boolean } | { kind: 'boolean' } | { kind: 'money'; optional?: boolean }
>;

const FIELDS: Record<string, Spec> = {
  '03': {
    location: { kind: 'string', max: 120 },
    projectName: { kind: 'string', max: 100 },
    crossCity: { kind: 'boolean' },
    landVatProjectNumber: { kind: 'string', max: 50, optional: true },
  },
  '05': {
    propertyAddress: { kind: 'string', max: 120 },
    propertyCertificateNumber: { kind: 'string', max: 60, optional: true },
    crossCity: { kind: 'boolean' },
    realEstateUnitCode: { kind: 'string', max: 40, optional: true },
    contractFilingNumber: { kind: 'string', max: 40, optional: true },
    landVatProjectNumber: { kind: 'string', max: 50, optional: true },
    assessedTaxPrice: { kind: 'money', optional: true },
    actualTransactionAmount: { kind: 'money', optional: true },
    areaUnit: { kind: 'string', max: 10, optional: true, oneOf: SALE_AREA_UNITS },
  },
  '06': {
    propertyCertificateNumber: { kind: 'string', max: 60 },
    propertyAddress: { kind: 'string', max: 120 },
    leaseStart: { kind: 'string', max: 10, date: true },
    leaseEnd: { kind: 'string', max: 10, date: true },
    crossCity: { kind: 'boolean' },
    areaUnit: { kind: 'string', max: 10, optional: true, oneOf: AREA_UNITS },
  },
};

const LEG: Spec = {
  transportType: { kind: 'string', max: 10, oneOf: TRANSPORT_TYPES },
  plateNumber: { kind: 'string', max: 40 },
  origin: { kind: 'string', max: 80 },
  destination: { kind: 'string', max: 80 },
  goods: { kind: 'string', max: 80 },
};

const PASSENGER: Spec = {
  traveler: { kind: 'string', max: 60 },
  idType: { kind: 'string', max: 30 },
  idNumber: { kind: 'string', max: 40 },
  travelDate: { kind: 'string', max: 10, date: true },
  departure: { kind: 'string', max: 80 },
  destination: { kind: 'string', max: 80 },
  grade: { kind: 'string', max: 20 },
  vehicleType: { kind: 'string', max: 10, oneOf: VEHICLE_TYPES },
};

const own = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

const isDate = (s: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

function check(value: Record<string, unknown>, spec: Spec, path: string, errors: FieldError[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (!own(spec, key) && key !== 'type') errors.push({ field: `${path}.${key}`, message: 'is not a known field' });
  for (const [key, rule] of Object.entries(spec)) {
    const v = value[key];
    const field = `${path}.${key}`;
    if (rule.kind === 'money') {
      if (v === undefined && rule.optional) continue;
      if (!isMoneyString(v) || parseMoney(v) <= 0n) errors.push({ field, message: 'must be a positive money string with two decimals, e.g. "1200000.00"' });
      else out[key] = v;
      continue;
    }
    if (rule.kind === 'boolean') {
      if (typeof v !== 'boolean') errors.push({ field, message: 'must be true or false' });
      else out[key] = v;
      continue;
    }
    if (v === undefined && rule.optional) continue;
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > rule.max) {
      errors.push({ field, message: `must be a non-empty string of at most ${rule.max} characters` });
    } else if (rule.oneOf && !rule.oneOf.includes(v)) {
      errors.push({ field, message: `must be one of ${rule.oneOf.join(', ')}` });
    } else if (rule.date && !isDate(v)) {
      errors.push({ field, message: 'must be a date YYYY-MM-DD' });
    } else out[key] = v;
  }
  return out;
}

/** Validates and normalizes; errors name fields under `specificBusiness`. */
export function parseSpecificBusiness(input: Record<string, unknown>): { value: SpecificBusiness | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const path = 'specificBusiness';
  const type = input.type;
  if (typeof type !== 'string' || !own(SPECIFIC_BUSINESS_NAMES, type)) {
    return {
      value: null,
      errors: [
        {
          field: `${path}.type`,
          message: `must be one of ${Object.keys(SPECIFIC_BUSINESS_NAMES).join(', ')} (${Object.values(SPECIFIC_BUSINESS_NAMES).join(', ')})`,
        },
      ],
    };
  }
  if (type === '04' || type === '09') {
    const [listKey, spec, what] = type === '04' ? (['transports', LEG, 'transport legs'] as const) : (['passengers', PASSENGER, 'passengers'] as const);
    const items = input[listKey];
    for (const key of Object.keys(input)) if (key !== 'type' && key !== listKey) errors.push({ field: `${path}.${key}`, message: 'is not a known field' });
    if (!Array.isArray(items) || items.length < 1 || items.length > 2000) {
      errors.push({ field: `${path}.${listKey}`, message: `must be a list of 1 to 2000 ${what}` });
      return { value: null, errors };
    }
    const list = items.map((item, i) =>
      item && typeof item === 'object' && !Array.isArray(item)
        ? check(item as Record<string, unknown>, spec, `${path}.${listKey}[${i}]`, errors)
        : (errors.push({ field: `${path}.${listKey}[${i}]`, message: 'must be an object' }), {}),
    );
    return { value: errors.length ? null : ({ type, [listKey]: list } as unknown as SpecificBusiness), errors };
  }
  const fields = check(input, FIELDS[type], path, errors);
  if (type === '05' && !errors.length) {
    const unit = fields.realEstateUnitCode !== undefined;
    const filing = fields.contractFilingNumber !== undefined;
    if (unit === filing) {
      errors.push({
        field: `${path}.${unit ? 'contractFilingNumber' : 'realEstateUnitCode'}`,
        message: 'give exactly one of realEstateUnitCode (不动产单元代码) and contractFilingNumber (网签合同备案编号)',
      });
    }
    fields.areaUnit ??= '平方米';
  }
  if (type === '06' && !errors.length) {
    if ((fields.leaseEnd as string) < (fields.leaseStart as string)) errors.push({ field: `${path}.leaseEnd`, message: 'must not be before leaseStart' });
    fields.areaUnit ??= '平方米';
  }
  return { value: errors.length ? null : ({ type, ...fields } as SpecificBusiness), errors };
}
