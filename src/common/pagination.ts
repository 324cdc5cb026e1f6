import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Problems } from './problem';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit=&cursor=` as every list takes them. */
export class PageQuery {
  @ApiPropertyOptional({ default: DEFAULT_LIMIT, maximum: MAX_LIMIT, minimum: 1 })
  @IsOptional()
  @Matches(/^([1-9]\d{0,2})$/, { message: `must be a whole number from 1 to ${MAX_LIMIT}` })
  limit?: string;

  @ApiPropertyOptional({ description: 'opaque; nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function pageLimit(query: PageQuery): number {
  const limit = query.limit ? Number(query.limit) : DEFAULT_LIMIT;
  if (limit > MAX_LIMIT) throw Problems.field('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** Cursors are opaque to clients: base64url of a small JSON array of keyset values. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === 'string' || typeof v === 'number')) return values;
  } catch {
    // fall through
  }
  throw Problems.field('cursor', 'is not a cursor this list issued');
}
