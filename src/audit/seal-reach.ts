/**
 * The sealer's reach over event ids, and which events a verification answers for (pure rules).
 *
 * Event ids are time-ordered (timeOrderedId(): 48 bits of milliseconds first), and the sealer
 * (AuditChainService.seal) appends the committed, unlinked events with ids from its reach on, in
 * id order, where its reach is LOOKBACK_MS before the event of the chain's newest link. An
 * unlinked event below the reach of the chain's head will never be sealed: it is overdue (a
 * back-dated or forged row).
 */

/** How far back (real time) the sealer looks, before its newest link's event, for events committed after later ones. */
export const LOOKBACK_MS = 5 * 60_000;

/** The time an id from timeOrderedId() was made, in ms. */
export const idTime = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** The smallest id made at `ms` or later (a prefix: every such id compares >= it). */
export function idFloor(ms: number): string {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

/** The sealer's reach while `eventId` is the event of the chain's newest link ('' for an empty chain: every id). */
export function reachOf(eventId: string | null): string {
  return eventId === null ? '' : idFloor(idTime(eventId) - LOOKBACK_MS);
}

/** Event ids from `from` (inclusive) to `below` (exclusive; null: to the last event). */
export interface EventWindow {
  from: string;
  below: string | null;
}

/**
 * The events a verification run answers for, when it started after the link whose event is
 * `fromEventId` (null: from the first link) and verified the links up to the one whose event is
 * `toEventId`:
 * - from the reach of its starting link: the run that recorded that checkpoint answered for every
 *   event below it (and the first run starts at the first event);
 * - up to the reach of the link it got to (exclusive), which is where the next run, starting from
 *   a checkpoint there, will begin: the windows of successive runs meet, so no event id is left
 *   between them. A run that reached the chain's head also looks at every event above, to count
 *   those still pending.
 * A window whose end lies below its start (the later link's event is the older one: the sealer
 * sealed a late commit) is empty; the next run starts lower, so nothing is skipped.
 */
export function eventWindow(fromEventId: string | null, toEventId: string | null, reachedHead: boolean): EventWindow {
  return { from: reachOf(fromEventId), below: reachedHead ? null : reachOf(toEventId) };
}

/**
 * An unsealed event in a run's window:
 * - `overdue`: below the reach of the chain's head now, so it will never be sealed: a failure;
 * - `behind`: below the reach of the link the run got to, so a run starting from a checkpoint
 *   there would not look at it again: the run records no checkpoint (it is not a failure: the
 *   sealer can still seal it);
 * - `pending`: the sealer will get to it, and the next run looks at it again.
 */
export function classifyUnsealed(id: string, headReach: string, checkpointReach: string): 'overdue' | 'behind' | 'pending' {
  if (id < headReach) return 'overdue';
  if (id < checkpointReach) return 'behind';
  return 'pending';
}
