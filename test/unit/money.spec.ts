import { formatMoney, isMoneyString, MAX_MONEY_FEN, parseMoney } from '../../src/common/money';

// API.md "Conventions": money is a decimal string with exactly two decimals.
describe('money', () => {
  it.each([
    ['0.00', 0n],
    ['0.01', 1n],
    ['1.00', 100n],
    ['100.05', 10005n],
    ['7500000.00', 750000000n],
    ['-100000.00', -10000000n],
    ['-0.05', -5n],
    ['9999999999999.99', MAX_MONEY_FEN],
  ])('parses %s as %s fen', (text, fen) => {
    expect(parseMoney(text)).toBe(fen);
    expect(isMoneyString(text)).toBe(true);
  });

  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [-5n, '-0.05'],
    [10005n, '100.05'],
    [-10000000n, '-100000.00'],
    [MAX_MONEY_FEN, '9999999999999.99'],
  ])('formats %s fen as %s', (fen, text) => {
    expect(formatMoney(fen)).toBe(text);
  });

  it.each(['1', '1.0', '1.000', '.50', '01.00', '1e3', ' 1.00', '1.00 ', '+1.00', '1,000.00', 'NaN', '', '10000000000000.00', '１.００'])(
    'rejects %j',
    (text) => {
      expect(isMoneyString(text)).toBe(false);
      expect(() => parseMoney(text)).toThrow();
    },
  );

  it.each([[1], [1.5], [null], [undefined], [{}], [[]]])('rejects the non-string %j', (value) => {
    expect(isMoneyString(value)).toBe(false);
  });

  it('round-trips every amount in a sweep', () => {
    for (let fen = -20_000n; fen <= 20_000n; fen += 7n) expect(parseMoney(formatMoney(fen))).toBe(fen);
  });
});
