import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Brackets, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
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

/**
 * Newest first by (created_at, id), keyset-paged: for lists of rows with a time and a unique id.
 * `qb` is filtered already; `alias` is its alias.
 */
export async function pageNewestFirst<T extends ObjectLiteral & { id: string; createdAt: Date }>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  query: PageQuery,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor, 2, ([at, id]) => Number.isSafeInteger(at) && typeof id === 'string' && id.length <= 64);
  if (after) {
    const at = new Date(Number(after[0]));
    qb.andWhere(
      new Brackets((w) =>
        w
          .where(`${alias}.created_at < :pageAt`, { pageAt: at })
          .orWhere(`${alias}.created_at = :pageAt AND ${alias}.id < :pageId`, { pageId: String(after[1]) }),
      ),
    );
  }
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .take(limit + 1)
    .getMany();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor([last.createdAt.getTime(), last.id]) : null };
}
