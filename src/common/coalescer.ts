/** The outcome of one submitted item. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

interface Lane<T, R> {
  queue: Waiting<T, R>[];
  busy: boolean;
}

/** A lane already has as many items waiting as it may hold. */
export class LaneFull extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} items are waiting in this lane`);
  }
}

/** FNV-1a: a cheap, stable spread of keys over lanes. */
export function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/**
 * Group commit. Items are submitted under a key; each key always goes to the same lane, and a lane
 * runs one group at a time: what arrives while it is busy waits and is run together next, up to
 * `maxGroup` items a group. An idle lane starts on the next turn of the event loop, so the
 * requests of one burst share a group; under load groups grow by themselves, and a lone request
 * waits for nobody. `run` answers every item of the group in order (it should not throw; if it
 * does, every item of the group gets the error). A lane holds at most `maxWaiting` items besides
 * the group it runs; one more is refused at once with LaneFull (load shedding: memory and waits
 * stay bounded when calls arrive faster than they can be committed).
 */
export class Coalescer<T, R> {
  private readonly lanes: Lane<T, R>[];

  constructor(
    lanes: number,
    private readonly maxGroup: number,
    private readonly run: (items: T[]) => Promise<Settled<R>[]>,
    private readonly maxWaiting = Infinity,
  ) {
    this.lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false }));
  }

  submit(key: string, item: T): Promise<R> {
    const lane = this.lanes[laneOf(key, this.lanes.length)];
    if (lane.queue.length >= this.maxWaiting) return Promise.reject(new LaneFull(lane.queue.length));
    return new Promise<R>((resolve, reject) => {
      lane.queue.push({ item, resolve, reject });
      if (!lane.busy) {
        lane.busy = true;
        setImmediate(() => void this.drain(lane));
      }
    });
  }

  private async drain(lane: Lane<T, R>): Promise<void> {
    while (lane.queue.length > 0) {
      const group = lane.queue.splice(0, this.maxGroup);
      let outcomes: Settled<R>[] = [];
      try {
        outcomes = await this.run(group.map((w) => w.item));
      } catch (error) {
        outcomes = group.map(() => ({ ok: false, error }));
      }
      group.forEach((w, i) => {
        const outcome = Array.isArray(outcomes) ? outcomes[i] : undefined;
        if (!outcome) w.reject(new Error('the group answered fewer items than it was given'));
        else if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.error);
      });
    }
    lane.busy = false;
  }
}
