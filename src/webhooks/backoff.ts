/** Retries go on for three days of planned waiting, then the delivery is failed (and kept for redelivery). */
export const RETRY_WINDOW_SECONDS = 3 * 24 * 3600;

/**
 * The wait before the next attempt after `attempts` failed ones (1, 2, ...), in seconds: `base`
 * after the first, doubling each time, the last one shortened so that the waits add up to three
 * days exactly; null once they do (the delivery has failed). Pure in `attempts`, so a redelivery
 * (attempts back to 0) gets a fresh three days.
 */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number | null {
  if (attempts < 1) return 0;
  const n = Math.min(attempts - 1, 60);
  const waitedSoFar = baseSeconds * (2 ** n - 1);
  if (waitedSoFar >= RETRY_WINDOW_SECONDS) return null;
  return Math.min(baseSeconds * 2 ** n, RETRY_WINDOW_SECONDS - waitedSoFar);
}
