import { formatCst, formatCstDateTime, parseIsoInstant, periodOf, periodStart, shiftPeriod } from '../../src/common/time';

// SPEC: "All business time is China Standard Time (UTC+8); a month boundary is 00:00 Beijing time on the 1st."
describe('business time', () => {
  it.each([
    ['2023-07-31T23:59:59+08:00', '2023-07'],
    ['2023-08-01T00:00:00+08:00', '2023-08'],
    ['2023-07-31T16:00:00Z', '2023-08'],
    ['2023-07-31T15:59:59.999Z', '2023-07'],
    ['2023-12-31T16:00:00Z', '2024-01'],
  ])('%s falls in %s', (iso, period) => {
    expect(periodOf(parseIsoInstant(iso)!)).toBe(period);
  });

  it.each([
    ['2023-07-20T01:00:00Z', '2023-07-20T09:00:00+08:00', '2023-07-20 09:00:00'],
    ['2023-07-31T16:00:00Z', '2023-08-01T00:00:00+08:00', '2023-08-01 00:00:00'],
  ])('formats %s in Beijing time', (iso, cst, dateTime) => {
    expect(formatCst(new Date(iso))).toBe(cst);
    expect(formatCstDateTime(new Date(iso))).toBe(dateTime);
  });

  it.each([
    ['2023-07-20T09:00:00', 'no offset'],
    ['2023-02-30T09:00:00+08:00', 'no such day'],
    ['2023-13-01T09:00:00+08:00', 'no such month'],
    ['2023-07-20 09:00:00+08:00', 'space separator'],
    ['yesterday', 'not a date'],
  ])('rejects %s (%s)', (value) => {
    expect(parseIsoInstant(value)).toBeNull();
  });

  it.each([
    ['2023-07', 1, '2023-08'],
    ['2023-12', 1, '2024-01'],
    ['2024-01', -1, '2023-12'],
    ['2023-07', -12, '2022-07'],
  ])('shifts %s by %d to %s', (period, months, expected) => {
    expect(shiftPeriod(period, months)).toBe(expected);
  });

  it('starts a period at 00:00 Beijing time on the 1st', () => {
    expect(periodStart('2023-08').toISOString()).toBe('2023-07-31T16:00:00.000Z');
  });
});
