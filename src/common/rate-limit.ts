import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ProblemException } from './problem';

const MINUTE_MS = 60_000;

interface Window {
  /** Start of the current one-minute window. */
  startedAt: number;
  /** Hits allowed in it, and in the minute before it. */
  current: number;
  previous: number;
}

/**
 * A sliding one-minute window, estimated from two counters (the current minute's hits plus the
 * previous minute's, weighted by how much of it still lies in the last 60 s): whether the hit is
 * allowed (refused hits are not counted), the window after it, and, when refused, the seconds
 * until a hit would be allowed. Unlike fixed windows, it does not let twice the limit through
 * across a window's edge. A clock that steps back counts as the window's start. Pure, for the
 * table tests.
 */
export function countHit(window: Window | undefined, now: number, perMinute: number): { window: Window; allowed: boolean; retryAfter: number } {
  let w = window && now >= window.startedAt ? window : { startedAt: now, current: window?.current ?? 0, previous: window?.previous ?? 0 };
  let elapsed = now - w.startedAt;
  if (elapsed >= MINUTE_MS) {
    const minutes = Math.floor(elapsed / MINUTE_MS);
    w = { startedAt: w.startedAt + minutes * MINUTE_MS, current: 0, previous: minutes === 1 ? w.current : 0 };
    elapsed -= minutes * MINUTE_MS;
  }
  const left = MINUTE_MS - elapsed; // of the current window
  if ((w.previous * left) / MINUTE_MS + w.current + 1 <= perMinute) {
    w.current++;
    return { window: w, allowed: true, retryAfter: 0 };
  }
  // Refused: wait until the previous minute's weight has fallen enough, or, if this minute alone
  // is at the limit, into the next window until this one's weight has.
  const wait =
    w.current + 1 <= perMinute ? left - (MINUTE_MS * (perMinute - 1 - w.current)) / w.previous : left + MINUTE_MS * (1 - (perMinute - 1) / w.current);
  return { window: w, allowed: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
}

/**
 * Request counting per key (a principal, an IP) in sliding one-minute windows (countHit), in this
 * process's memory: two counters per key, O(1) a hit. (@nestjs/throttler's storage, used here before, keeps a
 * timestamp per hit and filters them all on every hit: at the per-principal limit of 60,000 a
 * minute that was 3 % of the service's CPU under load; see test/bench/README.md.) Behind several
 * processes each counts its own share.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), MINUTE_MS).unref();

  /** Counts one hit; over the limit: 429 RATE_LIMITED with `retryAfter` (ProblemFilter sends it as Retry-After). */
  async hit(key: string, perMinute: number, what: string, now = Date.now()): Promise<void> {
    const { window, allowed, retryAfter } = countHit(this.windows.get(key), now, perMinute);
    this.windows.set(key, window);
    if (allowed) return;
    throw new ProblemException(429, 'RATE_LIMITED', `too many ${what}; retry after ${retryAfter} s`, { retryAfter });
  }

  /** Forgets keys not seen for two minutes (their counts no longer matter). */
  sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= 2 * MINUTE_MS) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
