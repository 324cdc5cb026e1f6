import { consumerInvoice } from '../support/drivers';
import { registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// SPEC 3, "The 20-digit number": "YY PP C SSSSSSSSSSSSSSS ... 6-20 a sequence. Numbers are unique
// forever and never reused. Gaps are allowed (the platform does not promise gap-free numbering)".
// Gaps are allowed, not made on purpose: the quota decides an invoice before it takes a number
// (SPEC 4), so a refusal (422 QUOTA_EXCEEDED) takes none, and the next accepted invoice gets the
// number the refused one would have had.
const invoiceOf = (amount: string) => consumerInvoice(amount);

const sequenceOf = (number: string) => BigInt(number.slice(5));

describe('a refused issue takes no invoice number (SPEC 3, SPEC 4)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });
  afterAll(() => t.close());

  it('single issues: accepted, refused, accepted leave consecutive numbers', async () => {
    // Medium risk: no temporary adjustment, so 600.00 of 1,000.00 leaves room for 300.00, not 600.00.
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '1000.00' }, '33');
    const first = await t.http(seller.token).post('/v1/invoices').send(invoiceOf('600.00'));
    expect(first.status).toBe(201);
    const refused = await t.http(seller.token).post('/v1/invoices').send(invoiceOf('600.00'));
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('QUOTA_EXCEEDED');
    const second = await t.http(seller.token).post('/v1/invoices').send(invoiceOf('300.00'));
    expect(second.status).toBe(201);
    expect(second.body.number.slice(0, 5)).toBe(first.body.number.slice(0, 5));
    expect(sequenceOf(second.body.number)).toBe(sequenceOf(first.body.number) + 1n);
    const ledger = await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2023-07/ledger`).expect(200);
    expect(ledger.body.items.filter((e: { kind: string }) => e.kind === 'issue').map((e: { ref: string }) => e.ref)).toEqual([
      first.body.number,
      second.body.number,
    ]);
  });

  it('a batch: the refused item between two accepted ones takes no number', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '1000.00' }, '34');
    const res = await t
      .http(seller.token)
      .post('/v1/invoices/batch')
      .send({ invoices: [invoiceOf('600.00'), invoiceOf('600.00'), invoiceOf('300.00')] })
      .expect(200);
    const [a, refused, b] = res.body.results;
    expect(refused.error.code).toBe('QUOTA_EXCEEDED');
    expect(sequenceOf(b.number)).toBe(sequenceOf(a.number) + 1n);
    // And the next single issue continues the sequence: nothing was held back.
    const next = await t.http(seller.token).post('/v1/invoices').send(invoiceOf('100.00')).expect(201);
    expect(sequenceOf(next.body.number)).toBe(sequenceOf(b.number) + 1n);
  });
});
