import { batchedByDigest } from '../../src/auth/auth.service';

/** Issue 11 item 12: every request reads its token from the database (nothing cached), but the
 * requests of one tick share one query. */
describe('batchedByDigest', () => {
  const rows = (digests: readonly string[]) => digests.filter((d) => d !== 'unknown').map((digest) => ({ digest, id: `id-${digest}` }));

  it('joins lookups made from separate I/O callbacks of one turn of the event loop (requests read off several sockets)', async () => {
    const read = jest.fn(async (digests: readonly string[]) => rows(digests));
    const lookups = batchedByDigest(read);
    // Two callbacks of one turn, as two requests' sockets: each starts its lookup in its own task.
    const answers = await new Promise<unknown[]>((resolve) => {
      const found: Promise<unknown>[] = [];
      setImmediate(() => found.push(lookups.load('a')));
      setImmediate(() => {
        found.push(lookups.load('b'));
        void Promise.all(found).then(resolve);
      });
    });
    expect(read).toHaveBeenCalledTimes(1);
    expect(answers).toEqual([
      { digest: 'a', id: 'id-a' },
      { digest: 'b', id: 'id-b' },
    ]);
  });

  it('reads the digests asked for in one tick with one query, each caller getting its own row', async () => {
    const read = jest.fn(async (digests: readonly string[]) => rows(digests));
    const lookups = batchedByDigest(read);
    const answers = await Promise.all(['a', 'b', 'a', 'unknown'].map((d) => lookups.load(d)));
    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0][0]).toEqual(['a', 'b', 'unknown']); // each digest once
    expect(answers).toEqual([{ digest: 'a', id: 'id-a' }, { digest: 'b', id: 'id-b' }, { digest: 'a', id: 'id-a' }, undefined]);
  });

  it('caches nothing: a later call reads again and sees a change (a revoked key)', async () => {
    let revoked = false;
    const lookups = batchedByDigest(async (digests) => digests.map((digest) => ({ digest, revoked })));
    expect(await lookups.load('k')).toEqual({ digest: 'k', revoked: false });
    revoked = true;
    expect(await lookups.load('k')).toEqual({ digest: 'k', revoked: true });
  });

  it('a failed query fails every caller of its batch, and the next batch reads afresh', async () => {
    let fail = true;
    const lookups = batchedByDigest(async (digests) => {
      if (fail) throw new Error('database unavailable');
      return rows(digests);
    });
    const results = await Promise.allSettled(['a', 'b'].map((d) => lookups.load(d)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await lookups.load('a')).toEqual({ digest: 'a', id: 'id-a' });
  });
});
