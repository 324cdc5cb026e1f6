import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { quotaInvariants } from '../support/invariants';
import { waitReady } from '../support/service-process';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, registerTaxpayer, scratchDatabase, setClock, startApp, taxpayerBody, TestApp } from '../support/test-app';

// Issue 3, "Never over-issue"; DESIGN.md: correctness under concurrency comes from the database.
const invoiceOf = (amount: string) => ({
  type: 'ordinary',
  buyer: { name: '个人消费者' },
  lines: [{ name: '咨询服务', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount, taxRate: '0.06' }],
});

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
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, () => t.http(seller.token).post('/v1/invoices').send(invoiceOf('15000.00'))),
    );
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
        env: { PATH: process.env.PATH, DATABASE_URL: url, PORT: String(port), BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error', BCRYPT_COST: '4', NUMBER_BLOCK_SIZE: '7' },
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
    expect((await call(ports[0], 'POST', '/v1/taxpayers', ADMIN_TOKEN, taxpayerBody(taxId, { riskLevel: 'medium', initialQuota: '1000000.00' }))).status).toBe(201);
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
