import { BatchSize, batchAt, mergeRanges, RangeReader, take } from '../../src/common/keyset';

// Issue 17: exports read a page's worth first, then growing batches; the merge of ordered ranges
// must give every key once, in order, whatever the batch sizes.
describe('keyset batches', () => {
  it.each([
    [500, [500, 500, 500, 500]],
    [{ first: 50, max: 500 }, [50, 100, 200, 400, 500, 500]],
    [{ first: 7, max: 7 }, [7, 7, 7]],
    [{ first: 3, max: 20 }, [3, 6, 12, 20, 20]],
  ] as [BatchSize, number[]][])('batch %j: reads of %j', (batch, sizes) => {
    expect(sizes.map((_, n) => batchAt(batch, n))).toEqual(sizes);
  });

  it('a large read count stays at the maximum', () => {
    expect(batchAt({ first: 50, max: 500 }, 10_000)).toBe(500);
  });

  /** An ordered range of numbers read after a key, recording each read's limit. */
  const range =
    (values: number[], limits: number[]): RangeReader<number> =>
    async (after, limit) => {
      limits.push(limit);
      return values.filter((v) => after === null || v > after).slice(0, limit);
    };

  it.each([
    ['fixed batches', 4, null],
    ['growing batches', { first: 2, max: 16 }, null],
    ['growing batches after a key', { first: 2, max: 16 }, 101],
    ['one key at a time', { first: 1, max: 1 }, null],
  ] as [string, BatchSize, number | null][])('%s: every key once, in order, across the boundaries', async (_, batch, after) => {
    // Three ranges of different lengths, interleaved (a range of 0 keys included).
    const ranges = [Array.from({ length: 300 }, (_, i) => 3 * i), Array.from({ length: 70 }, (_, i) => 3 * i + 1), []];
    const limits: number[][] = ranges.map(() => []);
    const merged = await take(
      mergeRanges(
        ranges.map((r, i) => range(r, limits[i])),
        (a, b) => a - b,
        'ASC',
        after,
        batch,
      ),
      10_000,
    );
    const expected = ranges
      .flat()
      .filter((v) => after === null || v > after)
      .sort((a, b) => a - b);
    expect(merged).toEqual(expected);
    // Each range's reads follow the batch sizes, and a short read ends the range.
    for (const l of limits) expect(l).toEqual(l.map((_, n) => batchAt(batch, n)));
  });
});
