import { Coalescer, LaneFull, laneOf, Settled } from '../../src/common/coalescer';

/** A run function that records its groups and is released by hand. */
function recorder<T>() {
  const groups: T[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  const run = async (items: T[]): Promise<Settled<string>[]> => {
    groups.push(items);
    await gate;
    return items.map((item) => (String(item).startsWith('bad') ? { ok: false, error: new Error(String(item)) } : { ok: true, value: `done ${item}` }));
  };
  return {
    groups,
    run,
    open: () => {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Coalescer (group commit of single issues)', () => {
  it('runs a burst submitted in one turn of the event loop as one group, answering each in order', async () => {
    const r = recorder<string>();
    const c = new Coalescer(1, 100, r.run);
    const submitted = Promise.allSettled(['a', 'bad-b', 'c'].map((x) => c.submit('k', x)));
    await tick();
    r.open();
    const answers = await submitted;
    expect(r.groups).toEqual([['a', 'bad-b', 'c']]);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message))).toEqual(['done a', 'bad-b', 'done c']);
  });

  it('groups what arrives while the lane is busy into its next group, at most maxGroup at a time', async () => {
    const r = recorder<number>();
    const c = new Coalescer(1, 3, r.run);
    const first = c.submit('k', 0);
    await tick();
    expect(r.groups).toEqual([[0]]);
    const later = [1, 2, 3, 4, 5].map((n) => c.submit('k', n));
    await tick();
    expect(r.groups).toHaveLength(1); // still busy with the first group
    r.open();
    await first;
    await tick();
    expect(r.groups).toEqual([[0], [1, 2, 3]]);
    r.open();
    await Promise.all(later.slice(0, 3));
    await tick();
    r.open();
    await Promise.all(later);
    expect(r.groups).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('keeps a key on one lane, and lets other lanes run at the same time', async () => {
    const lanes = 4;
    const keys = Array.from({ length: 64 }, (_, i) => `91220100MB${String(i).padStart(7, '0')}X`);
    const used = new Set(keys.map((k) => laneOf(k, lanes)));
    expect(used.size).toBe(lanes); // 64 tax ids spread over every lane

    const r = recorder<string>();
    const c = new Coalescer(lanes, 100, r.run);
    const [k1, k2] = keys.filter((k, i) => keys.findIndex((other) => laneOf(other, lanes) === laneOf(k, lanes)) === i);
    const both = [c.submit(k1, 'x'), c.submit(k2, 'y')];
    await tick();
    expect(r.groups).toEqual([['x'], ['y']]); // two groups running at once, one per lane
    r.open();
    await Promise.all(both);
  });

  it('answers every item of a group with the error if the run itself throws, and goes on', async () => {
    let calls = 0;
    const c = new Coalescer<string, string>(1, 10, async (items) => {
      if (calls++ === 0) throw new Error('database gone');
      return items.map((i) => ({ ok: true, value: i }));
    });
    const failed = await Promise.allSettled([c.submit('k', 'a'), c.submit('k', 'b')]);
    expect(failed.map((f) => f.status === 'rejected' && (f.reason as Error).message)).toEqual(['database gone', 'database gone']);
    await expect(c.submit('k', 'c')).resolves.toBe('c');
  });

  it('rejects an item the run left unanswered rather than leaving it waiting', async () => {
    const c = new Coalescer<string, string>(1, 10, async (items) => items.slice(1).map((i) => ({ ok: true, value: i })));
    const [a, b] = await Promise.allSettled([c.submit('k', 'a'), c.submit('k', 'b')]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
  });
});

describe('Coalescer, when run misbehaves', () => {
  it('rejects every item of a group whose run answers something other than a list, and the lane goes on', async () => {
    let calls = 0;
    const c = new Coalescer<string, string>(1, 10, async (items) => (calls++ === 0 ? (null as never) : items.map((i) => ({ ok: true, value: i }))));
    const first = await Promise.allSettled([c.submit('k', 'a'), c.submit('k', 'b')]);
    expect(first.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    await expect(c.submit('k', 'c')).resolves.toBe('c');
  });
});

describe('Coalescer, when a lane is full', () => {
  it('refuses an item beyond maxWaiting at once with LaneFull, leaves other lanes alone, and takes items again once the lane drains', async () => {
    const r = recorder<string>();
    const c = new Coalescer(2, 10, r.run, 2);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const k1 = keys.find((k) => laneOf(k, 2) === 0)!;
    const k2 = keys.find((k) => laneOf(k, 2) === 1)!;
    const running = c.submit(k1, 'running');
    await tick(); // 'running' is the lane's group now; nothing waits
    const waiting = [c.submit(k1, 'w1'), c.submit(k1, 'w2')];
    const refused = await c.submit(k1, 'w3').catch((e) => e);
    expect(refused).toBeInstanceOf(LaneFull);
    expect(refused.waiting).toBe(2);
    const otherLane = c.submit(k2, 'other'); // another lane has room
    await tick();
    r.open();
    await Promise.all([running, otherLane]);
    await tick();
    r.open();
    await expect(Promise.all(waiting)).resolves.toEqual(['done w1', 'done w2']);
    const again = c.submit(k1, 'w4');
    await tick();
    r.open();
    await expect(again).resolves.toBe('done w4');
  });
});
