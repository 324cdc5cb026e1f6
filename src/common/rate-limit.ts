import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { ProblemException } from './problem';

const MINUTE_MS = 60_000;

interface Window {
  startedAt: number;
  hits: number;
}

/**
 * Fixed one-minute windows: whether the hit is allowed, the window's state after it, and the
 * seconds until the window ends. Pure, for the table tests.
 */
export function countHit(window: Window | undefined, now: number, perMinute: number): { window: Window; allowed: boolean; retryAfter: number } {
  const current = window && now - window.startedAt < MINUTE_MS ? window : { startedAt: now, hits: 0 };
  current.hits++;
  return { window: current, allowed: current.hits <= perMinute, retryAfter: Math.max(1, Math.ceil((current.startedAt + MINUTE_MS - now) / 1000)) };
}

/**
 * Request counting per key (a principal, an IP) in fixed one-minute windows, in this process's
 * memory: one counter per key, O(1) a hit. (@nestjs/throttler's storage, used here before, keeps a
 * timestamp per hit and filters them all on every hit: at the per-principal limit of 60,000 a
 * minute that was 3 % of the service's CPU under load; see test/bench/README.md.) Behind several
 * processes each counts its own share.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), MINUTE_MS).unref();

  /** Counts one hit; over the limit: 429 RATE_LIMITED with Retry-After. */
  async hit(key: string, perMinute: number, res: Response | undefined, what: string, now = Date.now()): Promise<void> {
    const { window, allowed, retryAfter } = countHit(this.windows.get(key), now, perMinute);
    this.windows.set(key, window);
    if (allowed) return;
    res?.setHeader('Retry-After', String(retryAfter));
    throw new ProblemException(429, 'RATE_LIMITED', `too many ${what}; retry after ${retryAfter} s`, { retryAfter });
  }

  /** Forgets windows that have ended (a key seen once must not be kept forever). */
  sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= MINUTE_MS) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
