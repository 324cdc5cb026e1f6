/**
 * Money is integer fen (1 yuan = 100 fen) held in `bigint`, from the DTO to the database
 * and back. On the wire it is a decimal string with exactly two decimals ("7500000.00").
 */

/** The largest amount the service accepts anywhere: 9,999,999,999,999.99 yuan. It keeps every
 * sum the service computes (2,000 lines, a month of invoices) far inside BIGINT, and every
 * value inside JavaScript's exact integer range when a driver hands it back as a number. */
export const MAX_MONEY_FEN = 999_999_999_999_999n;

const MONEY_PATTERN = /^(-?)(0|[1-9]\d{0,12})\.(\d{2})$/;

export class MoneyFormatError extends Error {}

export function isMoneyString(value: unknown): value is string {
  return typeof value === 'string' && MONEY_PATTERN.test(value);
}

/** "123.45" -> 12345n. Throws MoneyFormatError on anything that is not exactly 0.00-shaped. */
export function parseMoney(value: string): bigint {
  const match = MONEY_PATTERN.exec(value);
  if (!match) throw new MoneyFormatError(`not a money amount with two decimals: ${JSON.stringify(value)}`);
  const fen = BigInt(match[2]) * 100n + BigInt(match[3]);
  return match[1] === '-' ? -fen : fen;
}

/** 12345n -> "123.45"; -5n -> "-0.05". */
export function formatMoney(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** A value read from a BIGINT column (string from mysql2, number from better-sqlite3). */
export function fenFromDb(value: string | number | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}
