import type { Logger } from '@nestjs/common';

/**
 * Runs `task` every `ms` in the background (the timer does not keep the process alive); a
 * failure is logged, and the next run tries again. Returns the function that stops it.
 */
export function every(ms: number, task: () => Promise<unknown>, logger: Logger, what: string): () => void {
  const timer = setInterval(() => void task().catch((e: Error) => logger.warn(`${what} failed: ${e?.message ?? e}`)), ms);
  timer.unref();
  return () => clearInterval(timer);
}
