import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Keyset reading in (time, id) order, so that a page costs what the page holds, whatever the table
 * holds (issue 17). A filter is answered by one or more ordered index ranges (equalities on an
 * index's leading columns, then its time and id columns); each range is read a batch of keys at a
 * time after the last key read, and the ranges are merged in order. No query ever sorts or
 * filters a tenant's whole history. Used by invoice lists and exports (src/invoices/invoice-scan.ts),
 * red-letter slips, audit events and the newest-first lists (src/common/pagination.ts).
 */

export type Order = 'ASC' | 'DESC';

/** A position in the order: the time and the unique id of the last row read. */
export interface Position {
  at: Date;
  id: string;
}

/**
 * Continue after `after` in `order` on the columns `time` and `id` (qualified: `alias.column`),
 * then order by them and stop after `limit` rows. `qb` is filtered already.
 */
export function orderedAfter<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  time: string,
  id: string,
  order: Order,
  after: Position | null,
  limit: number,
): SelectQueryBuilder<T> {
  if (after) {
    const op = order === 'ASC' ? '>' : '<';
    // The first condition alone is a range both databases seek to; the OR only trims its first instant.
    qb.andWhere(`${time} ${op}= :keysetAt`, { keysetAt: after.at });
    qb.andWhere(`(${time} ${op} :keysetAt OR (${time} = :keysetAt AND ${id} ${op} :keysetId))`, { keysetId: after.id });
  }
  return qb.orderBy(time, order).addOrderBy(id, order).limit(limit);
}

/** The order of two positions: by time, then by id. */
export function comparePositions(a: Position, b: Position): number {
  const byTime = a.at.getTime() - b.at.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** One ordered range: the next `limit` keys after `after` (null: from its start), in the order. */
export type RangeReader<K> = (after: K | null, limit: number) => Promise<K[]>;

/**
 * The size of a range's `n`th read (0 first): a fixed size, or one that grows from `first` to
 * `max` by doubling, so that the first rows come after a page's worth of reading however long
 * the range (an export's first byte), and the later reads are large.
 */
export type BatchSize = number | { first: number; max: number };

export function batchAt(batch: BatchSize, n: number): number {
  if (typeof batch === 'number') return batch;
  return Math.min(batch.max, batch.first * 2 ** Math.min(n, 30));
}

/**
 * The keys of every range merged in `order`, after `after`: each range read `batch` keys at a
 * time (see BatchSize). Stop pulling whenever enough are read; nothing beyond a batch per range is
 * read. The ranges must not overlap (a key in two ranges would come twice).
 */
export async function* mergeRanges<K>(
  ranges: RangeReader<K>[],
  compare: (a: K, b: K) => number,
  order: Order,
  after: K | null,
  batch: BatchSize,
): AsyncGenerator<K> {
  const sign = order === 'ASC' ? 1 : -1;
  const streams = ranges.map((read) => ({ read, buffer: [] as K[], at: 0, last: after, done: false, reads: 0 }));
  for (;;) {
    const empty = streams.filter((s) => s.at >= s.buffer.length && !s.done);
    await Promise.all(
      empty.map(async (s) => {
        const limit = batchAt(batch, s.reads++);
        s.buffer = await s.read(s.last, limit);
        s.at = 0;
        s.done = s.buffer.length < limit;
        if (s.buffer.length) s.last = s.buffer[s.buffer.length - 1];
      }),
    );
    let best: (typeof streams)[number] | null = null;
    for (const s of streams) {
      if (s.at < s.buffer.length && (!best || sign * compare(s.buffer[s.at], best.buffer[best.at]) < 0)) best = s;
    }
    if (!best) return;
    yield best.buffer[best.at++];
  }
}

/** Up to `n` more keys from the stream (which stays open for the next call). */
export async function take<K>(keys: AsyncGenerator<K>, n: number): Promise<K[]> {
  const out: K[] = [];
  while (out.length < n) {
    const next = await keys.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** The cartesian product of equality choices: [[a, [1, 2]], [b, [x]]] -> [[a=1, b=x], [a=2, b=x]]. */
export function product<C extends string>(dimensions: [C, readonly string[]][]): [C, string][][] {
  let combos: [C, string][][] = [[]];
  for (const [column, values] of dimensions) combos = combos.flatMap((c) => values.map((v) => [...c, [column, v] as [C, string]]));
  return combos;
}
