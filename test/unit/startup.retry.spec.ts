import { startWithRetry } from '../../src/startup';

// A service started while its MySQL server restarts waits for it (DB_STARTUP_WAIT_SECONDS) instead
// of exiting; anything else fails at once. CI's fault run restarted MariaDB while a killed process
// was starting again, and that process exited on ECONNREFUSED.
describe('startWithRetry', () => {
  const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const broken = new Error('no such table');

  /** Runs `start` failing with `failures` in turn (then succeeding), on a fake clock. */
  async function run(failures: Error[], waitMs: number) {
    let t = 0;
    let calls = 0;
    const retries: number[] = [];
    const outcome = await startWithRetry(
      async () => {
        const failure = failures[calls++];
        if (failure) throw failure;
        return 'started';
      },
      {
        retryable: (e) => (e as { code?: string }).code === 'ECONNREFUSED',
        waitMs,
        delayMs: 2000,
        now: () => t,
        sleep: async (ms) => void (t += ms),
        onRetry: (_e, attempt) => retries.push(attempt),
      },
    ).catch((e: Error) => e);
    return { outcome, calls, retries, elapsed: t };
  }

  it.each([
    ['starts at once', [], 60_000, 'started', 1, 0],
    ['waits out a database that is down for three tries', [down, down, down], 60_000, 'started', 4, 6000],
    ['fails at once on an error that waiting cannot fix', [broken], 60_000, broken, 1, 0],
    ['fails on the same error after a wait, if that is what the later try meets', [down, broken], 60_000, broken, 2, 2000],
    ['gives up with the last failure when the wait runs out (61 s: 30 pauses of 2 s)', Array(100).fill(down), 61_000, down, 31, 60_000],
    ['does not wait at all with a wait of 0', [down], 0, down, 1, 0],
  ])('%s', async (_name, failures, waitMs, expected, calls, elapsed) => {
    const result = await run(failures as Error[], waitMs as number);
    expect(result.outcome).toBe(expected);
    expect(result.calls).toBe(calls);
    expect(result.retries).toEqual(Array.from({ length: (calls as number) - 1 }, (_, i) => i + 1));
    expect(result.elapsed).toBe(elapsed);
  });
});
