import {
  bootApp,
  buyer as newBuyer,
  expectStatus,
  goodsLine,
  invoiceBody,
  issueOk,
  Json,
  officerKey,
  parties,
  Party,
  seller as newSeller,
} from '../support/drivers';
import { expectProblem } from '../support/problems';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, taxpayerBody, TestApp } from '../support/test-app';

// Issue 11, items 4, 5, 13 and 14. API.md "Conventions": the same Idempotency-Key and body from
// the same principal answers the first response. Ten CONCURRENT identical requests must make one
// object and ten answers with the route's success status (the first, and nine replays of it):
// never a refusal caused by the first one's own change.

const TEN = 10;
/** One office-goods line of 1000.00 at 13%. */
const GOODS = [goodsLine('1000.00')];

describe('Idempotency-Key under concurrency, on every creating POST (issue 11, items 4-5)', () => {
  let t: TestApp;
  let officer: string;
  let n = 0;

  beforeAll(async () => {
    t = await bootApp();
    officer = await officerKey(t);
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[]) => Number((await t.dataSource.query(sql, params))[0].c);
  const seller = () => newSeller(t);
  const buyer = () => newBuyer(t);
  const blueBody = (b: Party): Json => invoiceBody(b, { lines: GOODS });

  /** TEN identical requests at once under one key: every answer has `status`; answers the bodies. */
  async function burst(token: string, url: string, body: Json, status = 201): Promise<Json[]> {
    const key = `burst-${++n}-${url}`;
    const answers = await Promise.all(Array.from({ length: TEN }, () => t.http(token).post(url).set('Idempotency-Key', key).send(body)));
    const statuses = answers.map((a) => a.status);
    if (!statuses.every((s) => s === status))
      throw new Error(`${url}: expected ${TEN} x ${status}, got ${statuses.join(' ')}: ${JSON.stringify(answers.find((a) => a.status !== status)!.body)}`);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(TEN - 1);
    return answers.map((a) => a.body);
  }
  const allSame = (bodies: Json[]) => bodies.forEach((b) => expect(b).toEqual(bodies[0]));

  it('POST /v1/red-confirmations and .../red-invoice: one slip, one red', async () => {
    const [s, b] = [await seller(), await buyer()];
    const blue = await issueOk(t, s, blueBody(b));
    const slips = await burst(s.token, '/v1/red-confirmations', { blueInvoiceNumber: blue.number, reason: '01' });
    allSame(slips);
    expect(await count('SELECT COUNT(*) AS c FROM red_confirmations WHERE blue_number = ?', [blue.number])).toBe(1);
    const reds = await burst(s.token, `/v1/red-confirmations/${slips[0].id}/red-invoice`, {});
    allSame(reds);
    expect(await count('SELECT COUNT(*) AS c FROM invoices WHERE blue_number = ?', [blue.number])).toBe(1);
    expect(await count("SELECT COUNT(*) AS c FROM quota_ledger WHERE taxpayer_id = ? AND kind = 'red_restore'", [s.taxId])).toBe(1);
  });

  it('POST /v1/invoices: one invoice', async () => {
    const [s, b] = [await seller(), await buyer()];
    allSame(await burst(s.token, '/v1/invoices', blueBody(b)));
    expect(await count('SELECT COUNT(*) AS c FROM invoices WHERE seller_tax_id = ?', [s.taxId])).toBe(1);
  });

  it('POST /v1/users: one user', async () => {
    const username = `burst.user.${Date.now().toString(36)}`;
    allSame(await burst(ADMIN_TOKEN, '/v1/users', { username, password: 'correct horse battery', role: 'tax_officer' }));
    expect(await count('SELECT COUNT(*) AS c FROM users WHERE username = ?', [username])).toBe(1);
  });

  it('POST /v1/api-keys: one key; the token is in the first answer only, the replays show the same key with token null', async () => {
    const name = `burst key ${Date.now().toString(36)}`;
    const bodies = await burst(ADMIN_TOKEN, '/v1/api-keys', { name, role: 'tax_officer' });
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    const withToken = bodies.filter((b) => typeof b.token === 'string');
    expect(withToken).toHaveLength(1);
    for (const b of bodies) expect({ ...b, token: null }).toEqual({ ...withToken[0], token: null });
    expect(await count('SELECT COUNT(*) AS c FROM api_keys WHERE name = ?', [name])).toBe(1);
    expectStatus(await t.http(withToken[0].token).get('/v1/auth/me'), 200);
  });

  it('POST /v1/api-keys sent twice in a row with one key makes one key (item 5)', async () => {
    const name = `twice ${Date.now().toString(36)}`;
    const first = expectStatus(await t.http(ADMIN_TOKEN).post('/v1/api-keys').set('Idempotency-Key', `twice-${name}`).send({ name, role: 'auditor' }), 201);
    const again = await t.http(ADMIN_TOKEN).post('/v1/api-keys').set('Idempotency-Key', `twice-${name}`).send({ name, role: 'auditor' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual({ ...first, token: null });
    expect(await count('SELECT COUNT(*) AS c FROM api_keys WHERE name = ?', [name])).toBe(1);
  });

  it('POST /v1/taxpayers: one taxpayer', async () => {
    const taxId = makeTaxId('22');
    allSame(await burst(ADMIN_TOKEN, '/v1/taxpayers', taxpayerBody(taxId)));
    expect(await count('SELECT COUNT(*) AS c FROM taxpayers WHERE tax_id = ?', [taxId])).toBe(1);
  });

  it("the quota's POSTs: one application, one objection, one adjustment, one filing, one collection", async () => {
    const s = await seller();
    allSame(await burst(s.token, `/v1/taxpayers/${s.taxId}/quota/applications`, { requestedTotal: '9000000.00', reason: '业务增长' }));
    expect(await count('SELECT COUNT(*) AS c FROM quota_applications WHERE taxpayer_id = ?', [s.taxId])).toBe(1);
    allSame(await burst(s.token, `/v1/taxpayers/${s.taxId}/quota/objections`, { reason: '额度偏低' }));
    expect(await count('SELECT COUNT(*) AS c FROM quota_objections WHERE taxpayer_id = ?', [s.taxId])).toBe(1);
    allSame(
      await burst(officer, `/v1/taxpayers/${s.taxId}/quota/adjustments`, { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: '人工调整' }),
    );
    expect(await count("SELECT COUNT(*) AS c FROM quota_ledger WHERE taxpayer_id = ? AND kind = 'manual'", [s.taxId])).toBe(1);
    allSame(await burst(s.token, `/v1/taxpayers/${s.taxId}/vat-filings`, { period: '2023-06' }));
    expect(await count('SELECT COUNT(*) AS c FROM vat_filings WHERE taxpayer_id = ?', [s.taxId])).toBe(1);
    allSame(await burst(s.token, `/v1/taxpayers/${s.taxId}/paper-collections`, { invoiceKind: 'paper_special', count: 10, maxAmountPerInvoice: '10000.00' }));
    expect(await count('SELECT COUNT(*) AS c FROM paper_collections WHERE taxpayer_id = ?', [s.taxId])).toBe(1);
    expect(await count("SELECT COUNT(*) AS c FROM quota_ledger WHERE taxpayer_id = ? AND kind = 'paper_collection'", [s.taxId])).toBe(1);
  });

  it('POST /v1/quota/periodic-runs: ten 200s with one answer, one run recorded', async () => {
    allSame(await burst(officer, '/v1/quota/periodic-runs', { period: '2023-07' }, 200));
    expect(await count("SELECT COUNT(*) AS c FROM audit_events WHERE action = 'quota.periodic_run'", [])).toBe(1);
  });

  it('POST /v1/invoices/{n}/deliveries: one delivery; every replay is the answer given (sent), not the pending record', async () => {
    const [s, b] = [await seller(), await buyer()];
    const blue = await issueOk(t, s, blueBody(b));
    const bodies = await burst(s.token, `/v1/invoices/${blue.number}/deliveries`, { channel: 'email', to: 'ap@example.com' });
    allSame(bodies);
    expect(bodies[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await count('SELECT COUNT(*) AS c FROM deliveries WHERE invoice_number = ?', [blue.number])).toBe(1);
    const later = await t
      .http(s.token)
      .post(`/v1/invoices/${blue.number}/deliveries`)
      .set('Idempotency-Key', `burst-${n}-/v1/invoices/${blue.number}/deliveries`)
      .send({ channel: 'email', to: 'ap@example.com' });
    expect(later.status).toBe(201);
    expect(later.body).toEqual(bodies[0]);
  });
});

describe('hostile input: prototype keys, delivery receipts, control characters (issue 11, items 13-14)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  const raw = (token: string, url: string, json: string) => t.http(token).post(url).set('Content-Type', 'application/json').send(json);

  it.each([
    ['__proto__ at the top', (taxId: string) => `{"__proto__": {"isAdmin": true}, ${JSON.stringify(taxpayerBody(taxId)).slice(1)}`, '__proto__'],
    ['constructor at the top', (taxId: string) => `{"constructor": {"prototype": {"x": 1}}, ${JSON.stringify(taxpayerBody(taxId)).slice(1)}`, 'constructor'],
  ])('%s of a body: 400 VALIDATION_FAILED naming it, nothing created', async (_name, body, field) => {
    const taxId = makeTaxId('22');
    const res = await raw(ADMIN_TOKEN, '/v1/taxpayers', body(taxId));
    expectProblem(res, 400, 'VALIDATION_FAILED', field);
    await t.http(ADMIN_TOKEN).get(`/v1/taxpayers/${taxId}`).expect(404);
  });

  it('__proto__ deep in an invoice line: 400 naming lines[0].__proto__', async () => {
    const [s, b] = await parties(t);
    const json = `{"type":"special","medium":"electronic","buyer":{"taxId":"${b.taxId}","name":"x"},"lines":[{"__proto__":{"amount":"1.00"},"name":"办公用品","taxClassificationCode":"1060512990000000000","categoryShortName":"纸制品","amount":"1000.00","taxRate":"0.13"}],"drawer":"张三"}`;
    expectProblem(await raw(s.token, '/v1/invoices', json), 400, 'VALIDATION_FAILED', 'lines[0].__proto__');
  });

  it("a delivery's receipt names the outbox file, never a server path; control characters in the address are refused", async () => {
    const [s, b] = await parties(t);
    const blue = await issueOk(t, s, invoiceBody(b, { lines: GOODS }));
    const sent = expectStatus(await t.http(s.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'ap@example.com' }), 201);
    expect(sent.status).toBe('sent');
    expect(sent.receipt).toMatch(/^file: \d{20}-[0-9a-f-]{36}\.eml$/);
    const listed = expectStatus(await t.http(s.token).get(`/v1/invoices/${blue.number}/deliveries`), 200);
    expect(listed.items[0].receipt).toBe(sent.receipt);
    for (const to of ['ap@example.com\r\nBcc: x@evil.example', 'a\u0000p@example.com', 'ap@exa\u0007mple.com', 'ap\u0085@example.com']) {
      const res = await t.http(s.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to });
      expectProblem(res, 400, 'VALIDATION_FAILED', 'to');
      expect(JSON.stringify(res.body.errors)).toContain('control characters');
    }
  });
});
