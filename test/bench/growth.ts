/**
 * `BENCH_ONLY=growth npm run bench` (issue 17): what every list, filter and export costs on an
 * empty database and after BENCH_GROWTH_INVOICES invoices (default 1,000,000), filled through the
 * batch endpoint over six months (manual test clock) and spread as real data is: three very large
 * sellers with most of the invoices, forty small ones, buyers among them and natural persons.
 * Reds, voids and paper are then marked on a fraction of the rows by SQL (their flows are not what
 * is measured; the filters on them are). Prints, per request shape, the time to the first byte and
 * to the whole page on both databases and their ratio; for exports the first byte and MB/s over
 * the first BENCH_GROWTH_EXPORT_MB (default 40) megabytes. Asserts nothing.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { usccCheckCharacter } from '../../src/taxpayers/uscc';

const PORT = 39124;
const ADMIN = `bench-admin-${randomBytes(8).toString('hex')}`;
const root = path.resolve(__dirname, '../..');
const INVOICES = Number(process.env.BENCH_GROWTH_INVOICES ?? 1_000_000);
const EXPORT_MB = Number(process.env.BENCH_GROWTH_EXPORT_MB ?? 40);
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const BATCH = 1000;
const PARALLEL = 3;
const BIG = 3;
const SMALL = 40;

const taxId = (n: number) => {
  const first17 = `91310100MC${String(n).padStart(7, '0')}`;
  return first17 + usccCheckCharacter(first17);
};
const bigs = Array.from({ length: BIG }, (_, i) => taxId(i));
const smalls = Array.from({ length: SMALL }, (_, i) => taxId(100 + i));
const LINE = {
  name: '笔记本电脑',
  taxClassificationCode: '1090511030000000000',
  categoryShortName: '计算机',
  quantity: '1',
  unitPrice: '5000.00',
  amount: '5000.00',
  taxRate: '0.13',
};

// A connection per request (no keep-alive): an aborted export must not leave a socket to reuse,
// and the service's idle timeout must not reset one; the same cost on both databases.
const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

/** One request: status, ms to the first byte of the body (or headers when empty), ms to the end, bytes; stops reading after `maxBytes`. */
function timed(
  method: string,
  route: string,
  token: string,
  body?: string,
  maxBytes = Infinity,
): Promise<{ status: number; firstMs: number; totalMs: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: route,
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        let firstMs = -1;
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (firstMs < 0) firstMs = ms();
          bytes += c.length;
          if (maxBytes === Infinity) chunks.push(c);
          else if (bytes >= maxBytes) {
            const totalMs = ms();
            res.destroy();
            resolve({ status: res.statusCode ?? 0, firstMs, totalMs, bytes, text: '' });
          }
        });
        res.on('end', () => {
          const totalMs = ms();
          resolve({ status: res.statusCode ?? 0, firstMs: firstMs < 0 ? totalMs : firstMs, totalMs, bytes, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function api(method: string, route: string, token: string, body?: unknown) {
  const r = await timed(method, route, token, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.text ? JSON.parse(r.text) : null };
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await timed('GET', '/health', '')).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the service did not start');
}

const cursor = (issuedAtMs: number, number: string) => Buffer.from(JSON.stringify([issuedAtMs, number]), 'utf8').toString('base64url');

interface Shape {
  name: string;
  route: string;
  token: string;
  export?: boolean;
}

/** Every shape: lists (first page and deep cursors), filters, date ranges, exports, slips, audit, ledger. */
function shapes(tokens: Map<string, string>, officer: string, deep: Map<string, string>): Shape[] {
  const big = bigs[0];
  const small = smalls[0];
  const tb = tokens.get(big)!;
  const ts = tokens.get(small)!;
  const list = (q: string) => `/v1/invoices?limit=50&${q}`;
  const dc = (who: string, dir: string) => deep.get(`${who}:${dir}`) ?? cursor(Date.parse('2026-03-15T00:00:00Z'), '26310000000000000000');
  return [
    { name: 'list issued, big seller, page 1', route: list('direction=issued'), token: tb },
    { name: 'list issued, big seller, deep cursor', route: list(`direction=issued&cursor=${dc(big, 'DESC')}`), token: tb },
    { name: 'list received, small taxpayer, page 1', route: list('direction=received'), token: ts },
    { name: 'list both, small taxpayer, page 1', route: list('direction=both'), token: ts },
    { name: 'list both, small taxpayer, deep cursor', route: list(`direction=both&cursor=${dc(small, 'DESC')}`), token: ts },
    { name: 'list both, big seller, page 1', route: list('direction=both'), token: tb },
    { name: 'list both, big seller, deep cursor', route: list(`direction=both&cursor=${dc(big, 'DESC')}`), token: tb },
    { name: 'list issued, big seller, one month', route: list('direction=issued&from=2026-03-01&to=2026-03-31'), token: tb },
    { name: 'officer: big seller, status=red_full', route: list(`taxId=${big}&status=red_full`), token: officer },
    { name: 'officer: small, status=voided', route: list(`taxId=${small}&status=voided`), token: officer },
    { name: 'officer: big seller, color=red', route: list(`taxId=${big}&color=red`), token: officer },
    { name: 'officer: big seller, type=special', route: list(`taxId=${big}&type=special`), token: officer },
    { name: 'officer: big seller, medium=paper', route: list(`taxId=${big}&medium=paper`), token: officer },
    { name: 'officer: big seller, status+type', route: list(`taxId=${big}&status=red_full&type=special`), token: officer },
    { name: 'officer: big received, status=issued', route: list(`taxId=${big}&direction=received&status=issued`), token: officer },
    { name: 'officer: everyone, page 1', route: list(''), token: officer },
    { name: 'officer: everyone, status=red_full', route: list('status=red_full'), token: officer },
    { name: 'officer: everyone, one month', route: list('from=2026-05-01&to=2026-05-31'), token: officer },
    { name: 'red slips, big seller', route: '/v1/red-confirmations?limit=50', token: tb },
    { name: 'audit events, small taxpayer', route: '/v1/audit-events?limit=50', token: ts },
    { name: 'audit events, big, action', route: '/v1/audit-events?limit=50&action=invoice.issued', token: tb },
    { name: 'audit events, officer, page 1', route: '/v1/audit-events?limit=50', token: officer },
    { name: 'quota ledger, big seller', route: `/v1/taxpayers/${big}/quota/2026-03/ledger?limit=50`, token: tb },
    ...(['jsonl', 'csv'] as const).flatMap((format) =>
      (['issued', 'both', 'received'] as const).map((direction) => ({
        name: `export ${format}, ${direction === 'received' ? 'small taxpayer' : 'big seller'}, ${direction}`,
        route: `/v1/exports/invoices?format=${format}&direction=${direction}`,
        token: direction === 'received' ? ts : tb,
        export: true,
      })),
    ),
  ];
}

async function measure(list: Shape[]): Promise<Map<string, { status: number; firstMs: number; totalMs: number; mbps: number | null }>> {
  const out = new Map<string, { status: number; firstMs: number; totalMs: number; mbps: number | null }>();
  for (const s of list) {
    // Best of three (the machine is shared): the first run warms caches on both databases alike.
    let best: { status: number; firstMs: number; totalMs: number; mbps: number | null } | null = null;
    for (let i = 0; i < (s.export ? 2 : 3); i++) {
      const r = await timed('GET', s.route, s.token, undefined, s.export ? EXPORT_MB * 1048576 : Infinity);
      const mbps = s.export && r.bytes > 1048576 ? r.bytes / 1048576 / ((r.totalMs - r.firstMs) / 1000) : null;
      const result = { status: r.status, firstMs: r.firstMs, totalMs: r.totalMs, mbps };
      if (!best || result.totalMs < best.totalMs || (s.export && (mbps ?? 0) > (best.mbps ?? 0))) best = result;
    }
    out.set(s.name, best!);
  }
  return out;
}

export async function growthBench(server: string): Promise<void> {
  const db = `einv_growth_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(server);
  await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${db}`;
  let service: ChildProcess | null = null;
  try {
    service = spawn(process.execPath, ['--max-semi-space-size=64', 'dist/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_URL: url.toString(),
        PORT: String(PORT),
        BOOTSTRAP_ADMIN_TOKEN: ADMIN,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '10000000',
        EINVOICE_CLOCK: 'manual',
        AUDIT_CHECKPOINT_KEY: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitReady();
    const clock = async (now: string) => {
      const r = await api('PUT', '/v1/system/clock', ADMIN, { now });
      if (r.status !== 200) throw new Error(`clock: ${JSON.stringify(r.body)}`);
    };
    await clock('2026-01-02T09:00:00+08:00');
    const tokens = new Map<string, string>();
    for (const id of [...bigs, ...smalls]) {
      const reg = await api('POST', '/v1/taxpayers', ADMIN, { taxId: id, name: `增长企业${id.slice(-6)}`, riskLevel: 'low', initialQuota: '9000000000000.00' });
      if (reg.status !== 201) throw new Error(`register: ${JSON.stringify(reg.body)}`);
      const key = await api('POST', '/v1/api-keys', ADMIN, { name: 'growth', role: 'taxpayer', taxpayerId: id });
      tokens.set(id, key.body.token);
    }
    const officer = (await api('POST', '/v1/api-keys', ADMIN, { name: 'growth', role: 'tax_officer' })).body.token as string;

    console.log(
      `\ngrowth: every list, filter and export on an empty database and after ${INVOICES.toLocaleString('en')} invoices (MariaDB; figures noisy on a shared CPU)`,
    );
    const empty = await measure(shapes(tokens, officer, new Map()));

    // Fill: six months, batches of 1,000 through the batch endpoint, PARALLEL at a time.
    const t0 = Date.now();
    let issued = 0;
    const perMonth = Math.ceil(INVOICES / MONTHS.length);
    for (const [m, month] of MONTHS.entries()) {
      await clock(`${month}-10T09:00:00+08:00`);
      const jobs: (() => Promise<void>)[] = [];
      for (let done = 0; done < perMonth && issued + done < INVOICES; done += BATCH) {
        const n = Math.min(BATCH, perMonth - done, INVOICES - issued - done);
        const k = jobs.length;
        // Sellers: the three big ones 50/25/10 %, forty small ones share 15 %.
        const r = (k * 37 + m * 11) % 100;
        const seller = r < 50 ? bigs[0] : r < 75 ? bigs[1] : r < 85 ? bigs[2] : smalls[k % SMALL];
        const body = JSON.stringify({
          invoices: Array.from({ length: n }, (_, j) => {
            const b = (j + k) % 10;
            // Buyers: a small taxpayer (30 %), a big one (10 %), natural persons (60 %).
            const buyer =
              b < 3
                ? { taxId: smalls[(j + k) % SMALL], name: '买方企业' }
                : b < 4
                  ? { taxId: bigs[(j + 1) % BIG], name: '买方大企业' }
                  : { name: '个人消费者' };
            return { type: 'ordinary', buyer: buyer.taxId === seller ? { name: '个人消费者' } : buyer, lines: [LINE], drawer: '增长' };
          }),
        });
        jobs.push(async () => {
          const res = await api('POST', '/v1/invoices/batch', tokens.get(seller)!, JSON.parse(body));
          if (res.status !== 200) throw new Error(`batch: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        });
      }
      for (let i = 0; i < jobs.length; i += PARALLEL) await Promise.all(jobs.slice(i, i + PARALLEL).map((j) => j()));
      issued += Math.min(perMonth, INVOICES - issued);
      process.stderr.write(`  filled ${issued} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
    // Specials, reds, voids, paper, red_full blues: a fraction of the rows, marked by SQL.
    const conn = await createConnection(url.toString());
    await conn.query("UPDATE invoices SET type = 'special' WHERE buyer_tax_id IS NOT NULL AND RIGHT(number, 1) = '7'");
    await conn.query("UPDATE invoices SET color = 'red' WHERE RIGHT(number, 3) = '017'");
    await conn.query("UPDATE invoices SET status = 'red_full' WHERE color = 'blue' AND RIGHT(number, 3) = '018'");
    await conn.query("UPDATE invoices SET status = 'red_partial' WHERE color = 'blue' AND RIGHT(number, 3) = '019'");
    await conn.query("UPDATE invoices SET medium = 'paper', status = 'voided' WHERE RIGHT(number, 4) = '0020'");
    await conn.query('ANALYZE TABLE invoices, audit_events, audit_chain');
    // Deep cursors: the middle of each taxpayer's result.
    const deep = new Map<string, string>();
    for (const [who, where, params] of [
      [bigs[0], 'seller_tax_id = ?', [bigs[0]]],
      [smalls[0], 'seller_tax_id = ? OR buyer_tax_id = ?', [smalls[0], smalls[0]]],
    ] as const) {
      const [rows] = (await conn.query(`SELECT issued_at, number FROM invoices WHERE ${where} ORDER BY issued_at, number LIMIT 1 OFFSET ?`, [
        ...params,
        Math.floor(issued / (who === bigs[0] ? 4 : 200)),
      ])) as unknown as [{ issued_at: Date; number: string }[]];
      if (rows[0]) deep.set(`${who}:DESC`, cursor(new Date(rows[0].issued_at).getTime(), rows[0].number));
    }
    const [[counts]] = (await conn.query('SELECT COUNT(*) AS n, SUM(seller_tax_id = ?) AS big FROM invoices', [bigs[0]])) as unknown as [
      { n: number; big: number }[],
    ];
    await conn.end();
    console.log(
      `filled ${Number(counts.n).toLocaleString('en')} invoices (${Number(counts.big).toLocaleString('en')} by the biggest seller) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const full = await measure(shapes(tokens, officer, deep));
    console.log(
      '\nrequest                                   status  first byte ms: empty    full  ratio   page ms: empty     full  ratio   export MB/s: empty   full',
    );
    for (const [name, e] of empty) {
      const f = full.get(name)!;
      const ratio = (a: number, b: number) => (b / Math.max(a, 1)).toFixed(2);
      console.log(
        `${name.padEnd(42)} ${String(f.status).padStart(6)} ${e.firstMs.toFixed(1).padStart(21)} ${f.firstMs.toFixed(1).padStart(7)} ${ratio(e.firstMs, f.firstMs).padStart(6)}` +
          ` ${e.totalMs.toFixed(1).padStart(15)} ${f.totalMs.toFixed(1).padStart(8)} ${ratio(e.totalMs, f.totalMs).padStart(6)}` +
          `${f.mbps !== null ? `${(e.mbps ?? 0).toFixed(1).padStart(20)} ${f.mbps.toFixed(1).padStart(6)}` : ''}`,
      );
    }
    for (const format of ['jsonl', 'csv']) {
      const issuedRate = full.get(`export ${format}, big seller, issued`)?.mbps;
      const bothRate = full.get(`export ${format}, big seller, both`)?.mbps;
      if (issuedRate && bothRate)
        console.log(
          `export ${format}: both ${bothRate.toFixed(1)} MB/s vs issued ${issuedRate.toFixed(1)} MB/s: both costs ${(issuedRate / bothRate).toFixed(2)}x issued per byte (goal <= 1.5x)`,
        );
    }
    const v = await timed('GET', '/v1/audit-events/verify', officer);
    const body = JSON.parse(v.text);
    console.log(
      `audit verify (first call, from ${body.fromCheckpoint ? `checkpoint ${body.fromCheckpoint.seq}` : 'the first link'}): ${v.totalMs.toFixed(0)} ms, ${body.checked} links, complete ${body.complete}`,
    );
    const v2 = await timed('GET', '/v1/audit-events/verify', officer);
    const body2 = JSON.parse(v2.text);
    console.log(`audit verify (second call, from checkpoint ${body2.fromCheckpoint?.seq ?? '-'}): ${v2.totalMs.toFixed(0)} ms, ${body2.checked} links`);
  } finally {
    if (service) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    const drop = await createConnection(server);
    await drop.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await drop.end();
    agent.destroy();
  }
}
