import { formatMoney, parseMoney } from '../../src/common/money';
import { defaultInitialQuota, periodicTotal } from '../../src/quota/rules';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// API.md "Quota"; SPEC section 4 (the monthly quota). Every test states the business time it
// stands on with setClock: the app runs on a manual clock shared by the whole file. Every test
// registers the taxpayers it uses (in a beforeEach or in itself) and builds the state it needs, so
// each runs alone (-t) and in any order (--randomize).

const MONEY = /^-?\d+\.\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CST = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;
const TOTAL_KINDS = ['initial', 'periodic', 'temporary', 'manual'];
const USED_KINDS = ['issue', 'red_restore', 'paper_collection', 'paper_void_restore'];

interface Pilot {
  taxId: string;
  token: string;
}
interface QuotaBody {
  period: string;
  total: string;
  used: string;
  remaining: string;
  available: string;
  inDeclarationWindow: boolean;
  temporaryAdjusted: boolean;
}
interface Entry {
  seq: number;
  at: string;
  kind: string;
  delta: string;
  totalAfter: string;
  usedAfter: string;
  ref: string | null;
}
interface Res {
  status: number;
  body: any;
  headers: Record<string, string>;
}

/** What the policy gives, as the API prints it (rules.periodicTotal is the documented policy). */
const policy = (initialQuota: string, riskLevel: 'low' | 'medium' | 'high', creditRating: 'A' | 'B' | 'M' | 'C' | 'D', recentUsed: string[]) =>
  formatMoney(periodicTotal({ initialQuota: parseMoney(initialQuota), riskLevel, creditRating }, recentUsed.map(parseMoney)));

describe('quota', () => {
  let t: TestApp;
  let officer: string;
  /** Every pilot registered on the app `t` (the periodic run counts them). */
  const pilots: string[] = [];
  /** Months with a busy ledger, checked for the ledger invariants after the test that made them. */
  const busy: { who: Pilot; period: string }[] = [];

  beforeAll(async () => {
    t = await startApp();
    officer = await apiKey(t, 'tax_officer');
  });
  afterAll(() => t.close());
  afterEach(async () => {
    for (const { who, period } of busy.splice(0)) await checkLedger(who, period);
  });

  /** A describe whose tests each run on an app of their own (what a periodic run counts is every pilot of the database). */
  function ownAppPerTest() {
    let shared: { t: TestApp; officer: string; pilots: string[] };
    beforeEach(async () => {
      shared = { t, officer, pilots: pilots.splice(0) };
      t = await startApp();
      officer = await apiKey(t, 'tax_officer');
    });
    afterEach(async () => {
      await t.close();
      ({ t, officer } = shared);
      pilots.splice(0, pilots.length, ...shared.pilots);
    });
  }

  // ---------------------------------------------------------------- helpers

  /** Status first, so that a failure prints the problem body. */
  function expectStatus(res: Res, status: number) {
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
  }

  async function pilot(at: string, extra: Record<string, unknown> = {}): Promise<Pilot> {
    await setClock(t, at);
    const { taxId, token } = await registerTaxpayer(t, extra);
    pilots.push(taxId);
    return { taxId, token };
  }

  const invoiceBody = (amount: string, extra: Record<string, unknown> = {}) => ({
    type: 'ordinary',
    buyer: { name: '个人' },
    lines: [{ name: '服务费', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount, taxRate: '0.06' }],
    ...extra,
  });

  const issue = (who: Pilot, amount: string, extra: Record<string, unknown> = {}): Promise<Res> =>
    t.http(who.token).post('/v1/invoices').send(invoiceBody(amount, extra));

  async function issued(who: Pilot, amount: string, extra: Record<string, unknown> = {}) {
    const res = await issue(who, amount, extra);
    expectStatus(res, 201);
    expect(res.body.totalAmount).toBe(amount);
    return res.body as { number: string; issuedAt: string; totalAmount: string };
  }

  async function refused(who: Pilot, amount: string, available?: string) {
    const res = await issue(who, amount);
    expectStatus(res, 422);
    expect(res.body.code).toBe('QUOTA_EXCEEDED');
    expect(res.body.available).toMatch(MONEY);
    if (available !== undefined) expect(res.body.available).toBe(available);
    return res.body;
  }

  async function quota(token: string, taxId: string, period?: string): Promise<QuotaBody> {
    const res = await t.http(token).get(`/v1/taxpayers/${taxId}/quota${period ? `/${period}` : ''}`);
    expectStatus(res, 200);
    return res.body;
  }

  async function ledger(token: string, taxId: string, period: string): Promise<Entry[]> {
    const res = await t.http(token).get(`/v1/taxpayers/${taxId}/quota/${period}/ledger?limit=500`);
    expectStatus(res, 200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items;
  }

  const entry = (e: Partial<Entry>) => expect.objectContaining(e);

  async function fileVat(token: string, taxId: string, period: string): Promise<Res> {
    return t.http(token).post(`/v1/taxpayers/${taxId}/vat-filings`).send({ period });
  }

  async function adjust(taxId: string, body: Record<string, unknown>, token = officer): Promise<Res> {
    return t.http(token).post(`/v1/taxpayers/${taxId}/quota/adjustments`).send(body);
  }

  async function expectProblem(res: Res, status: number, code: string, field?: string) {
    expectStatus(res, status);
    expect(res.body.code).toBe(code);
    if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }

  /** Pages the ledger with limit=2 and checks the chain against the month's quota. */
  async function checkLedger(who: Pilot, period: string) {
    const full = await ledger(officer, who.taxId, period);
    const paged: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Res = await t.http(who.token).get(`/v1/taxpayers/${who.taxId}/quota/${period}/ledger?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expectStatus(res, 200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages <= full.length);
    expect(paged).toEqual(full);
    expect(pages).toBe(Math.max(1, Math.ceil(full.length / 2)));

    expect(full.map((e) => e.seq)).toEqual(full.map((_e, i) => i + 1));
    expect(['initial', 'periodic']).toContain(full[0].kind);
    let total = 0n;
    let used = 0n;
    for (const e of full) {
      expect(e.delta).toMatch(MONEY);
      expect(e.at).toMatch(CST);
      if (TOTAL_KINDS.includes(e.kind)) total += parseMoney(e.delta);
      else if (USED_KINDS.includes(e.kind)) used += parseMoney(e.delta);
      else throw new Error(`unknown ledger kind ${e.kind}`);
      // each entry chains from the previous one by its delta
      expect({ seq: e.seq, totalAfter: e.totalAfter, usedAfter: e.usedAfter }).toEqual({
        seq: e.seq,
        totalAfter: formatMoney(total),
        usedAfter: formatMoney(used),
      });
    }
    const q = await quota(officer, who.taxId, period);
    expect({ total: formatMoney(total), used: formatMoney(used) }).toEqual({ total: q.total, used: q.used });
    expect(q.remaining).toBe(formatMoney(total - used));
    if (!q.inDeclarationWindow) expect(q.available).toBe(formatMoney(total - used > 0n ? total - used : 0n));
    return full;
  }

  // ---------------------------------------------------------------- 1. reading a month

  describe('reading a month', () => {
    let a: Pilot;
    let b: Pilot;
    beforeEach(async () => {
      a = await pilot('2023-07-10T10:00:00+08:00');
      b = await pilot('2023-07-10T10:00:00+08:00');
    });

    // SPEC 4: "The **initial** total is set when the taxpayer is registered"; "**remaining** = total - used".
    // "A taxpayer with no previous month has no window."
    it('the registration month has the initial total, money as two-decimal strings, and no declaration window', async () => {
      await setClock(t, '2023-07-12T09:00:00+08:00');
      const current = await quota(a.token, a.taxId);
      expect(current).toMatchObject({
        period: '2023-07',
        total: '7500000.00',
        used: '0.00',
        remaining: '7500000.00',
        available: '7500000.00',
        inDeclarationWindow: false,
        temporaryAdjusted: false,
      });
      expect(await quota(a.token, a.taxId, '2023-07')).toEqual(current);

      const invoice = await issued(a, '1234.56');
      const after = await quota(a.token, a.taxId, '2023-07');
      expect(after).toMatchObject({ total: '7500000.00', used: '1234.56', remaining: '7498765.44', available: '7498765.44', inDeclarationWindow: false });
      for (const field of ['total', 'used', 'remaining', 'available'] as const) expect(after[field]).toMatch(MONEY);
      expect(await quota(officer, a.taxId, '2023-07')).toEqual(after);

      // SPEC 4: "Every change to total or used is an entry in an append-only quota ledger, with its cause."
      expect(await ledger(a.token, a.taxId, '2023-07')).toEqual([
        entry({ seq: 1, kind: 'initial', delta: '7500000.00', totalAfter: '7500000.00', usedAfter: '0.00' }),
        entry({
          seq: 2,
          kind: 'issue',
          delta: '1234.56',
          totalAfter: '7500000.00',
          usedAfter: '1234.56',
          ref: invoice.number,
          at: '2023-07-12T09:00:00+08:00',
        }),
      ]);
    });

    // SPEC 4: "The **initial** total is set when the taxpayer is registered (from its risk, credit
    // rating and expected business)." Without an explicit initialQuota, the documented default applies.
    it('without an explicit initialQuota the registration month takes the documented default', async () => {
      const d = await pilot('2023-07-10T10:00:00+08:00', { initialQuota: undefined, taxpayerType: 'small_scale', riskLevel: 'high', creditRating: 'C' });
      const expected = formatMoney(defaultInitialQuota({ taxpayerType: 'small_scale', riskLevel: 'high', creditRating: 'C' }));
      expect(expected).toBe('40000.00');
      expect(await quota(d.token, d.taxId)).toMatchObject({ period: '2023-07', total: expected, used: '0.00', available: expected });
    });

    it('a month before registration is 404, for its quota and its ledger', async () => {
      for (const token of [a.token, officer]) {
        await expectProblem(await t.http(token).get(`/v1/taxpayers/${a.taxId}/quota/2023-06`), 404, 'NOT_FOUND');
        await expectProblem(await t.http(token).get(`/v1/taxpayers/${a.taxId}/quota/2023-06/ledger`), 404, 'NOT_FOUND');
      }
    });

    // API.md Conventions: "another taxpayer's object: 404 for objects (do not reveal they exist)".
    it("another taxpayer's quota is 404, as for a taxpayer that does not exist", async () => {
      for (const path of ['quota', 'quota/2023-07', 'quota/2023-07/ledger', 'quota/objections']) {
        const other = await t.http(b.token).get(`/v1/taxpayers/${a.taxId}/${path}`);
        await expectProblem(other, 404, 'NOT_FOUND');
        await expectProblem(await t.http(officer).get(`/v1/taxpayers/91110108551385082Q/${path}`), 404, 'NOT_FOUND');
      }
    });

    it('a non-pilot taxpayer has no quota on this platform: 409', async () => {
      const taxId = makeTaxId('41');
      const reg = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send({ taxId, name: '河南某某有限公司', pilot: false });
      expectStatus(reg, 201);
      await expectProblem(await t.http(officer).get(`/v1/taxpayers/${taxId}/quota`), 409, 'INVALID_STATE');
      await expectProblem(await t.http(officer).get(`/v1/taxpayers/${taxId}/quota/2023-07`), 409, 'INVALID_STATE');
    });

    it.each(['2023-13', '2023-00', '2023-7', '202307', '2023-Q3'])('a bad period %s is 400', async (period) => {
      await expectProblem(await t.http(a.token).get(`/v1/taxpayers/${a.taxId}/quota/${period}`), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await t.http(a.token).get(`/v1/taxpayers/${a.taxId}/quota/${period}/ledger`), 400, 'VALIDATION_FAILED', 'period');
    });

    it('without a token: 401', async () => {
      await expectProblem(await t.http().get(`/v1/taxpayers/${a.taxId}/quota`), 401, 'UNAUTHENTICATED');
    });

    it('the ledger refuses a bad limit or cursor', async () => {
      await expectProblem(await t.http(a.token).get(`/v1/taxpayers/${a.taxId}/quota/2023-07/ledger?limit=0`), 400, 'VALIDATION_FAILED', 'limit');
      await expectProblem(await t.http(a.token).get(`/v1/taxpayers/${a.taxId}/quota/2023-07/ledger?limit=501`), 400, 'VALIDATION_FAILED', 'limit');
      await expectProblem(await t.http(a.token).get(`/v1/taxpayers/${a.taxId}/quota/2023-07/ledger?cursor=garbage`), 400, 'VALIDATION_FAILED', 'cursor');
    });
  });

  // ---------------------------------------------------------------- 2. month boundaries

  // SPEC: "All business time is China Standard Time (Asia/Shanghai, UTC+8). A "month" is a natural
  // calendar month in that zone; a month boundary is 00:00 Beijing time on the 1st."
  // SPEC 4: "the ceiling on the sum of the pre-tax amounts (不含增值税) of invoices issued that month".
  describe('month boundaries in Beijing time', () => {
    it('an invoice at 2023-07-31T23:59:59+08:00 counts in July, one at 2023-08-01T00:00:00+08:00 in August', async () => {
      const m = await pilot('2023-07-15T10:00:00+08:00', { riskLevel: 'medium' });
      await setClock(t, '2023-07-31T23:59:59+08:00');
      const july = await issued(m, '100.00');
      expect(july.issuedAt).toBe('2023-07-31T23:59:59+08:00');
      await setClock(t, '2023-08-01T00:00:00+08:00');
      const august = await issued(m, '200.00');
      expect(august.issuedAt).toBe('2023-08-01T00:00:00+08:00');

      expect(await quota(m.token, m.taxId, '2023-07')).toMatchObject({ period: '2023-07', used: '100.00', remaining: '7499900.00' });
      expect(await quota(m.token, m.taxId, '2023-08')).toMatchObject({ period: '2023-08', used: '200.00' });
      expect((await quota(m.token, m.taxId)).period).toBe('2023-08');
      expect((await ledger(m.token, m.taxId, '2023-07')).at(-1)).toEqual(entry({ kind: 'issue', ref: july.number, delta: '100.00' }));
      expect((await ledger(m.token, m.taxId, '2023-08')).filter((e) => e.kind === 'issue')).toEqual([entry({ ref: august.number, delta: '200.00' })]);
    });

    it('the boundary is midnight in Beijing, not in UTC', async () => {
      const n = await pilot('2023-07-15T10:00:00+08:00', { riskLevel: 'medium' });
      await setClock(t, '2023-07-31T15:59:59Z');
      expect((await issued(n, '10.00')).issuedAt).toBe('2023-07-31T23:59:59+08:00');
      await setClock(t, '2023-07-31T16:00:00Z');
      expect((await issued(n, '20.00')).issuedAt).toBe('2023-08-01T00:00:00+08:00');
      expect((await quota(n.token, n.taxId, '2023-07')).used).toBe('10.00');
      expect((await quota(n.token, n.taxId, '2023-08')).used).toBe('20.00');
    });
  });

  // ---------------------------------------------------------------- 3. declaration window, monthly filer

  // SPEC 4: "**Declaration window** (申报期): until the taxpayer has filed its VAT return for the
  // previous period and the filing has matched (申报且比对通过), it may issue only within
  // `min(previous month's remaining, this month's total)`, less what it has already used this
  // month [...] Once the filing is recorded it may issue up to this month's remaining. A monthly
  // filer is in the window from the 1st of every month".
  // "Example: July total 7.5M, used 4.0M, so 3.5M remain at July's end. August's total is 7.5M.
  // Before the July filing, available = min(3.5M, 7.5M) = 3.5M; after issuing 0.2M it is 3.3M;
  // once the filing is recorded, available = 7.5M - 0.2M = 7.3M."
  describe('declaration window, monthly filer (the SPEC example)', () => {
    let w: Pilot;
    beforeEach(async () => {
      // medium risk: no temporary adjustment can interfere
      w = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium' });
    });
    /** The SPEC example's July: 4,000,000.00 used of 7,500,000.00. */
    async function july() {
      busy.push({ who: w, period: '2023-07' });
      await setClock(t, '2023-07-20T09:00:00+08:00');
      await issued(w, '2500000.00');
      await issued(w, '1500000.00');
    }
    /** Then 200,000.00 issued on August 1st, before the July filing. */
    async function august() {
      await july();
      busy.push({ who: w, period: '2023-08' });
      await setClock(t, '2023-08-01T09:00:00+08:00');
      await issued(w, '200000.00');
    }

    it('July: total 7,500,000.00, used 4,000,000.00, not in a window (registration month)', async () => {
      await july();
      expect(await quota(w.token, w.taxId)).toMatchObject({
        period: '2023-07',
        total: '7500000.00',
        used: '4000000.00',
        remaining: '3500000.00',
        available: '3500000.00',
        inDeclarationWindow: false,
      });
    });

    it('a filing for a period that has not ended is 400; a monthly filer filing a quarter is 400', async () => {
      await setClock(t, '2023-07-31T23:59:59+08:00');
      await expectProblem(await fileVat(w.token, w.taxId, '2023-07'), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await fileVat(w.token, w.taxId, '2023-Q2'), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await fileVat(w.token, w.taxId, '2023-13'), 400, 'VALIDATION_FAILED', 'period');
    });

    it('August before the July filing: available = min(3,500,000.00, 7,500,000.00), inDeclarationWindow true', async () => {
      await july();
      busy.push({ who: w, period: '2023-08' });
      await setClock(t, '2023-08-01T09:00:00+08:00');
      expect(await quota(w.token, w.taxId)).toMatchObject({
        period: '2023-08',
        total: '7500000.00',
        used: '0.00',
        remaining: '7500000.00',
        available: '3500000.00',
        inDeclarationWindow: true,
      });
      await issued(w, '200000.00');
      expect(await quota(w.token, w.taxId, '2023-08')).toMatchObject({
        used: '200000.00',
        remaining: '7300000.00',
        available: '3300000.00',
        inDeclarationWindow: true,
      });
    });

    it('an invoice of 3,300,000.01 is refused 422 QUOTA_EXCEEDED with available 3300000.00, and consumes nothing', async () => {
      await august();
      await setClock(t, '2023-08-02T09:00:00+08:00');
      const problem = await refused(w, '3300000.01', '3300000.00');
      expect(problem.status).toBe(422);
      expect(await quota(w.token, w.taxId, '2023-08')).toMatchObject({ used: '200000.00', available: '3300000.00' });
      await expectProblem(await fileVat(w.token, w.taxId, '2023-08'), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await fileVat(w.token, w.taxId, '2023-Q2'), 400, 'VALIDATION_FAILED', 'period');
    });

    it('another taxpayer cannot record the filing (404)', async () => {
      const other = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium' });
      await setClock(t, '2023-08-02T09:00:00+08:00');
      await expectProblem(await fileVat(other.token, w.taxId, '2023-07'), 404, 'NOT_FOUND');
      expect((await quota(w.token, w.taxId)).inDeclarationWindow).toBe(true);
    });

    it('the July filing: 201, then 200 with the same record; available becomes 7,300,000.00 and the window closes', async () => {
      await august();
      await setClock(t, '2023-08-10T15:00:00+08:00');
      const first = await fileVat(w.token, w.taxId, '2023-07');
      expectStatus(first, 201);
      expect(first.body).toMatchObject({ taxId: w.taxId, period: '2023-07', filedAt: '2023-08-10T15:00:00+08:00' });
      await setClock(t, '2023-08-10T16:00:00+08:00');
      const again = await fileVat(w.token, w.taxId, '2023-07');
      expectStatus(again, 200);
      expect(again.body).toEqual(first.body);

      expect(await quota(w.token, w.taxId)).toMatchObject({
        period: '2023-08',
        total: '7500000.00',
        used: '200000.00',
        remaining: '7300000.00',
        available: '7300000.00',
        inDeclarationWindow: false,
      });
      // and issuing follows: what the window refused now fits
      await issued(w, '3300000.01');
      expect(await quota(w.token, w.taxId)).toMatchObject({ used: '3500000.01', available: '3999999.99' });
    });

    // API.md Conventions: "`Idempotency-Key` header [...] on every POST that creates something. The
    // same key with the same body from the same principal returns the first response (same status
    // and body, header `Idempotent-Replayed: true`); the same key with a different body is `409
    // IDEMPOTENCY_KEY_REUSED`".
    it('a filing honours Idempotency-Key like every creating POST', async () => {
      const z = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium' });
      await setClock(t, '2023-08-04T09:00:00+08:00');
      const post = (period: string) =>
        t.http(z.token).post(`/v1/taxpayers/${z.taxId}/vat-filings`).set('Idempotency-Key', 'vat-filing-2023-07').send({ period });
      const first = await post('2023-07');
      expectStatus(first, 201);
      const again = await post('2023-07');
      expectStatus(again, 201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      await expectProblem(await post('2023-06'), 409, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('a tax officer may record a filing too', async () => {
      const v = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium' });
      await setClock(t, '2023-08-05T09:00:00+08:00');
      expect((await quota(v.token, v.taxId)).inDeclarationWindow).toBe(true);
      expectStatus(await fileVat(officer, v.taxId, '2023-07'), 201);
      expect((await quota(v.token, v.taxId)).inDeclarationWindow).toBe(false);
    });
  });

  // ---------------------------------------------------------------- 4. quarterly filer

  // SPEC 4: "("previous month" is the previous calendar month, for quarterly filers too) [...] a
  // quarterly filer only in the first month of a quarter (Jan, Apr, Jul, Oct)."
  // API.md: `{ "period": "2023-07" }` (or `"2023-Q3"` for a quarterly filer).
  describe('declaration window, quarterly filer', () => {
    let q: Pilot;
    let r: Pilot;
    beforeEach(async () => {
      q = await pilot('2023-05-10T10:00:00+08:00', { filingFrequency: 'quarterly', riskLevel: 'medium' });
      r = await pilot('2023-05-10T10:00:00+08:00', { filingFrequency: 'quarterly', riskLevel: 'medium' });
      await setClock(t, '2023-06-10T10:00:00+08:00');
      await issued(q, '5000000.00');
      await issued(r, '5000000.00');
    });

    it('June (not a first month of a quarter) has no window', async () => {
      await setClock(t, '2023-06-20T10:00:00+08:00');
      expect(await quota(q.token, q.taxId)).toMatchObject({ period: '2023-06', inDeclarationWindow: false, available: '2500000.00' });
    });

    it("in July it is in the window until 2023-Q2 is filed, capped by June's remaining", async () => {
      await setClock(t, '2023-07-05T10:00:00+08:00');
      expect(await quota(q.token, q.taxId)).toMatchObject({
        period: '2023-07',
        total: '7500000.00',
        used: '0.00',
        available: '2500000.00',
        inDeclarationWindow: true,
      });
      await refused(q, '2500000.01', '2500000.00');
      await expectProblem(await fileVat(q.token, q.taxId, '2023-06'), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await fileVat(q.token, q.taxId, '2023-Q3'), 400, 'VALIDATION_FAILED', 'period');
      expect((await quota(q.token, q.taxId)).inDeclarationWindow).toBe(true);
      expectStatus(await fileVat(q.token, q.taxId, '2023-Q2'), 201);
      expect(await quota(q.token, q.taxId)).toMatchObject({ period: '2023-07', available: '7500000.00', inDeclarationWindow: false });
      await issued(q, '2500000.01');
    });

    it('in August (second month of the quarter) it is not in the window at all, filed or not', async () => {
      await setClock(t, '2023-07-06T10:00:00+08:00');
      expect((await quota(r.token, r.taxId)).inDeclarationWindow).toBe(true);
      await issued(r, '2500000.00'); // July: 5,000,000.00 remain at its end
      await setClock(t, '2023-08-03T10:00:00+08:00');
      // in a window it would be min(5,000,000.00, total); outside it is the month's remaining
      expect(await quota(r.token, r.taxId)).toMatchObject({
        period: '2023-08',
        total: '7500000.00',
        used: '0.00',
        available: '7500000.00',
        inDeclarationWindow: false,
      });
      await issued(r, '5000000.01');
    });
  });

  // ---------------------------------------------------------------- 5. temporary adjustment

  // SPEC 4: "**Temporary** (临时调整): when a **low-risk** taxpayer's usage in the month **first
  // reaches a set ratio** of the total (default 80%; "reaches" means `>=`), and an automatic risk
  // scan passes, the platform raises that month's total once (default +20% of the total). The check
  // is made while an invoice is being issued, counting the invoice being issued, and the raise
  // happens whether or not that invoice would have fit without it: used 5.8M of 7.5M, then an
  // invoice of 2.0M brings usage to 7.8M >= 6.0M, so the total becomes 9.0M and the invoice fits."
  describe('temporary adjustment', () => {
    let tt: Pilot;
    beforeEach(async () => {
      tt = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'low', creditRating: 'A' });
      busy.push({ who: tt, period: '2023-07' });
    });
    /** The SPEC example: 5.8M used, then 2.0M, which raises the total to 9.0M. */
    async function raised() {
      await setClock(t, '2023-07-10T09:00:00+08:00');
      await issued(tt, '5800000.00');
      return issued(tt, '2000000.00');
    }

    it('the SPEC example: used 5.8M of 7.5M, an invoice of 2.0M succeeds and the total becomes 9.0M', async () => {
      await setClock(t, '2023-07-10T09:00:00+08:00');
      await issued(tt, '5800000.00');
      expect(await quota(tt.token, tt.taxId)).toMatchObject({ total: '7500000.00', used: '5800000.00', temporaryAdjusted: false });
      const invoice = await issued(tt, '2000000.00');
      expect(await quota(tt.token, tt.taxId)).toMatchObject({
        total: '9000000.00',
        used: '7800000.00',
        remaining: '1200000.00',
        available: '1200000.00',
        temporaryAdjusted: true,
      });
      const entries = await ledger(tt.token, tt.taxId, '2023-07');
      expect(entries.map((e) => e.kind)).toEqual(['initial', 'issue', 'temporary', 'issue']);
      expect(entries.slice(-2)).toEqual([
        entry({ seq: 3, kind: 'temporary', delta: '1500000.00', totalAfter: '9000000.00', usedAfter: '5800000.00' }),
        entry({ seq: 4, kind: 'issue', delta: '2000000.00', totalAfter: '9000000.00', usedAfter: '7800000.00', ref: invoice.number }),
      ]);
    });

    // SPEC 4: "At most once per month".
    it('at most once a month: an invoice that would need another raise is refused', async () => {
      await raised();
      await setClock(t, '2023-07-11T09:00:00+08:00');
      await refused(tt, '1200000.01', '1200000.00');
      expect(await quota(tt.token, tt.taxId)).toMatchObject({ total: '9000000.00', used: '7800000.00' });
      await issued(tt, '1200000.00');
      expect(await quota(tt.token, tt.taxId)).toMatchObject({ total: '9000000.00', used: '9000000.00', remaining: '0.00', available: '0.00' });
      await refused(tt, '0.01', '0.00');
      const kinds = (await ledger(tt.token, tt.taxId, '2023-07')).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'temporary')).toHaveLength(1);
      expect(kinds).toEqual(['initial', 'issue', 'temporary', 'issue', 'issue']);
    });

    it('"reaches" means >=: exactly 80% raises (though the invoice fits without it); one fen less does not', async () => {
      const exact = await pilot('2023-07-03T09:00:00+08:00');
      const below = await pilot('2023-07-03T09:00:00+08:00');
      await setClock(t, '2023-07-12T09:00:00+08:00');
      await issued(exact, '6000000.00');
      expect(await quota(exact.token, exact.taxId)).toMatchObject({ total: '9000000.00', used: '6000000.00', temporaryAdjusted: true });
      await issued(below, '5999999.99');
      expect(await quota(below.token, below.taxId)).toMatchObject({ total: '7500000.00', used: '5999999.99', temporaryAdjusted: false });
      await issued(below, '0.01');
      expect(await quota(below.token, below.taxId)).toMatchObject({ total: '9000000.00', used: '6000000.00', temporaryAdjusted: true });
      busy.push({ who: below, period: '2023-07' });
    });

    // SPEC 4: "If the invoice does not fit even after the raise, it is refused and no raise is made."
    it('an invoice that does not fit even after the raise is refused, and no raise is made', async () => {
      const v = await pilot('2023-07-03T09:00:00+08:00');
      await setClock(t, '2023-07-13T09:00:00+08:00');
      await issued(v, '5800000.00');
      await refused(v, '3200000.01');
      expect(await quota(v.token, v.taxId)).toMatchObject({ total: '7500000.00', used: '5800000.00', temporaryAdjusted: false });
      expect((await ledger(v.token, v.taxId, '2023-07')).map((e) => e.kind)).toEqual(['initial', 'issue']);
      // the raise is still to come: an invoice that fits after it gets it
      await issued(v, '3200000.00');
      expect(await quota(v.token, v.taxId)).toMatchObject({ total: '9000000.00', used: '9000000.00', temporaryAdjusted: true });
      busy.push({ who: v, period: '2023-07' });
    });

    it('a medium-risk taxpayer never gets a raise', async () => {
      const m = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium', creditRating: 'A' });
      await setClock(t, '2023-07-14T09:00:00+08:00');
      await issued(m, '7000000.00');
      expect(await quota(m.token, m.taxId)).toMatchObject({ total: '7500000.00', used: '7000000.00', temporaryAdjusted: false });
      await refused(m, '500000.01', '500000.00');
      await issued(m, '500000.00');
      expect(await quota(m.token, m.taxId)).toMatchObject({ total: '7500000.00', used: '7500000.00', available: '0.00', temporaryAdjusted: false });
      expect((await ledger(m.token, m.taxId, '2023-07')).map((e) => e.kind)).not.toContain('temporary');
    });

    it('neither does a high-risk one', async () => {
      const h = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'high' });
      await setClock(t, '2023-07-14T09:00:00+08:00');
      await issued(h, '7000000.00');
      await refused(h, '1000000.00', '500000.00');
      expect(await quota(h.token, h.taxId)).toMatchObject({ total: '7500000.00', temporaryAdjusted: false });
    });

    // SPEC 4: "the raise does not carry into next month" - next month is the periodic policy's.
    it("next month's total does not carry the raise", async () => {
      await raised();
      await setClock(t, '2023-07-11T09:00:00+08:00');
      await issued(tt, '1200000.00'); // July: 9,000,000.00 used of 9,000,000.00
      busy.push({ who: tt, period: '2023-08' });
      await setClock(t, '2023-08-02T09:00:00+08:00');
      const august = await quota(tt.token, tt.taxId, '2023-08');
      expect(august).toMatchObject({ period: '2023-08', used: '0.00', temporaryAdjusted: false, total: policy('7500000.00', 'low', 'A', ['9000000.00']) });
      expect(august.total).toBe('10800000.00'); // 120% of July's 9,000,000.00 usage, from the initial base
      expect(await ledger(tt.token, tt.taxId, '2023-08')).toEqual([
        entry({ seq: 1, kind: 'periodic', delta: august.total, totalAfter: august.total, usedAfter: '0.00' }),
      ]);
    });
  });

  // ---------------------------------------------------------------- 6. manual adjustment

  // SPEC 4: "**Manual** (人工调整): the taxpayer applies for a new total with a reason; a tax officer
  // approves or rejects. An approved total replaces the month's total, a temporary raise included
  // (7.5M raised to 9.0M, then approved at 12.0M: the total is 12.0M)."
  describe('manual adjustment: applications', () => {
    let p: Pilot;
    let other: Pilot;
    beforeEach(async () => {
      p = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'low', creditRating: 'A' });
      other = await pilot('2023-07-03T09:00:00+08:00');
      busy.push({ who: p, period: '2023-07' });
    });

    const apply = (who: Pilot, requestedTotal: unknown, body: Record<string, unknown> = { reason: '新签大额合同，需提高额度' }, taxId = who.taxId) =>
      t
        .http(who.token)
        .post(`/v1/taxpayers/${taxId}/quota/applications`)
        .send({ requestedTotal, ...body });
    const decide = (id: string, what: 'approve' | 'reject', body: Record<string, unknown>, token = officer) =>
      t.http(token).post(`/v1/quota/applications/${id}/${what}`).send(body);
    /** The SPEC example up to the approval: 7.8M used, the total raised to 9.0M, then approved at 12.0M; answers the application's id. */
    async function approvedAt12M(): Promise<string> {
      await setClock(t, '2023-07-10T09:00:00+08:00');
      await issued(p, '5800000.00');
      await issued(p, '2000000.00');
      const filed = await apply(p, '12000000.00');
      expectStatus(filed, 201);
      await setClock(t, '2023-07-11T09:00:00+08:00');
      expectStatus(await decide(filed.body.id, 'approve', { reason: '核实无误' }), 200);
      return filed.body.id;
    }
    /** An application of `who` for `requestedTotal`, rejected; answers its id. */
    async function rejected(who: Pilot, requestedTotal: string): Promise<string> {
      const filed = await apply(who, requestedTotal);
      expectStatus(filed, 201);
      expectStatus(await decide(filed.body.id, 'reject', { reason: '理由不足' }), 200);
      return filed.body.id;
    }

    it('7.5M raised to 9.0M, then approved at 12.0M: the total is 12.0M', async () => {
      await setClock(t, '2023-07-10T09:00:00+08:00');
      await issued(p, '5800000.00');
      await issued(p, '2000000.00');
      expect(await quota(p.token, p.taxId)).toMatchObject({ total: '9000000.00', temporaryAdjusted: true });

      const filed = await apply(p, '12000000.00');
      expectStatus(filed, 201);
      expect(filed.body).toMatchObject({ status: 'pending', requestedTotal: '12000000.00', period: '2023-07', taxId: p.taxId });
      expect(filed.body.id).toMatch(UUID);
      const approvedId = filed.body.id;
      expect((await quota(p.token, p.taxId)).total).toBe('9000000.00'); // pending changes nothing

      await expectProblem(await decide(approvedId, 'approve', {}, p.token), 403, 'FORBIDDEN');
      await setClock(t, '2023-07-11T09:00:00+08:00');
      const approved = await decide(approvedId, 'approve', { reason: '核实无误' });
      expectStatus(approved, 200);
      expect(approved.body).toMatchObject({ id: approvedId, status: 'approved', requestedTotal: '12000000.00', decidedAt: '2023-07-11T09:00:00+08:00' });

      expect(await quota(p.token, p.taxId)).toMatchObject({ total: '12000000.00', used: '7800000.00', remaining: '4200000.00', available: '4200000.00' });
      expect((await ledger(p.token, p.taxId, '2023-07')).at(-1)).toEqual(
        entry({ kind: 'manual', delta: '3000000.00', totalAfter: '12000000.00', usedAfter: '7800000.00' }),
      );
      // the new total is usable
      await issued(p, '4200000.00');
      expect(await quota(p.token, p.taxId)).toMatchObject({ total: '12000000.00', used: '12000000.00' });
    });

    it('approving twice, or rejecting an approved application, is 409 and changes nothing', async () => {
      const approvedId = await approvedAt12M();
      await expectProblem(await decide(approvedId, 'approve', {}), 409, 'INVALID_STATE');
      await expectProblem(await decide(approvedId, 'reject', { reason: '撤回' }), 409, 'INVALID_STATE');
      expect((await ledger(p.token, p.taxId, '2023-07')).filter((e) => e.kind === 'manual')).toHaveLength(1);
      expect((await quota(p.token, p.taxId)).total).toBe('12000000.00');
    });

    it('a rejection needs a reason (400 without), sets status rejected and leaves the total', async () => {
      await approvedAt12M();
      await setClock(t, '2023-07-12T09:00:00+08:00');
      const filed = await apply(p, '15000000.00');
      expectStatus(filed, 201);
      const rejectedId = filed.body.id;
      await expectProblem(await decide(rejectedId, 'reject', {}), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await decide(rejectedId, 'reject', { reason: '' }), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await decide(rejectedId, 'reject', { reason: '理由不足' }, p.token), 403, 'FORBIDDEN');
      const rejected = await decide(rejectedId, 'reject', { reason: '理由不足' });
      expectStatus(rejected, 200);
      expect(rejected.body).toMatchObject({ id: rejectedId, status: 'rejected', decisionReason: '理由不足' });
      expect((await quota(p.token, p.taxId)).total).toBe('12000000.00');
      await expectProblem(await decide(rejectedId, 'approve', {}), 409, 'INVALID_STATE');
    });

    it('an approval below what is already used is 409 and the application stays pending', async () => {
      await approvedAt12M();
      const filed = await apply(p, '1000000.00');
      expectStatus(filed, 201);
      await expectProblem(await decide(filed.body.id, 'approve', {}), 409, 'INVALID_STATE');
      expect((await quota(p.token, p.taxId)).total).toBe('12000000.00');
      const list = await t.http(p.token).get('/v1/quota/applications?status=pending');
      expectStatus(list, 200);
      expect(list.body.items.map((a: { id: string }) => a.id)).toContain(filed.body.id);
      expectStatus(await decide(filed.body.id, 'reject', { reason: '低于已用额度' }), 200);
    });

    it('bad applications: 400 for a JSON number or a missing reason, 404 for another taxpayer, 403 for an officer', async () => {
      await expectProblem(await apply(p, 12000000), 400, 'VALIDATION_FAILED', 'requestedTotal');
      await expectProblem(await apply(p, '12000000.00', {}), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await apply(other, '12000000.00', { reason: '代为申请' }, p.taxId), 404, 'NOT_FOUND');
      await expectProblem(
        await t.http(officer).post(`/v1/taxpayers/${p.taxId}/quota/applications`).send({ requestedTotal: '1.00', reason: 'x' }),
        403,
        'FORBIDDEN',
      );
      await expectProblem(await decide('00000000-0000-4000-8000-000000000000', 'approve', {}), 404, 'NOT_FOUND');
      await expectProblem(await decide('not-a-uuid', 'approve', {}), 404, 'NOT_FOUND');
    });

    it('an application from a month that has ended cannot be approved (409)', async () => {
      await setClock(t, '2023-07-20T09:00:00+08:00');
      const filed = await apply(other, '9000000.00');
      expectStatus(filed, 201);
      const pastId = filed.body.id;
      await setClock(t, '2023-08-01T00:00:00+08:00');
      await expectProblem(await decide(pastId, 'approve', {}), 409, 'INVALID_STATE');
      expect((await quota(officer, other.taxId, '2023-07')).total).toBe('7500000.00');
      const list = await t.http(other.token).get('/v1/quota/applications');
      expect(list.body.items.find((a: { id: string }) => a.id === pastId)).toMatchObject({ status: 'pending', period: '2023-07' });
    });

    it('GET /v1/quota/applications: a taxpayer sees only its own; an officer all, or by taxId and status', async () => {
      // p: one approved, two rejected; other: one pending
      const approvedId = await approvedAt12M();
      await setClock(t, '2023-07-12T09:00:00+08:00');
      const rejectedId = await rejected(p, '15000000.00');
      await rejected(p, '1000000.00');
      const filed = await apply(other, '9000000.00');
      expectStatus(filed, 201);
      const pastId = filed.body.id;
      const mine = await t.http(p.token).get('/v1/quota/applications');
      expectStatus(mine, 200);
      expect(mine.body.nextCursor).toBeNull();
      expect(mine.body.items).toHaveLength(3);
      expect(mine.body.items.every((a: { taxId: string }) => a.taxId === p.taxId)).toBe(true);
      expect(mine.body.items.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining([approvedId, rejectedId]));

      const theirs = await t.http(other.token).get('/v1/quota/applications');
      expect(theirs.body.items.map((a: { id: string }) => a.id)).toEqual([pastId]);
      // a taxpayer cannot widen its scope
      const widened = await t.http(other.token).get(`/v1/quota/applications?taxId=${p.taxId}`);
      expect((widened.body.items ?? []).map((a: { taxId: string }) => a.taxId)).not.toContain(p.taxId);

      const all = await t.http(officer).get('/v1/quota/applications');
      expect(all.body.items.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining([approvedId, rejectedId, pastId]));
      const byTaxId = await t.http(officer).get(`/v1/quota/applications?taxId=${p.taxId}&status=rejected`);
      expect(byTaxId.body.items).toHaveLength(2);
      expect(byTaxId.body.items.every((a: { taxId: string; status: string }) => a.taxId === p.taxId && a.status === 'rejected')).toBe(true);
      const approved = await t.http(officer).get(`/v1/quota/applications?taxId=${p.taxId}&status=approved`);
      expect(approved.body.items.map((a: { id: string }) => a.id)).toEqual([approvedId]);
      await expectProblem(await t.http(officer).get('/v1/quota/applications?status=done'), 400, 'VALIDATION_FAILED', 'status');
    });

    // API.md Conventions: "Lists: `?limit=` (default 50, max 500) and an opaque `cursor`".
    it('the applications list pages with ?limit= and a cursor, like every list', async () => {
      await setClock(t, '2023-07-12T09:00:00+08:00');
      for (const total of ['8000000.00', '9000000.00', '10000000.00']) expectStatus(await apply(p, total), 201);
      expectStatus(await apply(other, '8000000.00'), 201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Res = await t.http(officer).get(`/v1/quota/applications?taxId=${p.taxId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expectStatus(res, 200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((a: { id: string }) => a.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(3);
      expect(new Set(seen).size).toBe(3);
    });
  });

  // ---------------------------------------------------------------- 7. officer adjustments

  // SPEC 4: "**Periodic** (定期调整): [...] a tax officer may also set it explicitly."
  // API.md: `POST /v1/taxpayers/{taxId}/quota/adjustments` (tax_officer)
  // `{ "period": "2023-08", "kind": "periodic" | "manual", "newTotal": "2500000.00", "reason": "…" }`.
  describe('officer adjustments', () => {
    let o: Pilot;
    beforeEach(async () => {
      o = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'medium' });
      busy.push({ who: o, period: '2023-07' });
      await setClock(t, '2023-07-05T09:00:00+08:00');
      await issued(o, '1000000.00');
    });
    /** July's total set to 8,000,000.00 by an officer (1,000,000.00 used). */
    async function setTo8M() {
      expect([200, 201]).toContain((await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: '人工调整' })).status);
    }

    it('sets the total, with a ledger entry of that kind carrying the delta', async () => {
      const periodic = await adjust(o.taxId, { period: '2023-07', kind: 'periodic', newTotal: '2500000.00', reason: '风险评估后下调' });
      expect([200, 201]).toContain(periodic.status);
      expect(periodic.body).toMatchObject({ period: '2023-07', total: '2500000.00', used: '1000000.00', remaining: '1500000.00' });
      expect((await ledger(officer, o.taxId, '2023-07')).at(-1)).toEqual(
        entry({ kind: 'periodic', delta: '-5000000.00', totalAfter: '2500000.00', usedAfter: '1000000.00' }),
      );
      const manual = await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: '人工调整' });
      expect([200, 201]).toContain(manual.status);
      expect((await ledger(o.token, o.taxId, '2023-07')).at(-1)).toEqual(
        entry({ kind: 'manual', delta: '5500000.00', totalAfter: '8000000.00', usedAfter: '1000000.00' }),
      );
      expect(await quota(o.token, o.taxId)).toMatchObject({ total: '8000000.00', used: '1000000.00', available: '7000000.00' });
    });

    it('a new total below what is used is 409 and changes nothing; equal to used is allowed', async () => {
      await setTo8M();
      const before = await ledger(officer, o.taxId, '2023-07');
      const res = await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '999999.99', reason: '下调' });
      await expectProblem(res, 409, 'INVALID_STATE');
      expect((await quota(o.token, o.taxId)).total).toBe('8000000.00');
      expect(await ledger(officer, o.taxId, '2023-07')).toEqual(before);

      const equal = await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '1000000.00', reason: '下调至已用' });
      expect([200, 201]).toContain(equal.status);
      expect(equal.body).toMatchObject({ total: '1000000.00', available: '0.00' });
      await refused(o, '0.01', '0.00');
      expect([200, 201]).toContain((await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: '恢复' })).status);
    });

    it('a taxpayer cannot set its total (403); bad input is 400; a month before registration 404', async () => {
      await setTo8M();
      await expectProblem(await adjust(o.taxId, { period: '2023-07', kind: 'manual', newTotal: '99999999.00', reason: '自行上调' }, o.token), 403, 'FORBIDDEN');
      expect((await quota(o.token, o.taxId)).total).toBe('8000000.00');
      const ok = { period: '2023-07', kind: 'manual', newTotal: '8000000.00', reason: 'r' };
      await expectProblem(await adjust(o.taxId, { ...ok, kind: 'temporary' }), 400, 'VALIDATION_FAILED', 'kind');
      await expectProblem(await adjust(o.taxId, { ...ok, newTotal: 8000000 }), 400, 'VALIDATION_FAILED', 'newTotal');
      await expectProblem(await adjust(o.taxId, { ...ok, newTotal: '-1.00' }), 400, 'VALIDATION_FAILED', 'newTotal');
      await expectProblem(await adjust(o.taxId, { ...ok, period: '2023-13' }), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await adjust(o.taxId, { ...ok, reason: undefined }), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await adjust(o.taxId, { ...ok, period: '2023-06' }), 404, 'NOT_FOUND');
    });

    // SPEC 4: "it may issue only within `min(previous month's remaining, this month's total)`".
    it("inside the window the month's own total caps too, when it is below last month's remaining", async () => {
      await setTo8M();
      busy.push({ who: o, period: '2023-08' });
      await setClock(t, '2023-08-02T09:00:00+08:00');
      const set = await adjust(o.taxId, { period: '2023-08', kind: 'periodic', newTotal: '2000000.00', reason: '定期调整' });
      expect([200, 201]).toContain(set.status);
      // July: 8,000,000.00 - 1,000,000.00 = 7,000,000.00 remain
      expect(await quota(o.token, o.taxId)).toMatchObject({ period: '2023-08', total: '2000000.00', available: '2000000.00', inDeclarationWindow: true });
      await issued(o, '500000.00');
      expect((await quota(o.token, o.taxId)).available).toBe('1500000.00');
      await refused(o, '1500000.01', '1500000.00');
    });
  });

  // ---------------------------------------------------------------- 8. periodic runs

  // SPEC 4: "**Periodic** (定期调整): at the start of every month the platform sets the month's total
  // from the taxpayer's risk level, credit rating and recent usage (a documented, replaceable policy)".
  // API.md: "`POST /v1/quota/periodic-runs` (tax_officer) `{ "period": "2023-09" }`: applies the
  // periodic policy to every taxpayer for that month; running it twice changes nothing. A month's
  // quota that nobody ran the policy for is computed on first use, by the same policy."
  describe('periodic runs', () => {
    let h: Pilot;
    let g: Pilot;
    ownAppPerTest();
    beforeEach(async () => {
      h = await pilot('2023-08-10T10:00:00+08:00', { riskLevel: 'high', creditRating: 'A', initialQuota: '7500000.00' });
      g = await pilot('2023-08-10T10:00:00+08:00', { riskLevel: 'medium', creditRating: 'A', initialQuota: '1000000.00' });
      await issued(g, '900000.00'); // 90% of its base
    });

    it('only a tax officer runs it, for a month', async () => {
      await setClock(t, '2023-09-01T00:00:00+08:00');
      await expectProblem(await t.http(g.token).post('/v1/quota/periodic-runs').send({ period: '2023-09' }), 403, 'FORBIDDEN');
      await expectProblem(await t.http(officer).post('/v1/quota/periodic-runs').send({ period: '2023-9' }), 400, 'VALIDATION_FAILED', 'period');
      await expectProblem(await t.http(officer).post('/v1/quota/periodic-runs').send({}), 400, 'VALIDATION_FAILED', 'period');
    });

    it('applies the policy to every pilot; running it again creates nothing and changes no total', async () => {
      await setClock(t, '2023-09-01T00:00:00+08:00');
      const first = await t.http(officer).post('/v1/quota/periodic-runs').send({ period: '2023-09' });
      expectStatus(first, 200);
      // nothing has touched September before
      expect(first.body).toMatchObject({ period: '2023-09', taxpayers: pilots.length, created: pilots.length, unchanged: 0 });

      // a high-risk taxpayer: 50% of its initial total
      const hs = await quota(officer, h.taxId, '2023-09');
      expect(hs.total).toBe(policy('7500000.00', 'high', 'A', ['0.00']));
      expect(hs.total).toBe('3750000.00');
      // a taxpayer that used >= 80% of its base: 120% of its peak usage
      const gs = await quota(officer, g.taxId, '2023-09');
      expect(gs.total).toBe(policy('1000000.00', 'medium', 'A', ['900000.00']));
      expect(gs.total).toBe('1080000.00');
      expect(await ledger(officer, g.taxId, '2023-09')).toEqual([
        entry({ seq: 1, kind: 'periodic', delta: '1080000.00', totalAfter: '1080000.00', usedAfter: '0.00', at: '2023-09-01T00:00:00+08:00' }),
      ]);

      // an officer sets G's September explicitly; a second run must not undo it
      const set = await adjust(g.taxId, { period: '2023-09', kind: 'periodic', newTotal: '1500000.00', reason: '核定' });
      expect([200, 201]).toContain(set.status);
      const second = await t.http(officer).post('/v1/quota/periodic-runs').send({ period: '2023-09' });
      expectStatus(second, 200);
      expect(second.body).toMatchObject({ period: '2023-09', taxpayers: pilots.length, created: 0, unchanged: pilots.length });
      expect((await quota(officer, g.taxId, '2023-09')).total).toBe('1500000.00');
      expect(await ledger(officer, g.taxId, '2023-09')).toHaveLength(2);
      expect((await quota(officer, h.taxId, '2023-09')).total).toBe('3750000.00');
      expect(await ledger(officer, h.taxId, '2023-09')).toHaveLength(1);
      await checkLedger(g, '2023-09');
    });

    it('a month nobody ran is computed on first use by the same policy', async () => {
      await setClock(t, '2023-10-08T09:00:00+08:00');
      // the base is the initial total, not last month's: 50% of 7,500,000.00 again
      const ho = await quota(h.token, h.taxId);
      expect(ho).toMatchObject({ period: '2023-10', total: policy('7500000.00', 'high', 'A', ['0.00', '0.00']), used: '0.00' });
      expect(ho.total).toBe('3750000.00');
      // August (900,000.00) is one of the previous three months
      const go = await quota(g.token, g.taxId);
      expect(go.total).toBe(policy('1000000.00', 'medium', 'A', ['0.00', '900000.00']));
      expect(go.total).toBe('1080000.00');
      expect(await ledger(g.token, g.taxId, '2023-10')).toEqual([entry({ seq: 1, kind: 'periodic', delta: '1080000.00', usedAfter: '0.00' })]);

      // December looks at September, October and November only
      await setClock(t, '2023-12-04T09:00:00+08:00');
      expect((await quota(g.token, g.taxId)).total).toBe(policy('1000000.00', 'medium', 'A', ['0.00', '0.00', '0.00']));
      expect((await quota(g.token, g.taxId)).total).toBe('1000000.00');

      // the credit rating counts as it is when the month is computed: C is x80%
      expectStatus(await t.http(officer).patch(`/v1/taxpayers/${g.taxId}`).send({ creditRating: 'C' }), 200);
      await setClock(t, '2024-01-03T09:00:00+08:00');
      expect((await quota(g.token, g.taxId)).total).toBe(policy('1000000.00', 'medium', 'C', ['0.00']));
      expect((await quota(g.token, g.taxId)).total).toBe('800000.00');
    });
  });

  // The run and the first use read the same registration boundary: 00:00 Beijing time on the 1st.
  describe('periodic runs: who is included, and when a month is set', () => {
    ownAppPerTest();

    it("a run covers the pilots registered by the month's last instant in Beijing time, not those registered after", async () => {
      const x = await pilot('2023-11-30T23:59:59+08:00');
      const y = await pilot('2023-12-01T00:00:00+08:00');
      const run = await t.http(officer).post('/v1/quota/periodic-runs').send({ period: '2023-11' });
      expectStatus(run, 200);
      expect(run.body.taxpayers).toBe(pilots.length - 1);
      expect(run.body.created + run.body.unchanged).toBe(run.body.taxpayers);
      expect(await ledger(officer, x.taxId, '2023-11')).toEqual([entry({ seq: 1, kind: 'initial', delta: '7500000.00' })]);
      await expectProblem(await t.http(officer).get(`/v1/taxpayers/${y.taxId}/quota/2023-11`), 404, 'NOT_FOUND');
    });

    // SPEC 4: "at the start of every month the platform sets the month's total from the taxpayer's
    // risk level, credit rating and recent usage": a look at next month beforehand must not fix its
    // total from a month that has not ended.
    it("looking at next month before it starts does not set its total from this month's usage so far", async () => {
      const f = await pilot('2024-02-05T09:00:00+08:00', { riskLevel: 'medium', initialQuota: '1000000.00' });
      await t.http(f.token).get(`/v1/taxpayers/${f.taxId}/quota/2024-03`); // whatever it answers
      await issued(f, '900000.00');
      await setClock(t, '2024-03-01T09:00:00+08:00');
      const march = await quota(f.token, f.taxId);
      expect(march.period).toBe('2024-03');
      expect(march.total).toBe(policy('1000000.00', 'medium', 'A', ['900000.00']));
      expect(march.total).toBe('1080000.00');
    });
  });

  // ---------------------------------------------------------------- 9. objections

  // SPEC 4: "A taxpayer may also lodge an objection (异议) to its total."
  describe('objections', () => {
    let j: Pilot;
    let k: Pilot;
    beforeEach(async () => {
      j = await pilot('2023-07-05T09:00:00+08:00');
      k = await pilot('2023-07-05T09:00:00+08:00');
    });
    const lodge = (who: Pilot, reason: unknown, taxId = who.taxId) => t.http(who.token).post(`/v1/taxpayers/${taxId}/quota/objections`).send({ reason });

    it('an objection is 201 and listed for the taxpayer and for officers', async () => {
      await setClock(t, '2023-07-06T10:00:00+08:00');
      const res = await lodge(j, '本月额度不足以覆盖已签合同');
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ taxId: j.taxId, period: '2023-07', reason: '本月额度不足以覆盖已签合同', createdAt: '2023-07-06T10:00:00+08:00' });
      expect(res.body.id).toMatch(UUID);
      for (const token of [j.token, officer]) {
        const list = await t.http(token).get(`/v1/taxpayers/${j.taxId}/quota/objections`);
        expectStatus(list, 200);
        expect(list.body).toEqual({ items: [res.body], nextCursor: null });
      }
      const none = await t.http(k.token).get(`/v1/taxpayers/${k.taxId}/quota/objections`);
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('only the taxpayer itself lodges: another taxpayer 404, an officer 403; a reason is required', async () => {
      await expectProblem(await lodge(k, '代为异议', j.taxId), 404, 'NOT_FOUND');
      await expectProblem(await t.http(officer).post(`/v1/taxpayers/${j.taxId}/quota/objections`).send({ reason: 'x' }), 403, 'FORBIDDEN');
      await expectProblem(await lodge(j, undefined), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await lodge(j, ''), 400, 'VALIDATION_FAILED', 'reason');
      await expectProblem(await lodge(j, 42), 400, 'VALIDATION_FAILED', 'reason');
      expect((await t.http(j.token).get(`/v1/taxpayers/${j.taxId}/quota/objections`)).body.items).toHaveLength(0);
    });

    // API.md Conventions: "Lists: `?limit=` (default 50, max 500) and an opaque `cursor`".
    it('the objections list pages with ?limit= and a cursor, like every list', async () => {
      await setClock(t, '2023-07-06T10:00:00+08:00');
      expectStatus(await lodge(j, '本月额度不足以覆盖已签合同'), 201);
      expectStatus(await lodge(k, '另一纳税人的异议'), 201);
      await setClock(t, '2023-07-07T10:00:00+08:00');
      expectStatus(await lodge(j, '第二次异议'), 201);
      await setClock(t, '2023-07-08T10:00:00+08:00');
      expectStatus(await lodge(j, '第三次异议'), 201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Res = await t.http(j.token).get(`/v1/taxpayers/${j.taxId}/quota/objections?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expectStatus(res, 200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((o: { id: string }) => o.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(3);
      expect(new Set(seen).size).toBe(3);
    });
  });

  // ---------------------------------------------------------------- 10. paper collections

  // SPEC 4: "for invoices of the legacy system (增值税发票管理系统), every **collection** (领用) of
  // blank legacy invoices consumes `count x single-invoice maximum` at collection time".
  // API.md: "consumes `count x maxAmountPerInvoice`; 422 `QUOTA_EXCEEDED` if it does not fit."
  describe('paper collections', () => {
    let c: Pilot;
    beforeEach(async () => {
      c = await pilot('2023-07-05T09:00:00+08:00', { riskLevel: 'medium', paperMaxAmountPerInvoice: '100000.00' });
      busy.push({ who: c, period: '2023-07' });
    });
    const collect = (who: Pilot, body: Record<string, unknown>, taxId = who.taxId, token = who.token) =>
      t.http(token).post(`/v1/taxpayers/${taxId}/paper-collections`).send(body);
    const forty = { invoiceKind: 'paper_special', count: 40, maxAmountPerInvoice: '100000.00' };

    it('40 x 100,000.00 consumes 4,000,000.00 at collection, with a paper_collection ledger entry', async () => {
      await setClock(t, '2023-07-06T09:00:00+08:00');
      const res = await collect(c, forty);
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ invoiceKind: 'paper_special', count: 40, maxAmountPerInvoice: '100000.00', amount: '4000000.00' });
      expect(await quota(c.token, c.taxId)).toMatchObject({ total: '7500000.00', used: '4000000.00', remaining: '3500000.00', available: '3500000.00' });
      expect((await ledger(c.token, c.taxId, '2023-07')).at(-1)).toEqual(
        entry({ kind: 'paper_collection', delta: '4000000.00', totalAfter: '7500000.00', usedAfter: '4000000.00', at: '2023-07-06T09:00:00+08:00' }),
      );
    });

    it('a collection that does not fit is 422 QUOTA_EXCEEDED with available, and consumes nothing', async () => {
      await setClock(t, '2023-07-06T09:00:00+08:00');
      expectStatus(await collect(c, forty), 201);
      const before = await ledger(c.token, c.taxId, '2023-07');
      const res = await collect(c, { ...forty, invoiceKind: 'paper_ordinary' });
      await expectProblem(res, 422, 'QUOTA_EXCEEDED');
      expect(res.body.available).toBe('3500000.00');
      expect((await quota(c.token, c.taxId)).used).toBe('4000000.00');
      expect(await ledger(c.token, c.taxId, '2023-07')).toEqual(before);
      // exactly what is left fits
      expectStatus(await collect(c, { invoiceKind: 'paper_ordinary', count: 35, maxAmountPerInvoice: '100000.00' }), 201);
      expect(await quota(c.token, c.taxId)).toMatchObject({ used: '7500000.00', available: '0.00' });
    });

    // SPEC 4: "A paper invoice issued through the platform may not exceed the taxpayer's single-invoice maximum for paper."
    it("a maximum above the taxpayer's paperMaxAmountPerInvoice is 422 PAPER_LIMIT_EXCEEDED", async () => {
      const res = await collect(c, { ...forty, count: 1, maxAmountPerInvoice: '100000.01' });
      await expectProblem(res, 422, 'PAPER_LIMIT_EXCEEDED');
      expect((await quota(c.token, c.taxId)).used).toBe('0.00');
    });

    it.each([
      ['count as a string', { count: '40' }, 'count'],
      ['count 0', { count: 0 }, 'count'],
      ['a negative count', { count: -1 }, 'count'],
      ['a fractional count', { count: 1.5 }, 'count'],
      ['no count', { count: undefined }, 'count'],
      ['the maximum as a JSON number', { maxAmountPerInvoice: 100000 }, 'maxAmountPerInvoice'],
      ['a zero maximum', { maxAmountPerInvoice: '0.00' }, 'maxAmountPerInvoice'],
      ['an unknown invoice kind', { invoiceKind: 'electronic' }, 'invoiceKind'],
    ])('%s is 400', async (_what, patch, field) => {
      await expectProblem(await collect(c, { ...forty, ...patch }), 400, 'VALIDATION_FAILED', field);
    });

    it('only the taxpayer itself collects: another taxpayer 404, an officer 403', async () => {
      const other = await pilot('2023-07-05T09:00:00+08:00');
      await setClock(t, '2023-07-06T10:00:00+08:00');
      await expectProblem(await collect(other, forty, c.taxId), 404, 'NOT_FOUND');
      await expectProblem(await collect(other, forty, c.taxId, officer), 403, 'FORBIDDEN');
    });

    // API.md Conventions: "never a 500 for bad input"; a collection that does not fit is 422.
    it('a collection whose count x maximum is beyond any quota is 422 QUOTA_EXCEEDED, not a 500', async () => {
      const big = await pilot('2023-07-05T09:00:00+08:00', { riskLevel: 'medium', paperMaxAmountPerInvoice: '9999999999999.99' });
      await setClock(t, '2023-07-06T11:00:00+08:00');
      const res = await collect(big, { invoiceKind: 'paper_special', count: 10000, maxAmountPerInvoice: '9999999999999.99' });
      await expectProblem(res, 422, 'QUOTA_EXCEEDED');
      expect(res.body.available).toBe('7500000.00');
      expect((await quota(big.token, big.taxId)).used).toBe('0.00');
    });
  });

  // ---------------------------------------------------------------- 11. ledger invariants

  // SPEC 4: "Every change to total or used is an entry in an append-only quota ledger, with its cause."
  // "What gives quota back: [...] Voiding (作废) a paper blue invoice in its own month restores its amount."
  describe('ledger invariants', () => {
    it('a busy month: every kind of change, refusals leaving no trace, entries chained 1..n', async () => {
      const b = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'low', creditRating: 'A', paperMaxAmountPerInvoice: '100000.00' });
      await setClock(t, '2023-07-04T09:00:00+08:00');
      await issued(b, '3000000.00');
      expectStatus(
        await t
          .http(b.token)
          .post(`/v1/taxpayers/${b.taxId}/paper-collections`)
          .send({ invoiceKind: 'paper_special', count: 20, maxAmountPerInvoice: '100000.00' }),
        201,
      );
      const paper = await issued(b, '50000.00', { medium: 'paper' });
      expect((await quota(b.token, b.taxId)).used).toBe('5050000.00');
      const voided = await t.http(b.token).post(`/v1/invoices/${paper.number}/void`).send({});
      expectStatus(voided, 200);
      expect((await quota(b.token, b.taxId)).used).toBe('5000000.00');
      await issued(b, '1000000.00'); // 6,000,000.00 = 80% of 7,500,000.00: raised to 9,000,000.00
      const applied = await t.http(b.token).post(`/v1/taxpayers/${b.taxId}/quota/applications`).send({ requestedTotal: '10000000.00', reason: '旺季' });
      expectStatus(applied, 201);
      expectStatus(await t.http(officer).post(`/v1/quota/applications/${applied.body.id}/approve`).send({}), 200);
      expect([200, 201]).toContain((await adjust(b.taxId, { period: '2023-07', kind: 'periodic', newTotal: '9500000.00', reason: '核定' })).status);
      await refused(b, '3500000.01', '3500000.00');
      await issued(b, '3500000.00');

      const entries = await checkLedger(b, '2023-07');
      expect(entries.map((e) => [e.kind, e.delta])).toEqual([
        ['initial', '7500000.00'],
        ['issue', '3000000.00'],
        ['paper_collection', '2000000.00'],
        ['issue', '50000.00'],
        ['paper_void_restore', '-50000.00'],
        ['temporary', '1500000.00'],
        ['issue', '1000000.00'],
        ['manual', '1000000.00'],
        ['periodic', '-500000.00'],
        ['issue', '3500000.00'],
      ]);
      expect(entries[4].ref).toBe(paper.number);
      expect(await quota(b.token, b.taxId, '2023-07')).toMatchObject({ total: '9500000.00', used: '9500000.00', temporaryAdjusted: true });
    });

    it('a batch decides each invoice by the same rules and chains the ledger the same way', async () => {
      const bt = await pilot('2023-07-03T09:00:00+08:00', { riskLevel: 'low', creditRating: 'A' });
      await setClock(t, '2023-07-05T09:00:00+08:00');
      const res = await t
        .http(bt.token)
        .post('/v1/invoices/batch')
        .send({
          invoices: ['5800000.00', '2000000.00', '1200000.00', '0.01'].map((amount) => invoiceBody(amount)),
        });
      expectStatus(res, 200);
      const [a, b, c, d] = res.body.results;
      expect([a.number, b.number, c.number].every((n: unknown) => typeof n === 'string')).toBe(true);
      expect(d.error).toMatchObject({ code: 'QUOTA_EXCEEDED', available: '0.00' });
      expect(await quota(bt.token, bt.taxId)).toMatchObject({ total: '9000000.00', used: '9000000.00', temporaryAdjusted: true });
      const entries = await checkLedger(bt, '2023-07');
      expect(entries.map((e) => [e.kind, e.delta, e.ref])).toEqual([
        ['initial', '7500000.00', expect.anything()],
        ['issue', '5800000.00', a.number],
        ['temporary', '1500000.00', expect.anything()],
        ['issue', '2000000.00', b.number],
        ['issue', '1200000.00', c.number],
      ]);
    });
  });
});
