import { EventLoopUtilization, performance } from 'node:perf_hooks';

/**
 * How long a background step must wait, given how busy the event loop has been. Pure, for the
 * table tests.
 * - `utilization`: the share of the last measuring window the event loop spent running code
 *   (Node's event-loop utilization, 0..1);
 * - below `busy`, the process has room: no wait;
 * - at or above it, requests come first: background steps are spaced `1000 / floorPerSecond` ms
 *   apart (counted from the last one admitted), so they never starve.
 */
export function backgroundWait(utilization: number, busy: number, floorPerSecond: number, now: number, lastAdmittedAt: number): number {
  if (utilization < busy) return 0;
  const spacing = 1000 / Math.max(floorPerSecond, 0.001);
  return Math.max(0, lastAdmittedAt + spacing - now);
}

/**
 * Background work (webhook fan-out and deliveries) yields to request handling in this process:
 * while the event loop is busier than `busy`, each background step waits its turn
 * (`backgroundWait`), at least `floorPerSecond` steps a second still go, and requests are never
 * queued behind it. Once the load falls, the background runs freely again and catches up; the
 * outbox keeps what waits. Utilization is measured over windows of `windowMs`.
 */
export class ForegroundFirst {
  private previous: Pick<EventLoopUtilization, 'idle' | 'active'>;
  private measuredAt: number;
  private utilization = 0;
  private lastAdmittedAt = -Infinity;
  private readonly sample: () => Pick<EventLoopUtilization, 'idle' | 'active'>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly threshold: number,
    private readonly floorPerSecond: number,
    private readonly windowMs = 250,
    /** Cumulative idle and active milliseconds of the event loop, the clock and the wait: Node's own, or a test's. */
    io: { sample?: () => Pick<EventLoopUtilization, 'idle' | 'active'>; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.sample = io.sample ?? (() => performance.eventLoopUtilization());
    this.now = io.now ?? Date.now;
    this.sleep = io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
    this.previous = this.sample();
    this.measuredAt = this.now();
  }

  /** The utilization of the last complete window (measured again at most once per window). */
  current(): number {
    const now = this.now();
    if (now - this.measuredAt >= this.windowMs) {
      const sample = this.sample();
      const active = sample.active - this.previous.active;
      const idle = sample.idle - this.previous.idle;
      this.utilization = active + idle > 0 ? active / (active + idle) : 0;
      this.previous = sample;
      this.measuredAt = now;
    }
    return this.utilization;
  }

  /** Whether the last window was busy (background steps are being spaced). */
  busy(): boolean {
    return this.current() >= this.threshold;
  }

  /** Resolves when a background step may run (at once when the process is not busy); `stopped` ends the wait early. */
  async admit(stopped: () => boolean = () => false): Promise<void> {
    for (;;) {
      const utilization = this.current();
      const now = this.now();
      const wait = backgroundWait(utilization, this.threshold, this.floorPerSecond, now, this.lastAdmittedAt);
      if (wait <= 0 || stopped()) {
        this.lastAdmittedAt = now;
        return;
      }
      await this.sleep(Math.min(wait, this.windowMs));
    }
  }
}
