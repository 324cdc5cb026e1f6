import { describe, expect, it } from 'vitest';
import { beijing, fen, fenToMoney, money, timeLeft, userState } from './format';
import { productFen, quotient } from './decimal';

describe('money: thousands separators and two decimals (issue 12)', () => {
  it.each([
    ['0.00', '0.00'],
    ['7500000.00', '7,500,000.00'],
    ['-100000.00', '-100,000.00'],
    ['1234.5', '1,234.50'],
    ['999', '999.00'],
    ['1000', '1,000.00'],
    ['00012.30', '12.30'],
  ])('%s -> %s', (input, shown) => expect(money(input)).toBe(shown));
  it('leaves what is not money as it is', () => expect(money('abc')).toBe('abc'));
  it('fen round trip without floats', () => {
    expect(fen('11618.00')).toBe(1161800n);
    expect(fen('-0.05')).toBe(-5n);
    expect(fenToMoney(-5n)).toBe('-0.05');
    expect(fenToMoney(123456789012345n)).toBe('1234567890123.45');
  });
});

describe('Beijing time', () => {
  it('shows an instant in UTC+8 whatever the browser zone', () => {
    expect(beijing('2023-07-19T17:30:00Z')).toBe('2023-07-20 01:30:00');
    expect(beijing('2023-07-20T09:00:00+08:00')).toBe('2023-07-20 09:00:00');
  });
  it('time left before 72 h void a slip', () => {
    const now = new Date('2023-07-20T09:00:00+08:00');
    expect(timeLeft('2023-07-23T09:00:00+08:00', now)).toBe('还剩 72 小时 0 分');
    expect(timeLeft('2023-07-20T09:30:00+08:00', now)).toBe('还剩 30 分');
    expect(timeLeft('2023-07-20T08:00:00+08:00', now)).toBe('已到期');
  });
});

describe('decimal products for line amounts', () => {
  it.each([
    ['2', '5000.00', 1000000n],
    ['3', '33.335', 10001n],
    ['0.5', '0.01', 1n],
    ['-1', '5000', -500000n],
    ['1.5', '2.333', 350n],
  ])('%s x %s', (q, p, expected) => expect(productFen(q, p)).toBe(expected));
  it('derives a unit price', () => expect(quotient('10000.00', '3')).toBe('3333.3333333333333'));
});

describe("userState: the admin's users list (locked after failed sign-ins, no password, normal)", () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it('locked until an instant ahead, shown in Beijing time', () =>
    expect(userState({ hasPassword: true, lockedUntil: '2026-11-30T20:15:00+08:00' }, now)).toEqual({
      text: '已锁定至 2026-11-30 20:15:00',
      tone: 'orange',
    }));
  it('a lock in the past is over', () => expect(userState({ hasPassword: true, lockedUntil: '2026-11-30T19:00:00+08:00' }, now).text).toBe('正常'));
  it('no password: API keys only', () => expect(userState({ hasPassword: false, lockedUntil: null }, now).text).toBe('无密码（仅 API 密钥）'));
  it('normal', () => expect(userState({ hasPassword: true, lockedUntil: null }, now)).toEqual({ text: '正常', tone: 'green' }));
});
