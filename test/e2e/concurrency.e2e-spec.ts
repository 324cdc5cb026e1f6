import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { consumerInvoice } from '../support/drivers';
import { quotaInvariants } from '../support/invariants';
import { waitReady } from '../support/service-process';
import { makeTaxId } from '../support/tax-ids';
import { laneOf } from '../../src/common/coalescer';
import { Db } from '../../src/database/db.service';
import { InvoiceView } from '../../src/invoices/invoice.view';
import { IssueGroupCommitter, SingleIssue } from '../../src/invoices/issue-group-committer';
import { Settled } from '../../src/common/coalescer';
import { ADMIN_TOKEN, registerTaxpayer, scratchDatabase, setClock, startApp, taxpayerBody, TEST_SIGNING_KEY_SECRET, TestApp } from '../support/test-app';

// Issue 3, "Never over-issue"; DESIGN.md: correctness under concurrency comes from the database.
const invoiceOf = (amount: string) => consumerInvoice(amount);

const REQUESTS = 100;

describe('100 concurrent issues for one taxpayer (SPEC 4: never over-issue)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });
  afterAll(() => t.close());

  it.each([
    // riskLevel medium: no temporary adjustment. 1,000,000.00 / 15,000.00 -> exactly 66 fit.
    ['medium', 66, 0],
    // riskLevel low: at 80% the total is raised once by 20% to 1,200,000.00 -> exactly 80 fit.
    ['low', 80, 1],
  ] as const)('risk %s: exactly %d succeed, used never exceeds the total, the ledger sums to used', async (riskLevel, fit, raises) => {
    const seller = await registerTaxpayer(t, { riskLevel, initialQuota: '1000000.00' });
    const responses = await Promise.all(Array.from({ length: REQUESTS }, () => t.http(seller.token).post('/v1/invoices').send(invoiceOf('15000.00'))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(fit);
    expect(statuses.filter((s) => s === 422)).toHaveLength(REQUESTS - fit);
    for (const refused of responses.filter((r) => r.status === 422)) expect(refused.body.code).toBe('QUOTA_EXCEEDED');
    const numbers = responses.filter((r) => r.status === 201).map((r) => r.body.number);
    expect(new Set(numbers).size).toBe(fit);

    const q = await quotaInvariants((sql, params) => t.dataSource.query(sql, params), seller.taxId, '2023-07');
    expect(q.used).toBeLessThanOrEqual(q.total);
    expect(q.used).toBe(BigInt(fit) * 1_500_000n);
    expect(q.ledgerUsed).toBe(q.used);
    expect(q.ledgerTotal).toBe(q.total);
    expect(q.seqsGapless).toBe(true);
    expect(BigInt(q.ledgerEntries)).toBe(q.ledgerSeq);
    expect(q.issueEntries).toBe(fit);
    expect(q.temporaryEntries).toBe(raises);
    expect(q.invoiceCount).toBe(fit);
    expect(q.distinctNumbers).toBe(fit);
    expect(q.invoiceSum).toBe(q.used);
  });
});

// Issue 7: concurrent single issues are committed together (group commit, invoices/issue-group-committer.ts).
// Each must still be decided on its own (SPEC 4), answered on its own, and recorded once.
describe('group commit of concurrent single issues', () => {
  let t: TestApp;
  let groupSizes: number[];
  /** Members of each issuing transaction tried (a fallback to one transaction each shows here). */
  let transactions: number[];
  /** Runs just before a group's transaction (after its Idempotency-Keys were checked). */
  let beforeCommit: ((group: { record: { keyId?: string } }[]) => Promise<void>) | null = null;
  // Holds every group until `expected` requests have been submitted: on the embedded database a
  // transaction can finish before supertest's next request arrives, and the test needs groups.
  let hold: { expected: number; submitted: number; open: () => void; gate: Promise<void> } | null = null;
  /** The app's group committer, replaced by one that counts submissions, holds groups and records their transactions. */
  class ObservedCommitter extends IssueGroupCommitter {
    override submit(taxId: string, issue: SingleIssue): Promise<InvoiceView> {
      if (hold && ++hold.submitted >= hold.expected) hold.open();
      return super.submit(taxId, issue);
    }
    protected override async issueGroup(group: SingleIssue[]): Promise<Settled<InvoiceView>[]> {
      groupSizes.push(group.length);
      if (hold) await hold.gate;
      return super.issueGroup(group);
    }
    protected override async commitGroup(group: SingleIssue[]): Promise<Settled<InvoiceView>[]> {
      transactions.push(group.length);
      if (beforeCommit) await beforeCommit(group);
      return super.commitGroup(group);
    }
  }
  beforeAll(async () => {
    t = await startApp({ ISSUE_LANES: '2', ISSUE_QUEUE_LIMIT: '64' }, [{ provide: IssueGroupCommitter, useClass: ObservedCommitter }]);
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });
  beforeEach(() => {
    groupSizes = [];
    transactions = [];
    beforeCommit = null;
  });
  const holdFor = (expected: number) => {
    let open = () => undefined as void;
    hold = { expected, submitted: 0, open: () => open(), gate: new Promise<void>((r) => (open = r)) };
  };
  const submitted = async (n: number) => {
    for (let i = 0; i < 5000 && (hold?.submitted ?? 0) < n; i++) await new Promise((r) => setTimeout(r, 2));
    expect(hold?.submitted).toBe(n);
  };
  /** Another taxpayer whose requests share the lane of `taxId` (ISSUE_LANES 2). */
  const sameLane = async (taxId: string) => {
    let other = await registerTaxpayer(t);
    while (laneOf(other.taxId, 2) !== laneOf(taxId, 2)) other = await registerTaxpayer(t);
    return other;
  };
  const send = (token: string, amount: string, key?: string) => {
    const req = t.http(token).post('/v1/invoices');
    return (key ? req.set('Idempotency-Key', key) : req).send(invoiceOf(amount)).then((r) => r);
  };
  afterAll(() => t.close());

  it('many taxpayers at once, duplicates and refusals among them: each request answered on its own, quota exact, invariants hold', async () => {
    // Four sellers: a medium-risk one that fits 6 of its 10 requests, a low-risk one raised once
    // at 80 % (1,200,000.00: 8 of 10 fit), two with room for everything.
    const tight = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '100000.00' });
    const raised = await registerTaxpayer(t, { riskLevel: 'low', initialQuota: '1000000.00' });
    const roomy = [await registerTaxpayer(t), await registerTaxpayer(t)];
    const plan = [
      ...Array.from({ length: 10 }, () => ({ seller: tight, amount: '15000.00', key: undefined as string | undefined })),
      ...Array.from({ length: 10 }, () => ({ seller: raised, amount: '150000.00', key: undefined as string | undefined })),
      ...roomy.flatMap((seller, s) => Array.from({ length: 20 }, (_, i) => ({ seller, amount: `${100 + (i % 10)}.00`, key: `k-${s}-${i % 10}` }))),
    ];
    // Interleaved, so that groups mix taxpayers; every keyed request of the roomy sellers is sent twice at once.
    const order = plan.map((p, i) => ({ p, i })).sort((a, b) => (a.i % 10) - (b.i % 10) || a.i - b.i);
    // Nothing commits before every request has been submitted, so none of them can be a replay yet.
    holdFor(plan.length);
    const responses = await Promise.all(
      order.map(({ p }) => {
        const req = t.http(p.seller.token).post('/v1/invoices');
        return (p.key ? req.set('Idempotency-Key', p.key) : req).send(invoiceOf(p.amount));
      }),
    );
    hold = null;
    expect(Math.max(...groupSizes)).toBeGreaterThan(1); // requests really were committed together

    const byIndex = new Map(order.map(({ i }, k) => [i, responses[k]]));
    const of = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => byIndex.get(from + k)!);
    const tightAnswers = of(0, 10).map((r) => r.status);
    expect(tightAnswers.filter((s) => s === 201)).toHaveLength(6);
    expect(tightAnswers.filter((s) => s === 422)).toHaveLength(4);
    expect(of(10, 20).filter((r) => r.status === 201)).toHaveLength(8);
    for (const [s] of roomy.entries()) {
      const answers = of(20 + s * 20, 40 + s * 20);
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
      // Same key, same body: the same invoice, once.
      for (let i = 0; i < 10; i++) {
        expect(answers[i + 10].body.number).toBe(answers[i].body.number);
        expect(answers[i].body.totalAmount).toBe(`${100 + i}.00`);
      }
      expect(new Set(answers.map((r) => r.body.number)).size).toBe(10);
    }

    const query = (sql: string, params?: unknown[]) => t.dataSource.query(sql, params);
    for (const [seller, issued, raises] of [
      [tight, 6, 0],
      [raised, 8, 1],
      [roomy[0], 10, 0],
      [roomy[1], 10, 0],
    ] as const) {
      const q = await quotaInvariants(query, seller.taxId, '2023-07');
      expect(q.invoiceCount).toBe(issued);
      expect(q.distinctNumbers).toBe(issued);
      expect(q.issueEntries).toBe(issued);
      expect(q.temporaryEntries).toBe(raises);
      expect(q.used).toBeLessThanOrEqual(q.total);
      expect(q.used).toBe(q.invoiceSum);
      expect(q.ledgerUsed).toBe(q.used);
      expect(q.ledgerTotal).toBe(q.total);
      expect(q.seqsGapless).toBe(true);
      expect(BigInt(q.ledgerEntries)).toBe(q.ledgerSeq);
      const events = await query("SELECT action, actor FROM audit_events WHERE taxpayer_id = ? AND action IN ('invoice.issued', 'quota.temporary')", [
        seller.taxId,
      ]);
      expect(events.filter((e: { action: string }) => e.action === 'invoice.issued')).toHaveLength(issued);
      expect(events.filter((e: { action: string; actor: string }) => e.action === 'quota.temporary' && e.actor === 'system')).toHaveLength(raises);
    }
    const refusal = of(0, 10).find((r) => r.status === 422)!;
    expect(refusal.body).toMatchObject({ code: 'QUOTA_EXCEEDED', available: '10000.00' });
  });

  it("at the turn of the month, the new month's cap counts the old month's issues queued with it (SPEC 4, declaration window)", async () => {
    await setClock(t, '2023-05-10T10:00:00+08:00');
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '100000.00' });
    const other = await sameLane(seller.taxId);
    await setClock(t, '2023-06-30T23:59:59+08:00');
    // Another taxpayer's request holds the lane; June's A and July's B queue behind it, together.
    holdFor(3);
    const c = send(other.token, '1.00');
    await submitted(1);
    const a = send(seller.token, '60000.00');
    await submitted(2);
    await setClock(t, '2023-07-01T00:00:01+08:00');
    const b = send(seller.token, '80000.00');
    const [rc, ra, rb] = await Promise.all([c, a, b]);
    hold = null;
    expect(transactions).toEqual([1, 2]);
    expect([rc.status, ra.status]).toEqual([201, 201]);
    expect(ra.body.number.slice(0, 2)).toBe('23');
    // July's cap is June's remaining once A counts: 100,000.00 - 60,000.00.
    expect(rb.status).toBe(422);
    expect(rb.body).toMatchObject({ code: 'QUOTA_EXCEEDED', available: '40000.00' });
    const july = await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2023-07`);
    expect(july.body).toMatchObject({ inDeclarationWindow: true, used: '0.00', available: '40000.00' });
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });

  it('a late invoice of the old month may not take the remaining amount the new month has already used (SPEC 4, declaration window)', async () => {
    await setClock(t, '2023-05-10T10:00:00+08:00');
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '100000.00' });
    const other = await sameLane(seller.taxId);
    await setClock(t, '2023-06-30T23:59:59+08:00');
    holdFor(Infinity); // opened below, by hand
    const c = send(other.token, '1.00');
    await submitted(1);
    const a = send(seller.token, '60000.00'); // June's, held in the lane
    await submitted(2);
    await setClock(t, '2023-07-01T00:00:01+08:00');
    // Meanwhile July, in its window, issues 80,000.00 against June's remaining 100,000.00 (a batch: no lane).
    const july = await t
      .http(seller.token)
      .post('/v1/invoices/batch')
      .send({ invoices: [invoiceOf('80000.00')] });
    expect(july.status).toBe(200);
    expect(july.body.results[0].number).toMatch(/^23/);
    hold!.open();
    const [, ra] = await Promise.all([c, a]);
    hold = null;
    // June's remaining may not fall below July's 80,000.00: 20,000.00 is all June may still issue.
    expect(ra.status).toBe(422);
    expect(ra.body).toMatchObject({ code: 'QUOTA_EXCEEDED', available: '20000.00' });
    const june = await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2023-06`);
    const julyView = await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2023-07`);
    expect(june.body).toMatchObject({ used: '0.00', remaining: '100000.00' });
    expect(julyView.body).toMatchObject({ inDeclarationWindow: true, used: '80000.00', available: '20000.00' });
    // Within that, June still issues.
    await setClock(t, '2023-06-30T23:59:59+08:00');
    expect((await send(seller.token, '20000.00')).status).toBe(201);
    expect((await send(seller.token, '0.01')).status).toBe(422);
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });

  it('in one group, the earlier month is decided first, whatever the order of arrival (SPEC 4, declaration window)', async () => {
    await setClock(t, '2023-05-10T10:00:00+08:00');
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '100000.00' });
    const other = await sameLane(seller.taxId);
    holdFor(3);
    const c = send(other.token, '1.00');
    await submitted(1);
    await setClock(t, '2023-07-01T00:00:01+08:00');
    const b = send(seller.token, '80000.00'); // July's, first in the queue
    await submitted(2);
    await setClock(t, '2023-06-30T23:59:59+08:00');
    const a = send(seller.token, '60000.00'); // June's, behind it
    const [, ra, rb] = await Promise.all([c, a, b]);
    hold = null;
    expect(transactions).toEqual([1, 2]);
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(422);
    expect(rb.body).toMatchObject({ code: 'QUOTA_EXCEEDED', available: '40000.00' });
    await setClock(t, '2023-07-20T09:00:00+08:00');
  });

  it('Idempotency-Keys in a group: a duplicate replays the first, another body under a used key is 409, a refusal replays as 422, and the group stays one transaction', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium', initialQuota: '1000.00' });
    const other = await sameLane(seller.taxId);
    const plan: [string, string][] = [
      ['k1', '100.00'],
      ['k2', '100.00'],
      ['k3', '100.00'],
      ['k1', '100.00'],
      ['k2', '200.00'],
      ['k4', '5000.00'],
      ['k5', '6000.00'],
      ['k5', '6000.00'],
    ];
    holdFor(plan.length + 1);
    const blocker = send(other.token, '1.00'); // holds the lane, so that the plan's requests form one group
    await submitted(1);
    const answers = await Promise.all(plan.map(([key, amount]) => send(seller.token, amount, key)));
    await blocker;
    hold = null;
    expect(transactions).toEqual([1, 5]); // k1-k5 together; the second k1, k2 and k5 after them, without a transaction
    // They arrive in any order: for k2, whichever body came first wins and the other is 409.
    const [k1a, k2a, k3, k1b, k2b, k4, k5a, k5b] = answers;
    // A refusal is recorded with the group: its duplicate replays it rather than being decided again.
    expect([k5a.status, k5b.status]).toEqual([422, 422]);
    expect([k5a.headers['idempotent-replayed'], k5b.headers['idempotent-replayed']].sort()).toEqual(['true', undefined]);
    expect([k1a.status, k1b.status, k3.status]).toEqual([201, 201, 201]);
    expect(k1b.body.number).toBe(k1a.body.number);
    expect([k1a.headers['idempotent-replayed'], k1b.headers['idempotent-replayed']].sort()).toEqual(['true', undefined]);
    expect([k2a.status, k2b.status].sort()).toEqual([201, 409]);
    expect([k2a, k2b].find((r) => r.status === 409)!.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(k4.status).toBe(422);
    expect(k4.body.code).toBe('QUOTA_EXCEEDED');
    const k2amount = k2a.status === 201 ? 10_000n : 20_000n;
    const again = await send(seller.token, '5000.00', 'k4');
    expect(again.status).toBe(422);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const q = await quotaInvariants((sql, params) => t.dataSource.query(sql, params), seller.taxId, '2023-07');
    expect(q.invoiceCount).toBe(3);
    expect(q.used).toBe(20_000n + k2amount);
  });

  it('when the shared transaction fails as a whole, each member is tried alone: one failure stays one failure', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium' });
    const other = await sameLane(seller.taxId);
    // Another process records one member's key between the check and the transaction.
    beforeCommit = async (group) => {
      const victim = group.find((m) => m.record.keyId);
      if (!victim || group.length < 2) return;
      beforeCommit = null;
      await t.dataSource.query('INSERT INTO idempotency_keys (id, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?)', [
        victim.record.keyId,
        'f'.repeat(64),
        201,
        JSON.stringify({ elsewhere: true }),
        t.dataSource.driver.preparePersistentValue(new Date(), t.dataSource.getMetadata('idempotency_keys').findColumnWithPropertyName('createdAt')!),
      ]);
    };
    holdFor(6);
    const blocker = send(other.token, '1.00');
    await submitted(1);
    const answers = await Promise.all([
      send(seller.token, '10.00'),
      send(seller.token, '11.00', 'taken-elsewhere'),
      send(seller.token, '12.00'),
      send(seller.token, '13.00'),
      send(seller.token, '14.00'),
    ]);
    await blocker;
    hold = null;
    expect(transactions).toEqual([1, 5, 1, 1, 1, 1, 1]); // the group of 5 failed, then each alone
    expect(answers.map((r) => r.status)).toEqual([201, 409, 201, 201, 201]);
    expect(answers[1].body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const q = await quotaInvariants((sql, params) => t.dataSource.query(sql, params), seller.taxId, '2023-07');
    expect(q.invoiceCount).toBe(4);
    expect(q.used).toBe(4_900n);
    expect(q.seqsGapless).toBe(true);
  });

  it('a group whose COMMIT went through but whose answer was lost answers its invoices as issued, and issues nothing twice', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium' });
    const other = await sameLane(seller.taxId);
    const db = t.app.get(Db);
    const transaction = db.transaction.bind(db);
    let lost = false;
    // The group's transaction commits, then its connection "drops" before the answer arrives.
    const spy = jest.spyOn(db, 'transaction').mockImplementation(async (work) => {
      const result = await transaction(work);
      if (!lost && Array.isArray(result) && result.length === 4) {
        lost = true;
        throw new Error('Connection lost: The server closed the connection.');
      }
      return result;
    });
    try {
      holdFor(5);
      const blocker = send(other.token, '1.00');
      await submitted(1);
      const answers = await Promise.all(['10.00', '11.00', '12.00', '13.00'].map((amount) => send(seller.token, amount)));
      await blocker;
      hold = null;
      expect(lost).toBe(true);
      expect(transactions).toEqual([1, 4]); // no member tried again
      expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      expect(answers.map((r) => r.body.totalAmount)).toEqual(['10.00', '11.00', '12.00', '13.00']);
      const q = await quotaInvariants((sql, params) => t.dataSource.query(sql, params), seller.taxId, '2023-07');
      expect(q.invoiceCount).toBe(4);
      expect(q.distinctNumbers).toBe(4);
      expect(new Set(answers.map((r) => r.body.number)).size).toBe(4);
      expect(q.used).toBe(4_600n);
    } finally {
      spy.mockRestore();
    }
  });

  it('sheds load: beyond ISSUE_QUEUE_LIMIT waiting in a lane, a call is refused at once with 503 and Retry-After, and nothing of it is kept', async () => {
    const seller = await registerTaxpayer(t, { riskLevel: 'medium' });
    const other = await sameLane(seller.taxId);
    holdFor(Infinity); // opened below, by hand
    const blocker = send(other.token, '1.00'); // the lane's running group
    await submitted(1);
    const waiting = Array.from({ length: 64 }, (_, i) => send(seller.token, '1.00', `shed-${i}`));
    await submitted(65);
    const refused = await send(seller.token, '2.00', 'shed-late');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
    hold!.open();
    const answers = await Promise.all([blocker, ...waiting]);
    hold = null;
    expect(answers.every((r) => r.status === 201)).toBe(true);
    // Not recorded under its key: the same call later is issued normally.
    const retried = await send(seller.token, '2.00', 'shed-late');
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const q = await quotaInvariants((sql, params) => t.dataSource.query(sql, params), seller.taxId, '2023-07');
    expect(q.invoiceCount).toBe(65);
  });

  it('a lone request is committed alone, without waiting for company', async () => {
    const seller = await registerTaxpayer(t);
    const res = await t.http(seller.token).post('/v1/invoices').send(invoiceOf('1.00'));
    expect(res.status).toBe(201);
    expect(groupSizes).toEqual([1]);
  });
});

// The embedded SQLite database serves one process by design (README); two processes share a
// database only on MySQL / MariaDB.
(process.env.TEST_DB === 'mysql' ? describe : describe.skip)('two service processes on one database', () => {
  const root = path.resolve(__dirname, '../..');
  const children: ChildProcess[] = [];
  let drop: () => Promise<void>;
  let url: string;
  const ports = [41000 + (process.pid % 1000) * 2, 41001 + (process.pid % 1000) * 2];

  beforeAll(async () => {
    ({ url, drop } = await scratchDatabase());
    for (const port of ports) {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: url,
          PORT: String(port),
          BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
          LOG_LEVEL: 'error',
          BCRYPT_COST: '4',
          NUMBER_BLOCK_SIZE: '7',
          SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
    }
    await Promise.all(ports.map((port) => waitReady(port, 60)));
  }, 180_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await drop();
  });

  const call = async (port: number, method: string, route: string, token: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('100 requests split across both processes: exactly as many succeed as fit, numbers distinct, ledger = used', async () => {
    const taxId = makeTaxId();
    expect((await call(ports[0], 'POST', '/v1/taxpayers', ADMIN_TOKEN, taxpayerBody(taxId, { riskLevel: 'medium', initialQuota: '1000000.00' }))).status).toBe(
      201,
    );
    const key = await call(ports[1], 'POST', '/v1/api-keys', ADMIN_TOKEN, { name: 'two-process', role: 'taxpayer', taxpayerId: taxId });
    expect(key.status).toBe(201);
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => call(ports[i % 2], 'POST', '/v1/invoices', key.body.token, invoiceOf('15000.00'))),
    );
    const ok = responses.filter((r) => r.status === 201);
    expect(ok).toHaveLength(66);
    expect(responses.filter((r) => r.status === 422 && r.body.code === 'QUOTA_EXCEEDED')).toHaveLength(REQUESTS - 66);
    expect(new Set(ok.map((r) => r.body.number)).size).toBe(66);
    // Both processes issued (and so both reserved number blocks of 7 from the same sequence).
    const servedBy = new Set(responses.map((_, i) => i % 2).filter((_, i) => responses[i].status === 201));
    expect(servedBy.size).toBe(2);

    const conn = await createConnection(url);
    try {
      const period = ok[0].body.issuedAt.slice(0, 7);
      const q = await quotaInvariants(async (sql, params) => (await conn.query(sql, params))[0] as Record<string, unknown>[], taxId, period);
      expect(q.used).toBe(66n * 1_500_000n);
      expect(q.used).toBeLessThanOrEqual(q.total);
      expect(q.ledgerUsed).toBe(q.used);
      expect(q.ledgerTotal).toBe(q.total);
      expect(q.seqsGapless).toBe(true);
      expect(q.invoiceCount).toBe(66);
      expect(q.distinctNumbers).toBe(66);
      expect(q.invoiceSum).toBe(q.used);
    } finally {
      await conn.end();
    }
  }, 120_000);
});
