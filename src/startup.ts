/**
 * Starting while the database cannot be reached: a MySQL server that restarts, or that compose
 * starts beside the service, is worth waiting for; a bad schema, a wrong password or a broken
 * file is not. `startWithRetry` tries `start` again while its failure is `retryable` and the wait
 * has not run out, and gives the last failure otherwise (the process then exits non-zero).
 */
export interface StartRetry {
  retryable: (error: unknown) => boolean;
  /** How long, from the first try, failures may be retried. */
  waitMs: number;
  /** The pause between tries. */
  delayMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (error: unknown, attempt: number, leftMs: number) => void;
}

export async function startWithRetry<T>(start: () => Promise<T>, retry: StartRetry): Promise<T> {
  const now = retry.now ?? Date.now;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + retry.waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const left = deadline - now();
      if (!retry.retryable(error) || left < retry.delayMs) throw error;
      retry.onRetry?.(error, attempt, left);
      await sleep(retry.delayMs);
    }
  }
}
