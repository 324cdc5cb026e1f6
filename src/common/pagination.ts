import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { orderedAfter, Position } from './keyset';
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

export function decodeCursor(
  cursor: string | undefined,
  arity: number,
  valid: (values: (string | number)[]) => boolean = () => true,
): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === 'string' || typeof v === 'number') && valid(values)) return values;
  } catch {
    // fall through
  }
  throw Problems.field('cursor', 'is not a cursor this list issued');
}

/** The position a newest-first list's cursor names: (created_at, id) of the last row of the previous page. */
export function newestFirstCursor(query: PageQuery): Position | null {
  const after = decodeCursor(query.cursor, 2, ([at, id]) => Number.isSafeInteger(at) && typeof id === 'string' && id.length <= 64);
  return after ? { at: new Date(Number(after[0])), id: String(after[1]) } : null;
}

/**
 * Newest first by (created_at, id), keyset-paged: for lists of rows with a time and a unique id.
 * `qb` is filtered already; `alias` is its alias. An index ending in (created_at, id) after the
 * filter's equality columns makes a page one index range (src/common/keyset.ts): the page's keys
 * are read from it first (only the index is read, so no database prefers a scan and a sort of the
 * whole table), then its rows by primary key.
 */
export async function pageNewestFirst<T extends ObjectLiteral & { id: string; createdAt: Date }>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  query: PageQuery,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  const limit = pageLimit(query);
  const keys = await newestFirstQuery(qb.clone(), alias, newestFirstCursor(query), limit + 1).getMany();
  if (!keys.length) return { rows: [], nextCursor: null };
  const rows = await qb
    .andWhere(`${alias}.id IN (:...pageIds)`, { pageIds: keys.map((k) => k.id) })
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .getMany();
  return pageOf(rows, limit, (last) => [last.createdAt.getTime(), last.id]);
}

/** The keys (created_at, id) of one newest-first page: `limit` after `after`, from the filter's index range. */
export function newestFirstQuery<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  after: Position | null,
  limit: number,
): SelectQueryBuilder<T> {
  return orderedAfter(qb.select([`${alias}.createdAt`, `${alias}.id`]), `${alias}.created_at`, `${alias}.id`, 'DESC', after, limit);
}

/** The page of `rows` (read one more than `limit`) and the cursor to the next. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => (string | number)[]): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor(cursorOf(page[page.length - 1])) : null };
}
