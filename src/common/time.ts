/**
 * Business time is China Standard Time (Asia/Shanghai). China has kept UTC+8 without daylight
 * saving since 1991, so a fixed offset is exact for every date this service handles.
 */
const CST_OFFSET_MS = 8 * 3600 * 1000;

export interface CstFields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function cstFields(instant: Date): CstFields {
  const shifted = new Date(instant.getTime() + CST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 with the +08:00 offset, to the second: 2023-07-20T09:00:00+08:00. */
export function formatCst(instant: Date): string {
  const f = cstFields(instant);
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}+08:00`;
}

/** yyyy-MM-dd HH:mm:ss in Beijing time (the XML data file's RequestTime). */
export function formatCstDateTime(instant: Date): string {
  const f = cstFields(instant);
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)} ${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
}

/** yyyy-MM-dd in Beijing time. */
export function formatCstDate(instant: Date): string {
  return formatCstDateTime(instant).slice(0, 10);
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 instant that names its offset (Z or ±hh:mm); null when it is not one. */
export function parseIsoInstant(value: string): Date | null {
  const m = ISO_INSTANT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  // Reject days that do not exist (2023-02-30 would otherwise roll over).
  const offset = m[8] === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
  const local = new Date(date.getTime() + offset * 60_000);
  if (local.getUTCFullYear() !== y || local.getUTCMonth() + 1 !== mo || local.getUTCDate() !== d) return null;
  return date;
}

/** A calendar month in Beijing time, e.g. "2023-07". */
export type Period = string;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && PERIOD.test(value);
}

export function periodOf(instant: Date): Period {
  const f = cstFields(instant);
  return `${pad(f.year, 4)}-${pad(f.month)}`;
}

export function periodParts(period: Period): { year: number; month: number } {
  const m = PERIOD.exec(period);
  if (!m) throw new Error(`not a period: ${period}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

export function shiftPeriod(period: Period, months: number): Period {
  const { year, month } = periodParts(period);
  const index = year * 12 + (month - 1) + months;
  return `${pad(Math.floor(index / 12), 4)}-${pad((index % 12) + 1)}`;
}

/** The instant a period starts: 00:00 Beijing time on the 1st. */
export function periodStart(period: Period): Date {
  const { year, month } = periodParts(period);
  return new Date(Date.UTC(year, month - 1, 1) - CST_OFFSET_MS);
}
