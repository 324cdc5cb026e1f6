import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { waitReady } from '../support/service-process';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, scratchDatabase, taxpayerBody, TEST_SIGNING_KEY_SECRET } from '../support/test-app';

// Webhooks across service processes on one MySQL / MariaDB database (issue 16): two processes
// deliver every event exactly once per successful attempt; a process killed (SIGKILL) while it
// delivers loses nothing: after a restart the event arrives. The embedded SQLite database serves
// one process by design, so this runs on MySQL only.

type Json = Record<string, any>;
const SECRET_KEY = randomBytes(32).toString('hex');

(process.env.TEST_DB === 'mysql' ? describe : describe.skip)('webhooks with several service processes', () => {
  const root = path.resolve(__dirname, '../..');
  const children = new Map<number, ChildProcess>();
  const ports = [42000 + (process.pid % 1000) * 2, 42001 + (process.pid % 1000) * 2];
  let drop: () => Promise<void>;
  let url: string;
  let server: http.Server;
  let receiverPort = 0;
  const received: { path: string; id: string; raw: string; signature: string }[] = [];
  /** Requests to /hold are kept unanswered while this is set (and announced to it). */
  let holding: ((r: http.ServerResponse) => void) | null = null;

  const start = (port: number) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: url,
        PORT: String(port),
        BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'error',
        BCRYPT_COST: '4',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_SECRET_KEY: SECRET_KEY,
        SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
        WEBHOOK_RETRY_BASE_SECONDS: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.set(port, child);
    return waitReady(port, 300); // ts-node start-up is slow on a busy shared machine
  };
  const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

  beforeAll(async () => {
    ({ url, drop } = await scratchDatabase());
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ path: req.url!, id: JSON.parse(raw).id, raw, signature: String(req.headers['einvoice-signature']) });
        if (req.url === '/hold' && holding) return holding(res);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiverPort = (server.address() as AddressInfo).port;
    await Promise.all(ports.map(start));
  }, 700_000);

  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all([...children.values()].map(exited));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await drop();
  });

  const call = async (port: number, method: string, route: string, token: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
  };
  const until = async <T>(what: string, probe: () => Promise<T> | T, seconds = 120): Promise<NonNullable<T>> => {
    for (let i = 0; i < seconds * 10; i++) {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const invoice = (amount: string) => ({
    type: 'ordinary',
    buyer: { name: '个人消费者' },
    lines: [{ name: '咨询服务', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount, taxRate: '0.06' }],
  });
  async function taxpayer(): Promise<{ taxId: string; token: string }> {
    const taxId = makeTaxId();
    expect((await call(ports[0], 'POST', '/v1/taxpayers', ADMIN_TOKEN, taxpayerBody(taxId))).status).toBe(201);
    const key = await call(ports[1], 'POST', '/v1/api-keys', ADMIN_TOKEN, { name: 'webhooks', role: 'taxpayer', taxpayerId: taxId });
    return { taxId, token: key.body.token };
  }
  const rows = async (sql: string, params: unknown[]) => {
    const conn = await createConnection(url);
    try {
      return (await conn.query(sql, params))[0] as Json[];
    } finally {
      await conn.end();
    }
  };

  it('two processes deliver every event exactly once per successful attempt, to four endpoints', async () => {
    const p = await taxpayer();
    const hooks: Json[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(ports[i % 2], 'POST', '/v1/webhooks', p.token, { url: `http://127.0.0.1:${receiverPort}/ep${i}`, events: ['invoice.issued'] });
      expect(res.status).toBe(201);
      hooks.push(res.body);
    }
    const issued = await Promise.all(Array.from({ length: 40 }, (_, i) => call(ports[i % 2], 'POST', '/v1/invoices', p.token, invoice('100.00'))));
    expect(issued.every((r) => r.status === 201)).toBe(true);
    await until('40 events at each endpoint', () => hooks.every((_, i) => new Set(received.filter((r) => r.path === `/ep${i}`).map((r) => r.id)).size === 40));
    const deliveries = await rows(
      `SELECT status, attempts FROM webhook_deliveries WHERE webhook_id IN (${hooks.map(() => '?').join(',')})`,
      hooks.map((h) => h.id),
    );
    expect(deliveries).toHaveLength(160);
    expect(deliveries.every((d) => d.status === 'succeeded' && Number(d.attempts) === 1)).toBe(true);
    // Exactly once each (every attempt succeeded), each signed with its endpoint's secret.
    hooks.forEach((hook, i) => {
      const got = received.filter((r) => r.path === `/ep${i}`);
      expect(got).toHaveLength(40);
      for (const r of got) {
        const t = /t=(\d+)/.exec(r.signature)![1];
        expect(r.signature).toContain(`v1=${createHmac('sha256', hook.secret).update(`${t}.${r.raw}`).digest('hex')}`);
      }
      // In order per endpoint: events arrive in the order their ids sort (the order they were emitted).
      expect(got.map((r) => r.id)).toEqual(got.map((r) => r.id).sort());
    });
  }, 700_000);

  it('a process killed (SIGKILL) while delivering loses nothing: after a restart the event arrives', async () => {
    const p = await taxpayer();
    const hook = await call(ports[0], 'POST', '/v1/webhooks', p.token, { url: `http://127.0.0.1:${receiverPort}/hold`, events: ['invoice.issued'] });
    expect(hook.status).toBe(201);
    const held = new Promise<void>((resolve) => {
      holding = () => resolve(); // keep the request unanswered
    });
    const issued = await call(ports[1], 'POST', '/v1/invoices', p.token, invoice('100.00'));
    expect(issued.status).toBe(201);
    await held;
    holding = null;
    // The event is committed and a delivery is in flight: kill both processes mid-delivery.
    for (const child of children.values()) child.kill('SIGKILL');
    await Promise.all([...children.values()].map(exited));
    const first = received.filter((r) => r.path === '/hold');
    expect(first).toHaveLength(1);
    await start(ports[0]);
    // The dead process's claim runs out (30 s), then the restarted one delivers the same event.
    await until('the delivery after the restart', () => received.filter((r) => r.path === '/hold').length >= 2, 120);
    const [delivery] = await until('the delivery to be recorded', async () => {
      const r = await rows("SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = ? AND status = 'succeeded'", [hook.body.id]);
      return r.length ? r : null;
    });
    expect(delivery.status).toBe('succeeded');
    const again = received.filter((r) => r.path === '/hold');
    expect(new Set(again.map((r) => r.id)).size).toBe(1);
    expect(JSON.parse(again[1].raw).data.number).toBe(issued.body.number);
    await start(ports[1]);
  }, 700_000);
});
