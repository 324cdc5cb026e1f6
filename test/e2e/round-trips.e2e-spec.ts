import { consumerInvoice as invoice } from '../support/drivers';
import { registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// Issue 3: "POST /v1/invoices/batch: up to 1,000 invoices in one call ... in far fewer database
// round trips than 1,000 single calls". Counted at the query runner, which every statement passes.
describe('database round trips', () => {
  let t: TestApp;
  let spy: jest.SpyInstance;
  beforeAll(async () => {
    t = await startApp();
    await setClock(t, '2023-07-20T09:00:00+08:00');
    const runner = t.dataSource.createQueryRunner();
    spy = jest.spyOn(Object.getPrototypeOf(runner), 'query');
    await runner.release();
  });
  afterAll(async () => {
    spy.mockRestore();
    await t.close();
  });

  async function count(work: () => Promise<unknown>): Promise<number> {
    spy.mockClear();
    await work();
    return spy.mock.calls.length;
  }

  it('a batch of 200 costs a small fraction of 200 single issues', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium' });
    await t.http(seller.token).post('/v1/invoices').send(invoice('1.00')).expect(201); // warm: month row, number block
    const single = await count(() => t.http(seller.token).post('/v1/invoices').send(invoice('1.00')).expect(201));
    const batch = await count(async () => {
      const res = await t
        .http(seller.token)
        .post('/v1/invoices/batch')
        .send({ invoices: Array.from({ length: 200 }, () => invoice('1.00')) })
        .expect(200);
      expect(res.body.results.filter((r: { number?: string }) => r.number)).toHaveLength(200);
    });
    expect(single).toBeGreaterThan(3);
    expect(batch).toBeLessThan((single * 200) / 20);
  });
});
