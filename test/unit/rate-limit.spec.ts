import { countHit, RateLimiter } from '../../src/common/rate-limit';
import { ProblemException } from '../../src/common/problem';

// API.md "Conventions": over a limit, 429 RATE_LIMITED with Retry-After; limits are per minute.
describe('countHit: a sliding one-minute window from two counters', () => {
  const T = 1_000_000;
  const M = 60_000;
  it.each([
    // [window before, now, limit, allowed, current after, previous after, retryAfter]
    [undefined, T, 2, true, 1, 0, 0],
    [{ startedAt: T, current: 1, previous: 0 }, T + 1, 2, true, 2, 0, 0],
    [{ startedAt: T, current: 2, previous: 0 }, T + 30_000, 2, false, 2, 0, 60], // this minute is full: 30 s left, then 30 s for its weight to fall to 1
    // The edge of a window: 10 hits at the end of one minute still weigh almost fully just after it.
    [{ startedAt: T, current: 10, previous: 0 }, T + M + 100, 10, false, 0, 10, 6], // until 10 x 54/60 + 1 = 10
    [{ startedAt: T, current: 10, previous: 0 }, T + M + 6_000, 10, true, 1, 10, 0], // 10 x 54/60 + 0 + 1 = 10
    [{ startedAt: T, current: 10, previous: 0 }, T + M + 30_000, 10, true, 1, 10, 0],
    [{ startedAt: T, current: 4, previous: 10 }, T + 30_000, 10, true, 5, 10, 0], // 10 x 30/60 + 4 + 1 = 10
    [{ startedAt: T, current: 5, previous: 10 }, T + 30_000, 10, false, 5, 10, 6], // 10 x 24/60 + 5 + 1 = 10 six seconds on
    [{ startedAt: T, current: 9, previous: 9 }, T + 2 * M + 1, 10, true, 1, 0, 0], // two minutes on: both counts gone
    [{ startedAt: T, current: 1, previous: 0 }, T - 5_000, 1, false, 1, 0, 120], // a clock stepped back counts as the window's start
  ])('%j at %d, limit %d -> allowed %s', (before, now, limit, allowed, current, previous, retryAfter) => {
    const result = countHit(before ? { ...before } : undefined, now, limit);
    expect(result.allowed).toBe(allowed);
    expect(result.window.current).toBe(current);
    expect(result.window.previous).toBe(previous);
    expect(result.retryAfter).toBe(retryAfter);
  });

  it('lets no more than the limit through in any 60 seconds of a steady stream, across window edges', () => {
    let window;
    const allowedAt: number[] = [];
    for (let now = 0; now < 5 * M; now += 250) {
      const r = countHit(window, now, 30);
      window = r.window;
      if (r.allowed) allowedAt.push(now);
    }
    for (const start of allowedAt) expect(allowedAt.filter((t) => t >= start && t < start + M).length).toBeLessThanOrEqual(30);
    expect(allowedAt.length).toBeGreaterThan(4 * 30 * 0.8); // and it does let the limit through
  });
});

describe('RateLimiter', () => {
  const limiter = new RateLimiter();
  afterAll(() => limiter.onModuleDestroy());

  it('refuses the hit over the limit with 429 and Retry-After, counting keys apart', async () => {
    await limiter.hit('a', 2, 'requests', 0);
    await limiter.hit('a', 2, 'requests', 1000);
    await limiter.hit('b', 2, 'requests', 1000);
    const refused = await limiter.hit('a', 2, 'requests', 20_000).catch((e) => e);
    expect(refused).toBeInstanceOf(ProblemException);
    expect(refused.getStatus()).toBe(429);
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.toBody().retryAfter).toBe(70); // 40 s to the window's end, 30 s for its weight to fall to 1; sent as Retry-After
    await expect(limiter.hit('a', 2, 'requests', 90_000)).resolves.toBeUndefined();
  });

  it('forgets keys not seen for two minutes when it sweeps', async () => {
    const fresh = new RateLimiter();
    await fresh.hit('old', 5, 'requests', 0);
    await fresh.hit('new', 5, 'requests', 100_000);
    fresh.sweep(119_999);
    expect(fresh.size).toBe(2);
    fresh.sweep(120_000);
    expect(fresh.size).toBe(1);
    await expect(fresh.hit('new', 1, 'requests', 130_000)).rejects.toThrow(ProblemException); // 'new' was kept, with its count
    fresh.onModuleDestroy();
  });
});
