import { Injectable } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Response } from 'express';
import { ProblemException } from './problem';

const MINUTE_MS = 60_000;

/**
 * Fixed-window request counting per key (a principal, an IP), in this process's memory, kept by
 * @nestjs/throttler's storage. Behind several processes each counts its own share.
 */
@Injectable()
export class RateLimiter {
  private readonly storage = new ThrottlerStorageService();

  /** Counts one hit; over the limit: 429 RATE_LIMITED with Retry-After. */
  async hit(key: string, perMinute: number, res: Response | undefined, what: string): Promise<void> {
    const { totalHits, timeToExpire } = await this.storage.increment(key, MINUTE_MS, perMinute, 0, 'default');
    if (totalHits <= perMinute) return;
    const retryAfter = Math.max(1, Math.ceil(timeToExpire));
    res?.setHeader('Retry-After', String(retryAfter));
    throw new ProblemException(429, 'RATE_LIMITED', `too many ${what}; retry after ${retryAfter} s`, { retryAfter });
  }

  onModuleDestroy(): void {
    this.storage.onApplicationShutdown();
  }
}
