import { Yielder } from '../../src/common/yielder';

/** Issue 11 item 10: a large batch is validated in slices, and other work runs between them. */
describe('Yielder', () => {
  it('lets the event loop run other callbacks once a slice budget is spent, not before', async () => {
    const yielder = new Yielder(10);
    let other = 0;
    setImmediate(() => other++);
    await yielder.tick(4);
    await yielder.tick(5);
    expect(other).toBe(0); // 9 of 10: still the same slice, nothing else ran
    await yielder.tick(1);
    expect(other).toBe(1); // budget spent: the pending callback ran before work went on
  });

  it.each([
    [100, [30, 30, 30, 30, 30], 1],
    [100, [250], 1],
    [50, [20, 20, 20, 20, 20, 20], 2],
  ])('with a budget of %d, costs %j yield %d time(s)', async (budget, costs, expected) => {
    const yielder = new Yielder(budget);
    let turns = 0;
    for (const cost of costs) {
      let ran = false;
      setImmediate(() => (ran = true));
      await yielder.tick(cost);
      if (ran) turns++;
      await new Promise<void>((resolve) => setImmediate(resolve)); // drain what this round scheduled
    }
    expect(turns).toBe(expected);
  });
});
