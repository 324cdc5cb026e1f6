import { apiKey, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// API.md "Conventions": Idempotency-Key on every POST that creates something.
describe("Idempotency-Key on the quota's creating POSTs", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });
  afterAll(() => t.close());

  it('a replayed paper collection consumes the quota once and answers the same body', async () => {
    const { taxId, token } = await registerTaxpayer(t, { riskLevel: 'medium' });
    const body = { invoiceKind: 'paper_special', count: 10, maxAmountPerInvoice: '10000.00' };
    const first = await t.http(token).post(`/v1/taxpayers/${taxId}/paper-collections`).set('Idempotency-Key', 'collect-1').send(body).expect(201);
    const again = await t.http(token).post(`/v1/taxpayers/${taxId}/paper-collections`).set('Idempotency-Key', 'collect-1').send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(first.body.quota.used).toBe('100000.00');
    const quota = await t.http(token).get(`/v1/taxpayers/${taxId}/quota`).expect(200);
    expect(quota.body.used).toBe('100000.00');
    const reused = await t
      .http(token)
      .post(`/v1/taxpayers/${taxId}/paper-collections`)
      .set('Idempotency-Key', 'collect-1')
      .send({ ...body, count: 11 })
      .expect(409);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('applications, objections and officer adjustments replay too', async () => {
    const { taxId, token } = await registerTaxpayer(t);
    const officer = await apiKey(t, 'tax_officer');
    const cases = [
      { token, url: `/v1/taxpayers/${taxId}/quota/applications`, body: { requestedTotal: '9000000.00', reason: '业务增长' } },
      { token, url: `/v1/taxpayers/${taxId}/quota/objections`, body: { reason: '额度偏低' } },
      {
        token: officer,
        url: `/v1/taxpayers/${taxId}/quota/adjustments`,
        body: { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: '人工调整' },
      },
    ];
    for (const c of cases) {
      const first = await t.http(c.token).post(c.url).set('Idempotency-Key', `k-${c.url}`).send(c.body).expect(201);
      const again = await t.http(c.token).post(c.url).set('Idempotency-Key', `k-${c.url}`).send(c.body).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
    }
    const applications = await t.http(token).get('/v1/quota/applications').expect(200);
    expect(applications.body.items).toHaveLength(1);
    const objections = await t.http(token).get(`/v1/taxpayers/${taxId}/quota/objections`).expect(200);
    expect(objections.body.items).toHaveLength(1);
    const ledger = await t.http(token).get(`/v1/taxpayers/${taxId}/quota/2023-07/ledger`).expect(200);
    expect(ledger.body.items.filter((e: { kind: string }) => e.kind === 'manual')).toHaveLength(1);
  });
});
