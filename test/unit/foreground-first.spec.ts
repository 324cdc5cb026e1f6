import { backgroundWait, ForegroundFirst } from '../../src/common/foreground-first';

/** Issue 16: "a slow or dead endpoint never delays issuing": background delivery work yields to requests. */
describe('backgroundWait', () => {
  it.each([
    // utilization, busy, floor per second, now, last admitted, expected wait (ms)
    [0.1, 0.6, 20, 10_000, 9_999, 0], // idle process: no wait, however recent the last step
    [0.59, 0.6, 20, 10_000, 9_999, 0],
    [0.6, 0.6, 20, 10_000, 9_999, 49], // busy: steps 50 ms apart (20 a second)
    [0.95, 0.6, 20, 10_000, 9_950, 0], // the spacing has passed: the floor admits it
    [0.95, 0.6, 20, 10_000, 9_900, 0],
    [0.95, 0.6, 1, 10_000, 9_500, 500], // one a second
    [1, 0.6, 0, 10_000, 9_999, 999_999], // a floor of 0 is taken as almost nothing, never a division by zero
  ])('utilization %p, busy %p, floor %p/s: wait %p ms', (utilization, busy, floor, now, last, expected) => {
    expect(backgroundWait(utilization, busy, floor, now, last)).toBe(expected);
  });
});

describe('ForegroundFirst', () => {
  /** A fake event loop and clock: cumulative active and idle milliseconds, and a time that only sleeping advances. */
  const fake = (activeShare: () => number) => {
    const state = { active: 0, idle: 0, now: 1_000_000, slept: [] as number[] };
    const io = {
      sample: () => ({ active: state.active, idle: state.idle }),
      now: () => state.now,
      sleep: async (ms: number) => {
        state.slept.push(ms);
        state.now += ms;
        state.active += ms * activeShare();
        state.idle += ms * (1 - activeShare());
      },
    };
    return { state, io };
  };

  it('measures the utilization of the last window from the cumulative samples', () => {
    const { state, io } = fake(() => 0);
    const gate = new ForegroundFirst(0.6, 10, 100, io);
    state.active += 80;
    state.idle += 20;
    state.now += 100;
    expect(gate.current()).toBeCloseTo(0.8);
    state.active += 10;
    state.idle += 90;
    state.now += 50;
    expect(gate.current()).toBeCloseTo(0.8); // the window is not over: the last figure stands
    state.now += 50;
    expect(gate.current()).toBeCloseTo(0.1);
  });

  it('admits at once while the loop is idle', async () => {
    const { state, io } = fake(() => 0.1);
    const gate = new ForegroundFirst(0.6, 20, 10, io);
    for (let i = 0; i < 100; i++) await gate.admit();
    expect(state.slept).toEqual([]);
  });

  it('while the loop is busy, spaces steps at the floor rate: never starved, never more', async () => {
    const { state, io } = fake(() => 0.9);
    const gate = new ForegroundFirst(0.6, 20, 10, io);
    state.active += 10; // the first window is busy
    state.now += 10;
    const t0 = state.now;
    for (let i = 0; i < 5; i++) await gate.admit();
    expect(state.now - t0).toBe(4 * 50); // five steps at 20 a second: four spacings of 50 ms
  });

  it('a stopped dispatcher is let through at once', async () => {
    const { state, io } = fake(() => 1);
    const gate = new ForegroundFirst(0.6, 0.001, 10, io);
    state.active += 10;
    state.now += 10;
    await gate.admit();
    await gate.admit(() => true); // would otherwise wait about 1,000 s
    expect(state.slept).toEqual([]);
  });
});
