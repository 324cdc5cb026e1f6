/**
 * npm run test:faults — faults survived with nothing lost (issue 7).
 *
 * Two service processes (the production build) on one MariaDB under concurrent load, while one
 * process is killed with SIGKILL and restarted and MariaDB itself is restarted. Clients retry
 * every request that got no answer or a 5xx, with the same Idempotency-Key (against either
 * process), and finally replay a sample of acknowledged requests. Then it checks: every
 * acknowledged invoice exists exactly once; numbers are unique; per taxpayer and month, used
 * equals the ledger's sum equals the issued amounts minus restores, and never exceeds the total;
 * no red exceeds its blue; the audit chain verifies. It prints the counts and exits 1 on any
 * violation.
 *
 * FAULTS_MYSQL_URL (or MYSQL_URL; default mysql://root:@127.0.0.1:3306/test) names the server;
 * FAULTS_REQUESTS (default 600) sizes the load. Restarting MariaDB needs the local server
 * (start-stop-daemon and mysqladmin, as on the node-svc machines).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { usccCheckCharacter } from '../../src/taxpayers/uscc';
import { waitReady } from '../support/service-process';

const SERVER = process.env.FAULTS_MYSQL_URL ?? process.env.MYSQL_URL ?? 'mysql://root:@127.0.0.1:3306/test';
const REQUESTS = Number(process.env.FAULTS_REQUESTS ?? 600);
const CLIENTS = 16;
/** The load is paced to last about this long, so that the faults land in the middle of it. */
const LOAD_SECONDS = 15;
const PORTS = [39301, 39302];
const ADMIN = `faults-admin-${randomBytes(8).toString('hex')}`;
const SIGNING_KEY_SECRET = randomBytes(32).toString('hex');
const root = path.resolve(__dirname, '../..');
const processes: (ChildProcess | null)[] = [null, null];

const log = (message: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const taxId = (n: number) => {
  const first17 = `91220100MC${String(n).padStart(7, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

function start(index: number, url: string): ChildProcess {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: url,
      PORT: String(PORTS[index]),
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'error',
      // Required on MySQL; the same for both processes (they share the signing keys).
      SIGNING_KEY_SECRET,
      NUMBER_BLOCK_SIZE: '20',
      RATE_LIMIT_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  processes[index] = child;
  return child;
}

async function call(port: number, method: string, route: string, token: string, body?: unknown, key?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (key) headers['idempotency-key'] = key;
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: text ? JSON.parse(text) : null };
}

function mariadbAlive(): boolean {
  try {
    execFileSync('mysqladmin', ['--protocol=tcp', '-h', '127.0.0.1', '-u', 'root', 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function restartMariaDb(): Promise<void> {
  execFileSync('mysqladmin', ['--protocol=tcp', '-h', '127.0.0.1', '-u', 'root', 'shutdown'], { stdio: 'ignore' });
  for (let i = 0; i < 120 && mariadbAlive(); i++) await sleep(250);
  await sleep(1000);
  execFileSync('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'], { stdio: 'ignore' });
  for (let i = 0; i < 240 && !mariadbAlive(); i++) await sleep(250);
  if (!mariadbAlive()) throw new Error('MariaDB did not come back');
}

interface Job {
  key: string;
  token: string;
  taxId: string;
  body: unknown;
}

async function main(): Promise<void> {
  const db = `einv_faults_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(SERVER);
  await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${db}`;
  const problems: string[] = [];
  try {
    start(0, url.toString());
    await waitReady(PORTS[0]);
    start(1, url.toString());
    await waitReady(PORTS[1]);

    // Five sellers with ample quota and one whose quota runs out (refusals must stay refusals).
    const sellers: { taxId: string; token: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const id = taxId(i);
      const reg = await call(PORTS[0], 'POST', '/v1/taxpayers', ADMIN, {
        taxId: id,
        name: `故障测试企业${i}`,
        riskLevel: 'medium',
        initialQuota: i === 5 ? '20000.00' : '9000000000.00',
      });
      if (reg.status !== 201) throw new Error(`register: ${JSON.stringify(reg.body)}`);
      const key = await call(PORTS[1], 'POST', '/v1/api-keys', ADMIN, { name: 'faults', role: 'taxpayer', taxpayerId: id });
      sellers.push({ taxId: id, token: key.body.token });
    }
    const buyer = taxId(99);
    await call(PORTS[0], 'POST', '/v1/taxpayers', ADMIN, { taxId: buyer, name: '买方', pilot: false });

    const jobs: Job[] = Array.from({ length: REQUESTS }, (_, i) => {
      const seller = sellers[i % sellers.length];
      return {
        key: `faults-${i}`,
        token: seller.token,
        taxId: seller.taxId,
        body: {
          type: 'special',
          buyer: { taxId: buyer, name: '买方' },
          lines: [
            { name: '服务', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount: `${1000 + (i % 7)}.00`, taxRate: '0.06' },
          ],
        },
      };
    });
    const acknowledged = new Map<string, { number: string; taxId: string; amount: string }>();
    let refused = 0;
    let retries = 0;
    let next = 0;
    let done = 0;
    const pause = (CLIENTS * LOAD_SECONDS * 1000) / REQUESTS;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        await sleep(pause * (0.5 + Math.random()));
        for (let attempt = 0; ; attempt++) {
          const port = PORTS[(attempt + next) % 2];
          try {
            const res = await call(port, 'POST', '/v1/invoices', job.token, job.body, job.key);
            if (res.status === 201) {
              acknowledged.set(job.key, { number: res.body.number, taxId: job.taxId, amount: res.body.totalAmount });
              break;
            }
            if (res.status === 422) {
              refused++;
              break;
            }
            if (res.status < 500 && res.status !== 429) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
          } catch (error) {
            if (String(error).startsWith('Error: unexpected')) throw error;
          }
          retries++;
          if (attempt > 200) throw new Error(`request ${job.key} never succeeded`);
          await sleep(100 + Math.random() * 200);
        }
        done++;
      }
    };

    // The faults, each checked to land while requests are still being sent.
    const during = (what: string) => {
      if (next >= jobs.length) problems.push(`${what} came after the load: the run proved nothing about it`);
      log(`${what} after ${done} of ${REQUESTS} requests`);
    };
    const kill = (async () => {
      while (done < REQUESTS / 4) await sleep(20);
      during('SIGKILL of service process 1');
      processes[0]!.kill('SIGKILL');
      await sleep(1000);
      start(0, url.toString());
      await waitReady(PORTS[0]);
      log('service process 1 restarted');
    })();
    const restart = (async () => {
      while (done < REQUESTS / 2) await sleep(20);
      during('restart of MariaDB');
      await restartMariaDb();
      log('MariaDB is back');
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, worker), kill, restart]);
    log(`load done: ${acknowledged.size} acknowledged, ${refused} refused, ${retries} retries`);

    // Replays: the same key returns the same invoice, from either process.
    let replayed = 0;
    for (const job of jobs.filter((j) => acknowledged.has(j.key)).slice(0, 100)) {
      const res = await call(PORTS[replayed % 2], 'POST', '/v1/invoices', job.token, job.body, job.key);
      if (res.status !== 201 || res.body.number !== acknowledged.get(job.key)!.number || !res.replayed) {
        problems.push(`replay of ${job.key}: ${res.status} ${res.body?.number} (expected ${acknowledged.get(job.key)!.number}, replayed)`);
      }
      replayed++;
    }

    // Invariants, straight from the database.
    const conn = await createConnection(url.toString());
    try {
      const q = async (sql: string, params: unknown[] = []) => (await conn.query(sql, params))[0] as Record<string, any>[];
      const numbers = [...acknowledged.values()].map((a) => a.number);
      const found = await q('SELECT number FROM invoices WHERE number IN (?)', [numbers]);
      if (found.length !== numbers.length) problems.push(`${numbers.length - found.length} acknowledged invoices are missing`);
      if (new Set(numbers).size !== numbers.length) problems.push('two acknowledged requests got the same number');
      const [{ total, distinct }] = await q('SELECT COUNT(*) AS total, COUNT(DISTINCT number) AS `distinct` FROM invoices');
      if (Number(total) !== Number(distinct)) problems.push('duplicate invoice numbers');
      const issuedPerSeller = await q("SELECT seller_tax_id AS t, COUNT(*) AS c FROM invoices WHERE color = 'blue' GROUP BY seller_tax_id");
      const ackPerSeller = new Map<string, number>();
      for (const a of acknowledged.values()) ackPerSeller.set(a.taxId, (ackPerSeller.get(a.taxId) ?? 0) + 1);
      for (const row of issuedPerSeller) {
        if (Number(row.c) !== (ackPerSeller.get(row.t) ?? 0))
          problems.push(`seller ${row.t}: ${row.c} invoices stored, ${ackPerSeller.get(row.t) ?? 0} acknowledged (exactly once each)`);
      }
      const months = await q('SELECT taxpayer_id, period, total, used FROM quota_months');
      for (const m of months) {
        const [ledger] = await q(
          "SELECT COALESCE(SUM(CASE WHEN kind IN ('issue','red_restore','paper_collection','paper_void_restore') THEN delta ELSE 0 END), 0) AS used, COALESCE(SUM(CASE WHEN kind IN ('initial','periodic','temporary','manual') THEN delta ELSE 0 END), 0) AS total, COUNT(*) AS n, MAX(seq) AS top FROM quota_ledger WHERE taxpayer_id = ? AND period = ?",
          [m.taxpayer_id, m.period],
        );
        const [issued] = await q(
          "SELECT COALESCE(SUM(total_amount), 0) AS s FROM invoices WHERE seller_tax_id = ? AND period = ? AND color = 'blue' AND status <> 'voided'",
          [m.taxpayer_id, m.period],
        );
        const [reds] = await q(
          "SELECT COALESCE(SUM(r.total_amount), 0) AS s FROM invoices r JOIN invoices b ON b.number = r.blue_number WHERE r.seller_tax_id = ? AND r.color = 'red' AND r.period = b.period AND b.period = ?",
          [m.taxpayer_id, m.period],
        );
        const expectedUsed = BigInt(issued.s) + BigInt(reds.s);
        if (BigInt(m.used) !== BigInt(ledger.used)) problems.push(`${m.taxpayer_id} ${m.period}: used ${m.used} but the ledger sums to ${ledger.used}`);
        if (BigInt(m.used) !== expectedUsed) problems.push(`${m.taxpayer_id} ${m.period}: used ${m.used} but issued minus restores is ${expectedUsed}`);
        if (BigInt(m.total) !== BigInt(ledger.total)) problems.push(`${m.taxpayer_id} ${m.period}: total ${m.total} but the ledger sums to ${ledger.total}`);
        if (BigInt(m.used) > BigInt(m.total)) problems.push(`${m.taxpayer_id} ${m.period}: used ${m.used} exceeds total ${m.total}`);
        if (Number(ledger.n) !== Number(ledger.top)) problems.push(`${m.taxpayer_id} ${m.period}: ledger numbered with gaps`);
      }
      const overRed = await q(
        'SELECT b.number FROM invoices b JOIN invoices r ON r.blue_number = b.number GROUP BY b.number, b.total_amount, b.total_tax HAVING -SUM(r.total_amount) > b.total_amount OR -SUM(r.total_tax) > b.total_tax',
      );
      if (overRed.length) problems.push(`${overRed.length} blue invoices reversed beyond their amount`);
      const verify = await call(PORTS[1], 'GET', '/v1/audit-events/verify', ADMIN);
      if (verify.status !== 200 || !verify.body.intact) problems.push(`audit chain: ${JSON.stringify(verify.body)}`);
      const [{ events }] = await q('SELECT COUNT(*) AS events FROM audit_events');
      console.log(
        `faults: ${REQUESTS} requests, ${acknowledged.size} acknowledged, ${refused} refused (QUOTA_EXCEEDED), ${retries} retries after kills and the database restart, ` +
          `${replayed} replays; checked ${found.length} invoices, ${months.length} quota months, ${events} audit events (chain ${verify.body?.intact ? 'intact' : 'BROKEN'}, ${verify.body?.checked} links)`,
      );
    } finally {
      await conn.end();
    }
  } finally {
    for (const child of processes) child?.kill('SIGTERM');
    await sleep(500);
    try {
      const drop = await createConnection(SERVER);
      await drop.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await drop.end();
    } catch (error) {
      log(`could not drop ${db}: ${(error as Error).message}`);
    }
  }
  if (problems.length) {
    for (const p of problems) console.log(`VIOLATION: ${p}`);
    console.log(`faults: 0 passed, ${problems.length} failed`);
    process.exit(1);
  }
  console.log('faults: 1 passed, 0 failed');
}

main().catch((error) => {
  console.error(error);
  for (const child of processes) child?.kill('SIGKILL');
  process.exit(1);
});
