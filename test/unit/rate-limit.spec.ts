import { countHit, RateLimiter } from '../../src/common/rate-limit';
import { ProblemException } from '../../src/common/problem';

// API.md "Conventions": over a limit, 429 RATE_LIMITED with Retry-After; limits are per minute.
describe('countHit: fixed one-minute windows', () => {
  const T = 1_000_000;
  it.each([
    // [window before, now, limit, allowed, hits after, retryAfter]
    [undefined, T, 2, true, 1, 60],
    [{ startedAt: T, hits: 1 }, T + 1, 2, true, 2, 60],
    [{ startedAt: T, hits: 2 }, T + 30_000, 2, false, 3, 30],
    [{ startedAt: T, hits: 2 }, T + 59_999, 2, false, 3, 1],
    [{ startedAt: T, hits: 9 }, T + 60_000, 2, true, 1, 60], // a new window starts
    [{ startedAt: T, hits: 0 }, T + 59_500, 0, false, 1, 1], // Retry-After is at least 1 s
  ])('%j at %d, limit %d -> allowed %s', (before, now, limit, allowed, hits, retryAfter) => {
    const result = countHit(before ? { ...before } : undefined, now, limit);
    expect(result.allowed).toBe(allowed);
    expect(result.window.hits).toBe(hits);
    expect(result.retryAfter).toBe(retryAfter);
  });
});

describe('RateLimiter', () => {
  const limiter = new RateLimiter();
  afterAll(() => limiter.onModuleDestroy());

  it('refuses the hit over the limit with 429 and Retry-After, counting keys apart', async () => {
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as never;
    await limiter.hit('a', 2, res, 'requests', 0);
    await limiter.hit('a', 2, res, 'requests', 1000);
    await limiter.hit('b', 2, res, 'requests', 1000);
    const refused = await limiter.hit('a', 2, res, 'requests', 20_000).catch((e) => e);
    expect(refused).toBeInstanceOf(ProblemException);
    expect(refused.getStatus()).toBe(429);
    expect(refused.code).toBe('RATE_LIMITED');
    expect(headers['Retry-After']).toBe('40');
    await expect(limiter.hit('a', 2, res, 'requests', 60_000)).resolves.toBeUndefined();
  });

  it('forgets ended windows when it sweeps', async () => {
    await limiter.hit('c', 5, undefined, 'requests', 100_000);
    limiter.sweep(100_000 + 59_999);
    expect(limiter.size).toBeGreaterThan(0);
    limiter.sweep(10_000_000);
    expect(limiter.size).toBe(0);
  });
});
