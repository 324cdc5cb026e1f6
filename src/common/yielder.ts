/**
 * Long synchronous work (validating and drafting a batch of 1,000 invoices of up to 2,000 lines)
 * split into slices, so that the event loop answers other requests in between (issue 11 item 10).
 * `tick(cost)` adds the cost of the work just done; once a slice's budget is spent it waits for
 * the next turn of the event loop (setImmediate: after pending I/O), then starts a new slice.
 */
export class Yielder {
  private spent = 0;

  constructor(private readonly budget: number) {}

  async tick(cost: number): Promise<void> {
    this.spent += cost;
    if (this.spent < this.budget) return;
    this.spent = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
