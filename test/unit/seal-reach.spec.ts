import { classifyUnsealed, eventWindow, idFloor, idTime, LOOKBACK_MS, reachOf } from '../../src/audit/seal-reach';
import { timeOrderedId } from '../../src/audit/audit.service';

// The sealer's reach and the events a verification run answers for (issue 17 item 4, issue 11
// item 15): src/audit/seal-reach.ts.
const T = Date.parse('2026-12-01T03:00:00Z');
const MIN = 60_000;
const id = (ms: number) => timeOrderedId(ms);

describe('event ids and the sealer reach', () => {
  it.each([
    ['an id made at T', T],
    ['the epoch', 0],
    ['the largest 48-bit time', 2 ** 48 - 1],
  ])('idTime reads back the time of %s, and idFloor is a prefix no later id sorts below', (_what, ms) => {
    const made = id(ms);
    expect(idTime(made)).toBe(ms);
    expect(made.startsWith(idFloor(ms))).toBe(true);
    expect(idFloor(ms) <= made).toBe(true);
    if (ms > 0) expect(id(ms - 1) < idFloor(ms)).toBe(true);
  });

  it('idFloor of a time before the epoch is the epoch', () => {
    expect(idFloor(-5)).toBe('00000000-0000');
  });

  it.each([
    ['an empty chain: every id', null, ''],
    ['LOOKBACK_MS before the head event', id(T), idFloor(T - LOOKBACK_MS)],
    ['never below the epoch', id(MIN), idFloor(0)],
  ])('reachOf: %s', (_what, head, reach) => {
    expect(reachOf(head)).toBe(reach);
  });

  it('the lookback is five minutes', () => {
    expect(LOOKBACK_MS).toBe(5 * MIN);
  });
});

describe('eventWindow: the events a run answers for', () => {
  const c = id(T); // the checkpoint's link
  const p = id(T + 20 * MIN); // the link the run got to
  it.each([
    ['first run, short of the head: from the first event to the reach of its last link', null, p, false, { from: '', below: idFloor(T + 15 * MIN) }],
    ['first run, at the head: every event', null, p, true, { from: '', below: null }],
    ['from a checkpoint, short of the head', c, p, false, { from: idFloor(T - 5 * MIN), below: idFloor(T + 15 * MIN) }],
    ['from a checkpoint, at the head: to the last event', c, p, true, { from: idFloor(T - 5 * MIN), below: null }],
    ['no link verified yet, at the head', c, c, true, { from: idFloor(T - 5 * MIN), below: null }],
    ['the later link holds the older event (a late commit sealed): empty', p, c, false, { from: idFloor(T + 15 * MIN), below: idFloor(T - 5 * MIN) }],
  ])('%s', (_what, from, to, head, window) => {
    expect(eventWindow(from, to, head)).toEqual(window);
  });

  it('successive windows meet: the next run starts where this one ended, leaving no id between', () => {
    const links = [T, T + 7 * MIN, T + 30 * MIN, T + 31 * MIN].map(id);
    const windows = links.slice(1).map((to, i) => eventWindow(i === 0 ? null : links[i], to, false));
    for (let i = 1; i < windows.length; i++) expect(windows[i].from).toBe(windows[i - 1].below);
  });
});

describe('classifyUnsealed', () => {
  const headReach = idFloor(T);
  const checkpointReach = idFloor(T + 10 * MIN);
  it.each([
    ['below the head reach: never to be sealed', T - 1, 'overdue'],
    ['a day back', T - 24 * 60 * MIN, 'overdue'],
    ['at the head reach: the sealer still looks at it', T, 'behind'],
    ['below the reach of the link a checkpoint would be at', T + 10 * MIN - 1, 'behind'],
    ['at that reach: the next run looks at it again', T + 10 * MIN, 'pending'],
    ['newer', T + 60 * MIN, 'pending'],
  ])('%s', (_what, ms, kind) => {
    expect(classifyUnsealed(id(ms), headReach, checkpointReach)).toBe(kind);
  });

  it('with a checkpoint reach below the head reach (the usual case) nothing is behind', () => {
    expect(classifyUnsealed(id(T + MIN), idFloor(T + 5 * MIN), idFloor(T))).toBe('overdue');
    expect(classifyUnsealed(id(T + 6 * MIN), idFloor(T + 5 * MIN), idFloor(T))).toBe('pending');
  });
});
