/**
 * npm run bench: issued invoices per second and p50/p99 latency, at 32 concurrent clients, for
 * (a) many taxpayers and (b) one hot taxpayer, against the production build on MySQL/MariaDB,
 * and the same work done as bare SQL through mysql2 (the floor the service could reach).
 *
 * BENCH_MYSQL_URL (or MYSQL_URL; default mysql://root:@127.0.0.1:3306/test) names the server; a
 * scratch database is created and dropped. BENCH_SECONDS (default 8) per scenario,
 * BENCH_CLIENTS (default 32; every scenario also runs at twice that), and the batch endpoint
 * (50 invoices a request). Prints figures; asserts nothing.
 *
 * ISSUE_LANES, DB_POOL_SIZE and NODE_OPTIONS, when set, pass through to the service.
 * BENCH_ONLY (comma-separated: render, issue, batch, export, bare, webhooks, signing, growth, console, render-isolation) runs some sections only.
 * webhooks: one hot taxpayer's issuing with 50 webhooks subscribed to invoice.issued (delivered to a
 * local receiver) against the same without, as a ratio.
 * signing: one hot taxpayer's issuing alone, while readers download each new invoice's XML (its
 * first download signs it, issue 13), and while they download stored files; SIGNING_READERS (4).
 * growth: lists, filters and exports on a database filled to BENCH_GROWTH_INVOICES, against an empty one.
 * console (test/bench/console-bench.ts) measures the web console's initial JavaScript and home page time.
 * render-isolation: another tenant's GET /v1/invoices/{n} p50/p90/p99 alone, then while three
 * loops fetch the PDF of a 2,000-line invoice (issue 11 item 10; goal p90 < 100 ms).
 * BENCH_CPU_PROF=<dir> runs the service under `node --cpu-prof` and writes its profile there
 * when the service sections end; summarize it with test/bench/profile-summary.ts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { createConnection, createPool, Pool } from 'mysql2/promise';
import { usccCheckCharacter } from '../../src/taxpayers/uscc';
import { growthBench } from './growth';
import { waitReady } from '../support/service-process';
import { renderBench } from './render-bench';
import { consoleBench } from './console-bench';

const SERVER = process.env.BENCH_MYSQL_URL ?? process.env.MYSQL_URL ?? 'mysql://root:@127.0.0.1:3306/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const TAXPAYERS = 64;
const BATCH = 50;
const PORT = Number(process.env.BENCH_PORT ?? 39123); // BENCH_PORT: another free port when several benches share the machine
const ADMIN = `bench-admin-${randomBytes(8).toString('hex')}`;
const root = path.resolve(__dirname, '../..');
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const runs = (section: string) => !ONLY || ONLY.has(section);
const CPU_PROF = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : null;

const taxId = (n: number) => {
  const first17 = `91220100MB${String(n).padStart(7, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

const LINES = [
  {
    name: '笔记本电脑',
    taxClassificationCode: '1090511030000000000',
    categoryShortName: '计算机',
    spec: 'X1',
    unit: '台',
    quantity: '2',
    unitPrice: '5000.00',
    amount: '10000.00',
    taxRate: '0.13',
  },
  {
    name: '鼠标',
    taxClassificationCode: '1090511030000000000',
    categoryShortName: '计算机',
    unit: '个',
    quantity: '10',
    unitPrice: '50.00',
    amount: '500.00',
    taxRate: '0.13',
  },
  { name: '安装服务', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount: '300.00', taxRate: '0.06' },
];
const BODY = JSON.stringify({ type: 'ordinary', buyer: { name: '个人消费者' }, lines: LINES, drawer: '压测' });

interface Result {
  name: string;
  clients: number;
  count: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  cpu: Cpu;
  statements: number;
}

/** Statements MariaDB has received from every client so far (its global `Questions` counter). */
let statusConnection: Promise<import('mysql2/promise').Connection> | null = null;
async function statementsSoFar(): Promise<number> {
  statusConnection ??= createConnection(SERVER);
  const [rows] = await (await statusConnection).query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number((rows as { Value: string }[])[0].Value);
}

/** CPU seconds used so far by the load generator (this process), the service and MariaDB. */
interface Cpu {
  bench: number;
  service: number;
  db: number;
}

/** user + system CPU seconds of a process, from /proc (Linux); 0 when it cannot be read. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ') as string[];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

let servicePid: number | undefined;
const mariadbPid = (() => {
  try {
    return Number(require('node:child_process').execFileSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' }).trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
})();

function cpuNow(): Cpu {
  const own = process.cpuUsage();
  return { bench: (own.user + own.system) / 1e6, service: cpuSeconds(servicePid), db: cpuSeconds(mariadbPid) };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Runs `op` from `clients` loops for SECONDS; latencies in ms; each successful op counts `perOp` invoices. */
async function load(name: string, op: (client: number) => Promise<boolean>, clients = CLIENTS, perOp = 1): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const warmupUntil = Date.now() + 1000;
  while (Date.now() < warmupUntil) await Promise.all(Array.from({ length: clients }, (_, c) => op(c)));
  const statements0 = await statementsSoFar();
  const started = process.hrtime.bigint();
  const cpu0 = cpuNow();
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (Date.now() < until) {
        const t0 = process.hrtime.bigint();
        const ok = await op(c).catch(() => false);
        if (ok) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        else errors++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu1 = cpuNow();
  const statements = (await statementsSoFar()) - statements0 - 1;
  latencies.sort((a, b) => a - b);
  const cpu = { bench: cpu1.bench - cpu0.bench, service: cpu1.service - cpu0.service, db: cpu1.db - cpu0.db };
  return { name, clients, count: latencies.length * perOp, errors, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu, statements };
}

async function startService(url: string): Promise<ChildProcess> {
  const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, '-r', path.join(__dirname, 'profile-preload.js')] : [];
  // As `npm start` runs it (package.json).
  const child = spawn(process.execPath, [...profile, '--max-semi-space-size=64', 'dist/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      PORT: String(PORT),
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000',
      // The webhooks section delivers to a receiver on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
      // Its hot taxpayer registers 50 webhooks (the issue's figure), above the default limit of 16.
      WEBHOOK_MAX_PER_TAXPAYER: '50',
      // Required on MySQL (seals the signing keys); each run has a fresh database.
      SIGNING_KEY_SECRET: randomBytes(32).toString('hex'),
      // Tuning settings pass through, to compare them.
      ...Object.fromEntries(['ISSUE_LANES', 'DB_POOL_SIZE', 'NODE_OPTIONS'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  servicePid = child.pid;
  await waitReady(PORT);
  return child;
}

/**
 * The load generator's POST: node:http over kept-alive connections, reading the whole answer
 * (as a client must) without parsing it. Lighter than fetch, which cost the benchmark process
 * about twice as much CPU per call, CPU the service then did not have on a shared machine.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function post(route: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: route,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function api(method: string, route: string, token: string, body?: string) {
  const res = await fetch(`http://127.0.0.1:${PORT}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The service's issuing transaction, as bare SQL: invoice, lines, audit event, conditional quota UPDATE, read-back, ledger. */
async function bareIssue(pool: Pool, seller: string, period: string, number: string): Promise<boolean> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const now = new Date();
    await conn.query(
      `INSERT INTO invoices (number, type, medium, color, status, issued_at, period, seller_tax_id, seller_name, seller_address, seller_phone, seller_bank_name, seller_bank_account,
        buyer_tax_id, buyer_name, buyer_address, buyer_phone, buyer_bank_name, buyer_bank_account, buyer_email, price_includes_tax, total_amount, total_tax, total_with_tax,
        remarks, drawer, specific_business_type, specific_business, \`usage\`, accounting_entry, voided_at, issued_by)
       VALUES (?, 'ordinary', 'electronic', 'blue', 'issued', ?, ?, ?, 'x', '', '', '', '', NULL, '个人消费者', '', '', '', '', NULL, 0, 1080000, 137300, 1217300, '', '压测', NULL, NULL, NULL, 'not_entered', NULL, 'bench')`,
      [number, now, period, seller],
    );
    await conn.query(
      `INSERT INTO invoice_lines (invoice_number, line_no, item_name, category_short_name, tax_classification_code, spec, unit, quantity, unit_price, amount, tax_rate, tax_amount, preferential_policy)
       VALUES (?, 1, '笔记本电脑', '计算机', '1090511030000000000', 'X1', '台', '2', '5000', 1000000, '0.13', 130000, NULL),
              (?, 2, '鼠标', '计算机', '1090511030000000000', '', '个', '10', '50', 50000, '0.13', 6500, NULL),
              (?, 3, '安装服务', '信息技术服务', '3040201000000000000', '', '', NULL, NULL, 30000, '0.06', 1800, NULL)`,
      [number, number, number],
    );
    await conn.query(
      `INSERT INTO audit_events (id, at, actor, actor_role, action, object_type, object_id, taxpayer_id, \`before\`, \`after\`) VALUES (?, ?, 'bench', 'taxpayer', 'invoice.issued', 'invoice', ?, ?, NULL, '{}')`,
      [randomUUID(), now, number, seller],
    );
    const [update] = await conn.query(
      'UPDATE quota_months SET used = used + ?, ledger_seq = ledger_seq + 1 WHERE taxpayer_id = ? AND period = ? AND used + ? <= total',
      [1080000, seller, period, 1080000],
    );
    if ((update as { affectedRows: number }).affectedRows !== 1) throw new Error('quota');
    const [rows] = await conn.query('SELECT total, used, ledger_seq FROM quota_months WHERE taxpayer_id = ? AND period = ?', [seller, period]);
    const row = (rows as Record<string, string>[])[0];
    await conn.query(
      `INSERT INTO quota_ledger (taxpayer_id, period, seq, at, kind, delta, total_after, used_after, ref, actor) VALUES (?, ?, ?, ?, 'issue', 1080000, ?, ?, ?, 'bench')`,
      [seller, period, row.ledger_seq, now, row.total, row.used, number],
    );
    await conn.commit();
    return true;
  } catch (error) {
    await conn.rollback();
    throw error;
  } finally {
    conn.release();
  }
}

const EXPORT_INVOICES = Number(process.env.BENCH_EXPORT_INVOICES ?? 100_000);

/** The service's resident memory, from /proc (Linux). */
function rssMb(pid: number): number {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** EXPORT_INVOICES invoices written straight into the tables, then exported as jsonl and csv
 * while the service's memory is sampled: streamed, it must stay flat. */
async function exportBench(url: string, service: ChildProcess, token: string, seller: string): Promise<void> {
  const pool = createPool({ uri: url, connectionLimit: 4, timezone: 'Z' });
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < EXPORT_INVOICES; i += 1000) {
    const n = Math.min(1000, EXPORT_INVOICES - i);
    const numbers = Array.from({ length: n }, (_, k) => `26229${String(500_000_000_000_000 + i + k).padStart(15, '0')}`);
    await pool.query(
      `INSERT INTO invoices (number, type, medium, color, status, issued_at, period, seller_tax_id, seller_name, seller_address, seller_phone, seller_bank_name, seller_bank_account,
        buyer_tax_id, buyer_name, buyer_address, buyer_phone, buyer_bank_name, buyer_bank_account, buyer_email, price_includes_tax, total_amount, total_tax, total_with_tax,
        remarks, drawer, specific_business_type, specific_business, \`usage\`, accounting_entry, voided_at, issued_by) VALUES ?`,
      [
        numbers.map((num, k) => [
          num,
          'ordinary',
          'electronic',
          'blue',
          'issued',
          new Date(start + (i + k) * 1000),
          '2026-01',
          seller,
          '压测企业',
          '',
          '',
          '',
          '',
          null,
          '个人消费者',
          '',
          '',
          '',
          '',
          null,
          0,
          1080000,
          137300,
          1217300,
          '',
          '压测',
          null,
          null,
          null,
          'not_entered',
          null,
          'bench',
        ]),
      ],
    );
    await pool.query(
      'INSERT INTO invoice_lines (invoice_number, line_no, item_name, category_short_name, tax_classification_code, spec, unit, quantity, unit_price, amount, tax_rate, tax_amount, preferential_policy) VALUES ?',
      [numbers.map((num) => [num, 1, '笔记本电脑', '计算机', '1090511030000000000', 'X1', '台', '2', '5000', 1000000, '0.13', 130000, null])],
    );
  }
  await pool.end();
  console.log(`\nexport of ${EXPORT_INVOICES} invoices (one line each), the service's resident memory`);
  for (const format of ['jsonl', 'csv']) {
    const before = rssMb(service.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(service.pid!))), 100);
    const t0 = Date.now();
    const res = await fetch(`http://127.0.0.1:${PORT}/v1/exports/invoices?format=${format}&taxId=${seller}&direction=issued`, {
      headers: { authorization: `Bearer ${token}` },
    });
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    clearInterval(sampler);
    console.log(
      `  ${format.padEnd(5)} ${(bytes / 1048576).toFixed(1).padStart(7)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s; RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most (+${(peak - before).toFixed(0)} MB)`,
    );
  }
}

/**
 * Issuing by one hot taxpayer without webhooks, then with 50 webhooks subscribed to
 * invoice.issued (a receiver on 127.0.0.1 answers 204 at once): the outbox rows are written either
 * way; the difference is the fan-out and the deliveries running in the same process. Prints the
 * ratio and what was delivered meanwhile.
 */
/** How long the webhooks section watches the backlog go out once issuing stopped. */
const DRAIN_SECONDS = Number(process.env.BENCH_WEBHOOK_DRAIN_SECONDS ?? 60);

async function webhooksBench(url: string, token: string, issue: (token: string) => Promise<boolean>): Promise<Result[]> {
  let received = 0;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as import('node:net').AddressInfo).port;
  try {
    const without = await load('webhooks: none, one hot taxpayer', () => issue(token));
    for (let i = 0; i < 50; i++) {
      const res = await api('POST', '/v1/webhooks', token, JSON.stringify({ url: `http://127.0.0.1:${port}/hook/${i}`, events: ['invoice.issued'] }));
      if (res.status !== 201) throw new Error(`webhook: ${JSON.stringify(res.body)}`);
    }
    const before = received;
    const withHooks = await load('webhooks: 50 on invoice.issued, hot', () => issue(token));
    const delivered = received - before;
    const conn = await createConnection(url);
    const backlog = async () => {
      const [[row]] = (await conn.query(
        "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending') AS pending, (SELECT COUNT(*) FROM outbox_events WHERE dispatched = 0) AS events",
      )) as unknown as [{ pending: number; events: number }[]];
      return { pending: Number(row.pending), events: Number(row.events) };
    };
    const pending = { n: (await backlog()).pending };
    const events = (await backlog()).events;
    // Then, with issuing stopped, how long the backlog takes to go out (every issued invoice's event to all 50 endpoints).
    const drainStart = Date.now();
    let left = await backlog();
    const receivedAtStop = received;
    while ((left.pending > 0 || left.events > 0) && Date.now() - drainStart < DRAIN_SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      left = await backlog();
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await conn.end();
    console.log(
      `\nwebhooks: ${(withHooks.count / withHooks.seconds).toFixed(0)} invoices/s with 50 webhooks vs ${(without.count / without.seconds).toFixed(0)} without: ratio ${(withHooks.count / withHooks.seconds / (without.count / without.seconds)).toFixed(2)} (goal >= 0.9);`,
    );
    console.log(
      `  ${delivered} deliveries received during the run (${(delivered / withHooks.seconds).toFixed(0)}/s), ${pending.n} pending and ${events} events not yet fanned out when it ended;`,
    );
    console.log(
      `  then, with issuing stopped, ${received - receivedAtStop} deliveries in ${drainSeconds.toFixed(1)} s (${((received - receivedAtStop) / drainSeconds).toFixed(0)}/s; ` +
        `BENCH_WEBHOOK_DRAIN_SECONDS ${DRAIN_SECONDS}), ${left.pending} pending and ${left.events} events left`,
    );
    return [without, withHooks];
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  }
}

/** One request over the kept-alive agent: status and body (read whole). */
function request(method: string, route: string, token: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: route,
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** How many XML data files the platform has signed so far (issue 13: once each, at the first download). */
async function signedFiles(conn: import('mysql2/promise').Connection): Promise<number> {
  const [[row]] = (await conn.query('SELECT COUNT(*) AS n FROM invoice_signed_xml WHERE chunk_no = 0')) as unknown as [{ n: number }[]];
  return Number(row.n);
}

/**
 * Issue 13: issuing never signs; the platform signs an XML data file (SM2) on its first download and
 * stores it. One hot taxpayer issues at CLIENTS for SECONDS three times: alone; while
 * SIGNING_READERS clients (default 4) download the XML of each invoice in the order it was issued,
 * as an accounting system fetching every new file does (each of those downloads signs); and, as the
 * control, while the same readers download files already signed (stored bytes, no signing). The
 * last two differ only by the signing, so their ratio is signing's cost to issuing; the first two by
 * everything the readers do. Prints the rates and ratios, the files signed in each run (none while
 * issuing alone) against the invoices issued, and the first and a later download's latency.
 */
async function signingBench(url: string, token: string): Promise<Result[]> {
  const readers = Number(process.env.SIGNING_READERS ?? 4);
  const conn = await createConnection(url);
  const xml = (number: string) => request('GET', `/v1/invoices/${number}`, token, { accept: 'application/xml' });
  try {
    const queue: string[] = [];
    const issueOne = async () => {
      const res = await request('POST', '/v1/invoices', token, {}, BODY);
      if (res.status !== 201) return false;
      queue.push(JSON.parse(res.body.toString('utf8')).number);
      return true;
    };
    /** Issues for SECONDS while `readers` loops run `read` on the next number (null: nothing to read yet); answers the run and the reads' latencies. */
    const run = async (name: string, read: (() => string | null) | null) => {
      let reading = read !== null;
      const latencies: number[] = [];
      let failures = 0;
      const loops = Array.from({ length: read ? readers : 0 }, async () => {
        while (reading) {
          const number = read!();
          if (!number) {
            await new Promise((r) => setTimeout(r, 2));
            continue;
          }
          const t0 = process.hrtime.bigint();
          const res = await xml(number);
          if (res.status === 200 && res.body.includes('<SignatureValue>')) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else failures++;
        }
      });
      const signed0 = await signedFiles(conn);
      const issued0 = queue.length;
      const result = await load(name, issueOne);
      reading = false;
      await Promise.all(loops);
      latencies.sort((a, b) => a - b);
      return { result, signed: (await signedFiles(conn)) - signed0, issued: queue.length - issued0, latencies, failures };
    };
    const alone = await run('signing: issuing alone, hot', null);
    // Readers take the invoices in the order they were issued, from the first one issued in the run.
    const first = queue.length;
    let next = first;
    const signing = await run('signing: issuing, readers signing', () => (next < queue.length ? queue[next++] : null));
    // The control: the same readers on files signed already (round robin over those just signed).
    const stored = queue.slice(first, next);
    let k = 0;
    const control = await run('signing: issuing, readers of stored', () => (stored.length ? stored[k++ % stored.length] : null));
    const rate = (r: Result) => r.count / r.seconds;
    const p = (l: number[], q: number) => percentile(l, q).toFixed(1);
    console.log(
      `\nsigning (issue 13), one hot taxpayer at ${CLIENTS} clients, ${readers} readers: issued ${rate(alone.result).toFixed(0)}/s alone ` +
        `(${alone.signed} files signed meanwhile: issuing signs nothing); ${rate(signing.result).toFixed(0)}/s while the readers downloaded each new invoice's XML ` +
        `(${signing.signed} signed of ${signing.issued} issued in the run); ${rate(control.result).toFixed(0)}/s while they downloaded stored files (${control.signed} signed).`,
    );
    console.log(
      `  ratios: signing readers / alone ${(rate(signing.result) / rate(alone.result)).toFixed(2)}; stored readers / alone ${(rate(control.result) / rate(alone.result)).toFixed(2)}; ` +
        `signing readers / stored readers ${(rate(signing.result) / rate(control.result)).toFixed(2)} (the cost of signing itself; goal >= 0.9)`,
    );
    console.log(
      `  first downloads (signing) p50 ${p(signing.latencies, 50)} / p99 ${p(signing.latencies, 99)} ms, ${signing.failures} failed; ` +
        `stored downloads p50 ${p(control.latencies, 50)} / p99 ${p(control.latencies, 99)} ms, ${control.failures} failed`,
    );
    return [alone.result, signing.result, control.result];
  } finally {
    await conn.end();
  }
}

function table(results: Result[], pairs: [string, string][]) {
  const rate = (r: Result) => r.count / r.seconds;
  console.log(`\n${SECONDS} s per scenario, ${LINES.length} lines per invoice; latency is per request (a batch request carries ${BATCH} invoices)\n`);
  console.log('CPU: milliseconds of CPU per invoice used by the load generator (this process), the service and MariaDB; stmts: SQL statements per invoice\n');
  console.log('scenario                               clients   invoices/s     p50 ms     p99 ms   errors   CPU ms/invoice: load  service  MariaDB   stmts');
  const perInvoice = (r: Result, s: number) => ((s * 1000) / Math.max(1, r.count)).toFixed(2);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(38)} ${String(r.clients).padStart(7)} ${rate(r).toFixed(0).padStart(12)} ${r.p50.toFixed(1).padStart(10)} ${r.p99.toFixed(1).padStart(10)} ${String(r.errors).padStart(8)}` +
        `${perInvoice(r, r.cpu.bench).padStart(22)} ${perInvoice(r, r.cpu.service).padStart(8)} ${perInvoice(r, r.cpu.db).padStart(8)} ${(r.statements / Math.max(1, r.count)).toFixed(2).padStart(7)}`,
    );
  }
  console.log('');
  for (const [a, b] of pairs) {
    for (const clients of [CLIENTS, CLIENTS * 2]) {
      const x = results.find((r) => r.name === a && r.clients === clients);
      const y = results.find((r) => r.name === b && r.clients === clients);
      if (x && y) console.log(`${a} / ${b}, ${clients} clients: ${((rate(x) / rate(y)) * 100).toFixed(0)}%`);
    }
  }
}

/** GET a route over the kept-alive agent, reading (and discarding) the whole answer. */
function get(route: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: PORT, path: route, method: 'GET', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Issue 11 item 10: one taxpayer fetches the PDF of its own 2,000-line invoice in three parallel
 * loops; another taxpayer's plain JSON read must stay fast (goal: p90 under 100 ms). Measured
 * first alone, then under the PDF load, for BENCH_SECONDS each.
 */
async function renderIsolationBench(renderer: string, reader: string): Promise<void> {
  const big = JSON.stringify({
    type: 'ordinary',
    buyer: { name: '个人消费者' },
    lines: Array.from({ length: 2000 }, (_, i) => ({ ...LINES[1], name: `鼠标${i + 1}` })),
    drawer: '压测',
  });
  const bigIssued = await api('POST', '/v1/invoices', renderer, big);
  if (bigIssued.status !== 201) throw new Error(`2,000-line invoice: ${JSON.stringify(bigIssued.body).slice(0, 300)}`);
  const small = await api('POST', '/v1/invoices', reader, BODY);
  if (small.status !== 201) throw new Error(`reader's invoice: ${JSON.stringify(small.body)}`);
  const read = async () => {
    const latencies: number[] = [];
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      const t0 = process.hrtime.bigint();
      const status = await get(`/v1/invoices/${small.body.number}`, reader);
      if (status === 200) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await new Promise((r) => setTimeout(r, 20));
    }
    return latencies.sort((a, b) => a - b);
  };
  const show = (label: string, l: number[], extra = '') =>
    console.log(
      `${label.padEnd(34)} reads ${String(l.length).padStart(5)}  p50 ${percentile(l, 50).toFixed(1).padStart(7)} ms  p90 ${percentile(l, 90).toFixed(1).padStart(7)} ms  p99 ${percentile(l, 99).toFixed(1).padStart(7)} ms${extra}`,
    );
  console.log("\nrender isolation (issue 11 item 10): another tenant's GET /v1/invoices/{n}, goal p90 < 100 ms; figures on a shared machine are noisy");
  show('alone', await read());
  let pdfs = 0;
  let refused = 0;
  let stop = false;
  const loops = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const status = await get(`/v1/invoices/${bigIssued.body.number}/pdf`, renderer).catch(() => 0);
      if (status === 200) pdfs++;
      else refused++;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
  });
  await new Promise((r) => setTimeout(r, 1000)); // let the first renders start
  const cpu0 = cpuNow();
  const under = await read();
  const cpu1 = cpuNow();
  stop = true;
  await Promise.all(loops);
  show('while 3 loops render 2,000-line PDFs', under, `  (${pdfs} PDFs, ${refused} refused; service CPU ${(cpu1.service - cpu0.service).toFixed(1)} s)`);
}

async function main() {
  if (runs('render')) await renderBench();
  if (runs('console')) await consoleBench();
  if (runs('growth')) await growthBench(SERVER);
  if (ONLY && [...ONLY].every((s) => s === 'render' || s === 'growth' || s === 'console')) return;
  const db = `einv_bench_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(SERVER);
  await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${db}`;
  let service: ChildProcess | null = null;
  const results: Result[] = [];
  try {
    service = await startService(url.toString());
    const tokens: string[] = [];
    for (let i = 0; i < TAXPAYERS + 1; i++) {
      const id = taxId(i);
      const reg = await api(
        'POST',
        '/v1/taxpayers',
        ADMIN,
        JSON.stringify({ taxId: id, name: `压测企业${i}`, riskLevel: 'medium', initialQuota: '9000000000000.00' }),
      );
      if (reg.status !== 201) throw new Error(`register: ${JSON.stringify(reg.body)}`);
      const key = await api('POST', '/v1/api-keys', ADMIN, JSON.stringify({ name: 'bench', role: 'taxpayer', taxpayerId: id }));
      tokens.push(key.body.token);
    }
    const issue = async (token: string) => (await post('/v1/invoices', token, BODY)) === 201;
    const batchBody = JSON.stringify({ invoices: Array.from({ length: BATCH }, () => JSON.parse(BODY)) });
    const batch = async (token: string) => (await post('/v1/invoices/batch', token, batchBody)) === 200;
    const anyTaxpayer = (c: number) => tokens[(c * 7 + Math.floor(Math.random() * TAXPAYERS)) % TAXPAYERS];
    for (const clients of runs('issue') ? [CLIENTS, CLIENTS * 2] : []) {
      results.push(await load('service, many taxpayers', (c) => issue(anyTaxpayer(c)), clients));
      results.push(await load('service, one hot taxpayer', () => issue(tokens[TAXPAYERS]), clients));
    }
    if (runs('batch')) results.push(await load(`service, batch of ${BATCH}, many taxpayers`, (c) => batch(anyTaxpayer(c)), CLIENTS, BATCH));
    if (runs('render-isolation')) await renderIsolationBench(tokens[1], tokens[2]);
    if (runs('export')) await exportBench(url.toString(), service, tokens[0], taxId(0));
    // Signing before webhooks: the webhooks section leaves a delivery backlog behind it.
    if (runs('signing')) results.push(...(await signingBench(url.toString(), tokens[TAXPAYERS - 1])));
    if (runs('webhooks')) results.push(...(await webhooksBench(url.toString(), tokens[TAXPAYERS], issue)));
    service.kill(CPU_PROF ? 'SIGUSR2' : 'SIGTERM');
    await new Promise((r) => service!.once('exit', r));
    service = null;

    // The floor: the same statements through mysql2, same concurrency, no HTTP, no Nest.
    const pool = createPool({ uri: url.toString(), connectionLimit: CLIENTS * 2, timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true });
    const period = (await pool.query('SELECT MAX(period) AS p FROM quota_months'))[0] as { p: string }[];
    // Every benchmark taxpayer gets its month's row, as the service would have made it.
    await pool.query(
      'INSERT IGNORE INTO quota_months (taxpayer_id, period, total, used, temporary_adjusted, temporary_raise, ledger_seq, created_at) VALUES ?',
      [Array.from({ length: TAXPAYERS + 1 }, (_, i) => [taxId(i), period[0].p, 900000000000000, 0, 0, 0, 0, new Date()])],
    );
    let sequence = 900_000_000_000_000;
    const next = () => `26229${String(sequence++).padStart(15, '0')}`;
    for (const clients of runs('bare') ? [CLIENTS, CLIENTS * 2] : []) {
      results.push(await load('bare SQL, many taxpayers', () => bareIssue(pool, taxId(Math.floor(Math.random() * TAXPAYERS)), period[0].p, next()), clients));
      results.push(await load('bare SQL, one hot taxpayer', () => bareIssue(pool, taxId(TAXPAYERS), period[0].p, next()), clients));
    }
    await pool.end();
  } finally {
    if (service) service.kill('SIGTERM');
    const drop = await createConnection(SERVER);
    await drop.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await drop.end();
    if (statusConnection) await (await statusConnection).end();
  }
  table(results, [
    ['service, many taxpayers', 'bare SQL, many taxpayers'],
    ['service, one hot taxpayer', 'bare SQL, one hot taxpayer'],
    ['service, one hot taxpayer', 'service, many taxpayers'],
    [`service, batch of ${BATCH}, many taxpayers`, 'service, many taxpayers'],
    ['webhooks: 50 on invoice.issued, hot', 'webhooks: none, one hot taxpayer'],
    ['signing: issuing, readers signing', 'signing: issuing alone, hot'],
    ['signing: issuing, readers signing', 'signing: issuing, readers of stored'],
  ]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
