/**
 * The one source of "now" for domain code. `EINVOICE_CLOCK=manual` swaps in a clock that
 * stands still until an admin sets it (modelled on Stripe's test clocks), so tests can stand
 * on 2023-07-31T23:59:59+08:00.
 */
export abstract class Clock {
  abstract now(): Date;
  abstract readonly mode: 'system' | 'manual';
}

export class SystemClock extends Clock {
  readonly mode = 'system' as const;
  now(): Date {
    return new Date();
  }
}

/**
 * The manual clock's value in this process. With several processes on one database the value is
 * kept in the database (SharedManualClock, clock.module.ts) and this copy refreshed from it before
 * every request; `now()` stays synchronous.
 */
export class ManualClock extends Clock {
  readonly mode = 'manual' as const;
  private current: number;

  constructor(start: Date = new Date()) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date): void {
    this.current = instant.getTime();
  }
}
