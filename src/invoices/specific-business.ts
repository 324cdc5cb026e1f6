/**
 * 特定业务 (specific businesses, SPEC section 2): the structured fields an invoice of these
 * businesses carries, validated here as plain data. Supported: 03 建筑服务, 04 货物运输服务,
 * 06 不动产经营租赁.
 */
import type { FieldError } from '../common/problem';

export const SPECIFIC_BUSINESS_NAMES: Readonly<Record<string, string>> = {
  '03': '建筑服务',
  '04': '货物运输服务',
  '06': '不动产经营租赁服务',
};

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
export type SpecificBusiness = Construction | Transport | Lease;

type Spec = Record<string, { kind: 'string'; max: number; optional?: boolean; oneOf?: readonly string[]; date?: boolean } | { kind: 'boolean' }>;

const FIELDS: Record<string, Spec> = {
  '03': {
    location: { kind: 'string', max: 120 },
    projectName: { kind: 'string', max: 100 },
    crossCity: { kind: 'boolean' },
    landVatProjectNumber: { kind: 'string', max: 50, optional: true },
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

const own = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

function check(value: Record<string, unknown>, spec: Spec, path: string, errors: FieldError[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (!own(spec, key) && key !== 'type') errors.push({ field: `${path}.${key}`, message: 'is not a known field' });
  for (const [key, rule] of Object.entries(spec)) {
    const v = value[key];
    const field = `${path}.${key}`;
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
    return { value: null, errors: [{ field: `${path}.type`, message: `must be one of ${Object.keys(SPECIFIC_BUSINESS_NAMES).join(', ')} (${Object.values(SPECIFIC_BUSINESS_NAMES).join(', ')})` }] };
  }
  if (type === '04') {
    const legs = input.transports;
    for (const key of Object.keys(input)) if (key !== 'type' && key !== 'transports') errors.push({ field: `${path}.${key}`, message: 'is not a known field' });
    if (!Array.isArray(legs) || legs.length < 1 || legs.length > 2000) {
      errors.push({ field: `${path}.transports`, message: 'must be a list of 1 to 2000 transport legs' });
      return { value: null, errors };
    }
    const transports = legs.map((leg, i) =>
      leg && typeof leg === 'object' && !Array.isArray(leg)
        ? check(leg as Record<string, unknown>, LEG, `${path}.transports[${i}]`, errors)
        : (errors.push({ field: `${path}.transports[${i}]`, message: 'must be an object' }), {}),
    );
    return { value: errors.length ? null : ({ type: '04', transports } as Transport), errors };
  }
  const fields = check(input, FIELDS[type], path, errors);
  if (type === '06' && !errors.length) {
    if ((fields.leaseEnd as string) < (fields.leaseStart as string)) errors.push({ field: `${path}.leaseEnd`, message: 'must not be before leaseStart' });
    fields.areaUnit ??= '平方米';
  }
  return { value: errors.length ? null : ({ type, ...fields } as SpecificBusiness), errors };
}
