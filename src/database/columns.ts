import { Column, ColumnOptions, ValueTransformer } from 'typeorm';
import { fenFromDb } from '../common/money';

/** BIGINT <-> bigint. mysql2 hands BIGINT back as a string (bigNumberStrings), better-sqlite3
 * as a number; amounts are bounded by MAX_MONEY_FEN so both are exact. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | number | null) => (value === null || value === undefined ? null : fenFromDb(value)),
};

/** A money column: BIGINT fen. */
export function MoneyColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: bigintTransformer, ...options });
}

/** An instant, stored in UTC with millisecond precision. */
export function InstantColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, ...options });
}
