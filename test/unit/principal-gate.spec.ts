import { PrincipalGate } from '../../src/rendering/rendering.service';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

// Issue 11 item 10: a principal has at most N renders running and M waiting.
describe('PrincipalGate', () => {
  it('runs N at once per principal, queues M in order, refuses the rest with 429, and frees its slots', async () => {
    const gate = new PrincipalGate(2, 1);
    const order: string[] = [];
    const blockers = [deferred(), deferred(), deferred()];
    const run = (name: string, i: number) =>
      gate.run('p', async () => {
        order.push(`start ${name}`);
        await blockers[i].promise;
        return name;
      });
    const a = run('a', 0);
    const b = run('b', 1);
    const c = run('c', 2);
    await Promise.resolve();
    expect(gate.load('p')).toEqual({ active: 2, waiting: 1 });
    await expect(gate.run('p', async () => 'd')).rejects.toMatchObject({ code: 'RATE_LIMITED', extras: { retryAfter: expect.any(Number) } });
    // Another principal is not affected.
    await expect(gate.run('q', async () => 'q')).resolves.toBe('q');
    expect(order).toEqual(['start a', 'start b']);
    blockers[0].resolve();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start a', 'start b', 'start c']);
    blockers[1].resolve();
    blockers[2].resolve();
    await expect(Promise.all([b, c])).resolves.toEqual(['b', 'c']);
    expect(gate.load('p')).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot when the work fails', async () => {
    const gate = new PrincipalGate(1, 0);
    await expect(
      gate.run('p', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(gate.run('p', async () => 'ok')).resolves.toBe('ok');
  });
});
