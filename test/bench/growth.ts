/**
 * `BENCH_ONLY=growth npm run bench` (issue 17): what every list, filter and export costs on an
 * empty database and after BENCH_GROWTH_INVOICES invoices (default 1,000,000), filled through the
 * batch endpoint (BENCH_GROWTH_PARALLEL requests at a time, default 3) over six months (manual
 * test clock, moved on every round so issue times spread over each month) and spread as real data
 * is: three very large sellers with most of the invoices, forty small ones, buyers among them and
 * natural persons. Reds, voids and paper are then marked on a fraction of the rows by SQL, and
 * red-letter slips, quota applications and objections, webhook deliveries, users and API keys
 * are derived from the invoices by SQL (their flows are not what is measured; the lists and
 * filters on them are). Prints, per request shape, the time to the first byte and to the whole
 * page on both databases, their ratio and PASS/MISS against the goal (a page within 2x of the
 * empty database's, or within NOISE_MS of it); for exports the first byte and MB/s over the first
 * BENCH_GROWTH_EXPORT_MB (default 40) megabytes, per direction, and the both/issued cost per byte
 * (goal <= 1.5x). Also the cost of the indexes on issuing: invoices issued per second (single
 * POSTs, and the batch endpoint) for BENCH_GROWTH_ISSUE_SECONDS (default 10) each, on the empty
 * database and on the full one. The service listens on BENCH_PORT (default 39124) and uses a
 * scratch database of its own (einv_growth_<random>, dropped at the end). Asserts nothing.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { usccCheckCharacter } from '../../src/taxpayers/uscc';

const PORT = Number(process.env.BENCH_PORT ?? 39124);
const ADMIN = `bench-admin-${randomBytes(8).toString('hex')}`;
const root = path.resolve(__dirname, '../..');
const INVOICES = Number(process.env.BENCH_GROWTH_INVOICES ?? 1_000_000);
const EXPORT_MB = Number(process.env.BENCH_GROWTH_EXPORT_MB ?? 40);
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const BATCH = 1000;
const PARALLEL = Number(process.env.BENCH_GROWTH_PARALLEL ?? 3);
const ISSUE_SECONDS = Number(process.env.BENCH_GROWTH_ISSUE_SECONDS ?? 10);
/**
 * Invoices filled (and marked) before the baseline is measured: 0, the default, measures an empty
 * database, whose list pages are empty; a few thousand give the baseline pages of 50 items like
 * the full database's, so that the ratio compares the same work on a small and on a large table.
 */
const BASELINE = Number(process.env.BENCH_GROWTH_BASELINE ?? 0);
/** The pause after each export run (see measure()). */
const EXPORT_PAUSE_MS = Number(process.env.BENCH_GROWTH_EXPORT_PAUSE_MS ?? 500);
/** How long the bench waits, after a fill, for the service's background work to catch up (settle()). */
const SETTLE_SECONDS = Number(process.env.BENCH_GROWTH_SETTLE_SECONDS ?? 1200);
/** Below this a difference is timer and scheduler noise on a shared machine, whatever the ratio. */
const NOISE_MS = 5;
/** The webhook of the biggest seller (made through the API, subscribed to an event the bench never
 * causes): its deliveries are seeded by SQL. */
let WEBHOOK = '';
const BIG = 3;
const SMALL = 40;

const taxId = (n: number) => {
  const first17 = `91310100MC${String(n).padStart(7, '0')}`;
  return first17 + usccCheckCharacter(first17);
};
const bigs = Array.from({ length: BIG }, (_, i) => taxId(i));
const smalls = Array.from({ length: SMALL }, (_, i) => taxId(100 + i));
/** Issues the throughput probes, so that they disturb none of the measured taxpayers' lists. */
const issuer = taxId(900);
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

/** Every shape: lists (first page and deep cursors), filters, date ranges, exports, slips, audit, quota, webhooks, admin lists. */
function shapes(tokens: Map<string, string>, officer: string, deep: Map<string, string>): Shape[] {
  const big = bigs[0];
  const small = smalls[0];
  const tb = tokens.get(big)!;
  const ts = tokens.get(small)!;
  const list = (q: string) => `/v1/invoices?limit=50&${q}`;
  const slips = (q: string) => `/v1/red-confirmations?limit=50&${q}`;
  const audit = (q: string) => `/v1/audit-events?limit=50&${q}`;
  const dc = (key: string, fallback: string) => deep.get(key) ?? fallback;
  const invoiceCursor = cursor(Date.parse('2026-03-15T00:00:00Z'), '26310000000000000000');
  const newestCursor = Buffer.from(JSON.stringify([Date.parse('2026-03-15T00:00:00Z'), 'ffffffff-ffff-4fff-8fff-ffffffffffff'])).toString('base64url');
  const auditCursor = Buffer.from(JSON.stringify([Date.parse('2026-03-15T00:00:00Z'), '00000000-0000-4000-8000-000000000000'])).toString('base64url');
  const month = 'from=2026-03-01T00:00:00%2B08:00&to=2026-03-31T23:59:59%2B08:00';
  const day = 'from=2026-05-12T00:00:00%2B08:00&to=2026-05-12T23:59:59%2B08:00';
  return [
    { name: 'list issued, big seller, page 1', route: list('direction=issued'), token: tb },
    { name: 'list issued, big seller, deep cursor', route: list(`direction=issued&cursor=${dc(`${big}:DESC`, invoiceCursor)}`), token: tb },
    { name: 'list received, small taxpayer, page 1', route: list('direction=received'), token: ts },
    { name: 'list both, small taxpayer, page 1', route: list('direction=both'), token: ts },
    { name: 'list both, small taxpayer, deep cursor', route: list(`direction=both&cursor=${dc(`${small}:DESC`, invoiceCursor)}`), token: ts },
    { name: 'list both, big seller, page 1', route: list('direction=both'), token: tb },
    { name: 'list both, big seller, deep cursor', route: list(`direction=both&cursor=${dc(`${big}:DESC`, invoiceCursor)}`), token: tb },
    { name: 'list issued, big seller, one month', route: list('direction=issued&from=2026-03-01&to=2026-03-31'), token: tb },
    { name: 'list both, small, one month + status', route: list('direction=both&from=2026-03-01&to=2026-03-31&status=issued'), token: ts },
    { name: 'list received, small, type=special', route: list('direction=received&type=special'), token: ts },
    { name: 'list issued, big, counterparty', route: list(`direction=issued&counterparty=${small.slice(0, 12)}`), token: tb },
    { name: 'officer: big seller, status=red_full', route: list(`taxId=${big}&status=red_full`), token: officer },
    { name: 'officer: small, status=voided', route: list(`taxId=${small}&status=voided`), token: officer },
    { name: 'officer: big seller, color=red', route: list(`taxId=${big}&color=red`), token: officer },
    { name: 'officer: big seller, type=special', route: list(`taxId=${big}&type=special`), token: officer },
    { name: 'officer: big seller, medium=paper', route: list(`taxId=${big}&medium=paper`), token: officer },
    { name: 'officer: big seller, status+type', route: list(`taxId=${big}&status=red_full&type=special`), token: officer },
    { name: 'officer: big received, status=issued', route: list(`taxId=${big}&direction=received&status=issued`), token: officer },
    { name: 'officer: big both, color=red', route: list(`taxId=${big}&direction=both&color=red`), token: officer },
    { name: 'officer: everyone, page 1', route: list(''), token: officer },
    { name: 'officer: everyone, status=red_full', route: list('status=red_full'), token: officer },
    { name: 'officer: everyone, one month', route: list('from=2026-05-01&to=2026-05-31'), token: officer },
    { name: 'slips: big seller, mine (both roles)', route: slips(''), token: tb },
    { name: 'slips: big seller, mine, deep cursor', route: slips(`cursor=${dc(`slips:${big}`, newestCursor)}`), token: tb },
    { name: 'slips: small, mine (both roles)', route: slips(''), token: ts },
    { name: 'slips: big seller, initiated', route: slips('direction=initiated'), token: tb },
    { name: 'slips: big seller, received', route: slips('direction=received'), token: tb },
    { name: 'slips: small, awaiting', route: slips('direction=awaiting'), token: ts },
    { name: 'slips: big seller, status=04', route: slips('status=04'), token: tb },
    { name: 'slips: officer, everyone', route: slips(''), token: officer },
    { name: 'slips: officer, everyone, status=07', route: slips('status=07'), token: officer },
    { name: 'slips: officer, big seller', route: slips(`taxId=${big}`), token: officer },
    { name: 'audit: small taxpayer, page 1', route: audit(''), token: ts },
    { name: 'audit: big seller, deep cursor', route: audit(`cursor=${auditCursor}`), token: tb },
    { name: 'audit: big seller, action', route: audit('action=invoice.issued'), token: tb },
    { name: 'audit: small, one month', route: audit(month), token: ts },
    { name: 'audit: big seller, one day', route: audit(day), token: tb },
    { name: 'audit: big, action + one day', route: audit(`action=invoice.issued&${day}`), token: tb },
    { name: 'audit: officer, page 1', route: audit(''), token: officer },
    { name: 'audit: officer, one day', route: audit(day), token: officer },
    { name: 'quota ledger, big seller', route: `/v1/taxpayers/${big}/quota/2026-03/ledger?limit=50`, token: tb },
    { name: 'quota applications: officer, pending', route: '/v1/quota/applications?limit=50&status=pending', token: officer },
    { name: 'quota applications: officer, everyone', route: `/v1/quota/applications?limit=50&cursor=${newestCursor}`, token: officer },
    { name: 'quota applications: big seller', route: '/v1/quota/applications?limit=50', token: tb },
    { name: 'quota applications: big, approved', route: '/v1/quota/applications?limit=50&status=approved', token: tb },
    { name: 'quota objections: big seller', route: `/v1/taxpayers/${big}/quota/objections?limit=50`, token: tb },
    { name: 'webhooks: admin, everyone', route: '/v1/webhooks?limit=50', token: ADMIN },
    { name: 'webhook deliveries: big seller', route: `/v1/webhooks/${WEBHOOK}/deliveries?limit=50`, token: tb },
    { name: 'webhook deliveries: deep cursor', route: `/v1/webhooks/${WEBHOOK}/deliveries?limit=50&cursor=${newestCursor}`, token: tb },
    { name: 'users: admin', route: '/v1/users?limit=50', token: ADMIN },
    { name: 'api keys: admin', route: '/v1/api-keys?limit=50', token: ADMIN },
    { name: 'api keys: admin, deep cursor', route: `/v1/api-keys?limit=50&cursor=${newestCursor}`, token: ADMIN },
    { name: 'taxpayers: admin', route: '/v1/taxpayers?limit=50', token: ADMIN },
    { name: 'counterparties: big seller', route: '/v1/counterparties', token: tb },
    { name: 'counterparties: big seller, q', route: `/v1/counterparties?q=${small.slice(0, 12)}`, token: tb },
    ...(['jsonl', 'csv'] as const).flatMap((format) =>
      (['issued', 'both', 'received'] as const).map((direction) => ({
        name: `export ${format}, ${direction === 'received' ? 'small taxpayer' : 'big seller'}, ${direction}`,
        route: `/v1/exports/invoices?format=${format}&direction=${direction}`,
        token: direction === 'received' ? ts : tb,
        export: true,
      })),
    ),
    {
      name: 'export jsonl, big seller, both, one month',
      route: '/v1/exports/invoices?format=jsonl&direction=both&from=2026-03-01&to=2026-03-31',
      token: tb,
      export: true,
    },
    {
      name: 'export jsonl, officer, big, status=red_full',
      route: `/v1/exports/invoices?format=jsonl&taxId=${big}&status=red_full`,
      token: officer,
      export: true,
    },
  ];
}

/** A shape's best figures; `items`: how many items its page held (null for exports). */
interface Measured {
  status: number;
  firstMs: number;
  totalMs: number;
  mbps: number | null;
  items: number | null;
}

/** How many items a list's answer holds (`items` of a page, or a bare array). */
function itemsOf(text: string): number | null {
  try {
    const body = JSON.parse(text);
    return Array.isArray(body) ? body.length : Array.isArray(body?.items) ? body.items.length : null;
  } catch {
    return null;
  }
}

async function measure(list: Shape[]): Promise<Map<string, Measured>> {
  const out = new Map<string, Measured>();
  for (const s of list) {
    // Best of three (two for exports; the machine is shared), each figure on its own: the least
    // first byte, the least total, the highest rate. The first run warms caches on both alike.
    let best: Measured | null = null;
    for (let i = 0; i < (s.export ? 2 : 3); i++) {
      const r = await timed('GET', s.route, s.token, undefined, s.export ? EXPORT_MB * 1048576 : Infinity);
      // An export the bench stops reading still finishes the batch it was reading on the server:
      // the next request waits for that unless the bench waits first.
      if (s.export) await new Promise((resolve) => setTimeout(resolve, EXPORT_PAUSE_MS));
      const mbps = s.export && r.bytes > 1048576 ? r.bytes / 1048576 / ((r.totalMs - r.firstMs) / 1000) : null;
      const items = s.export ? null : itemsOf(r.text);
      best = best
        ? {
            status: r.status,
            firstMs: Math.min(best.firstMs, r.firstMs),
            totalMs: Math.min(best.totalMs, r.totalMs),
            mbps: mbps === null ? best.mbps : Math.max(best.mbps ?? 0, mbps),
            items,
          }
        : { status: r.status, firstMs: r.firstMs, totalMs: r.totalMs, mbps, items };
    }
    out.set(s.name, best!);
  }
  return out;
}

/** Invoices issued per second by `issuer` for ISSUE_SECONDS: 8 clients of single POSTs, then PARALLEL clients of batches of 200. */
async function issuingRate(token: string): Promise<{ single: number; batch: number }> {
  const one = { type: 'ordinary', buyer: { name: '个人消费者' }, lines: [LINE], drawer: '增长' };
  const run = async (clients: number, request: () => Promise<number>) => {
    const end = Date.now() + ISSUE_SECONDS * 1000;
    const t0 = Date.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end) n += await request();
      }),
    );
    return n / ((Date.now() - t0) / 1000);
  };
  const single = await run(8, async () => {
    const r = await api('POST', '/v1/invoices', token, one);
    if (r.status !== 201) throw new Error(`issue: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return 1;
  });
  const batch = await run(PARALLEL, async () => {
    const r = await api('POST', '/v1/invoices/batch', token, { invoices: Array.from({ length: 200 }, () => one) });
    if (r.status !== 200) throw new Error(`batch: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return 200;
  });
  return { single, batch };
}

/**
 * Rows of the other lists, derived from the invoices by SQL (their flows are not what is
 * measured): red-letter slips for 1 % of the invoices (either party filing, every status, a day
 * after the blue), quota applications and objections, the webhook's deliveries, users and API keys.
 */
async function seedOtherLists(conn: Connection): Promise<void> {
  // Only from the invoices not seeded before (the baseline's were, when there is one), so that the
  // baseline and the full database hold the same kinds of rows in the same proportions.
  await conn.query('CREATE TABLE IF NOT EXISTS growth_seeded (number CHAR(20) PRIMARY KEY)');
  await conn.query('CREATE TEMPORARY TABLE growth_new (number CHAR(20) PRIMARY KEY)');
  await conn.query('INSERT INTO growth_new SELECT i.number FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM growth_seeded s WHERE s.number = i.number)');
  const invoices = 'invoices JOIN growth_new USING (number)';
  await conn.query(`INSERT INTO red_confirmations (id, number, blue_number, seller_tax_id, buyer_tax_id, initiator, reason, status, total_amount, total_tax,
      input_tax_transfer_out, auto_issue, red_invoice_number, created_by, created_at, expires_at, updated_at)
    SELECT UUID(), CONCAT('9', SUBSTRING(number, 2)), number, seller_tax_id, buyer_tax_id,
      IF(buyer_tax_id IS NOT NULL AND SUBSTRING(number, -4, 1) IN ('1', '3', '5', '7'), 'buyer', 'seller'), '01',
      ELT(1 + CAST(SUBSTRING(number, -3, 1) AS UNSIGNED) % 9, '01', '02', '03', '04', '05', '06', '07', '08', '09'),
      -total_amount, -total_tax, 0, 0, NULL, 'growth', issued_at + INTERVAL 1 DAY, NULL, issued_at + INTERVAL 1 DAY
    FROM ${invoices} WHERE RIGHT(number, 2) = '18'`);
  await conn.query(`INSERT INTO quota_applications (id, taxpayer_id, period, requested_total, reason, status, decided_by, decision_reason, created_at, decided_at)
    SELECT UUID(), seller_tax_id, DATE_FORMAT(issued_at, '%Y-%m'), 100000000, 'growth',
      IF(RIGHT(number, 3) = '027', 'pending', IF(RIGHT(number, 3) < '500', 'approved', 'rejected')), NULL, NULL, issued_at, NULL
    FROM ${invoices} WHERE RIGHT(number, 2) = '27'`);
  await conn.query(`INSERT INTO quota_objections (id, taxpayer_id, period, reason, created_at)
    SELECT UUID(), seller_tax_id, DATE_FORMAT(issued_at, '%Y-%m'), 'growth', issued_at FROM ${invoices} WHERE RIGHT(number, 3) = '031'`);
  await conn.query(
    `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, event_type, status, attempts, next_attempt_at, claimed_until, claim_token,
      last_status_code, last_duration_ms, last_error, last_attempt_at, delivered_at, created_at)
    SELECT UUID(), ?, UUID(), 0, 'invoice.issued', 'succeeded', 1, NULL, NULL, NULL, 200, 5, NULL, issued_at, issued_at, issued_at
    FROM ${invoices} WHERE seller_tax_id = ? AND RIGHT(number, 1) IN ('1', '2')`,
    [WEBHOOK, bigs[0]],
  );
  await conn.query(`INSERT INTO api_keys (id, name, token_digest, role, taxpayer_id, created_by, created_at, revoked_at)
    SELECT UUID(), 'growth', SHA2(UUID(), 256), 'taxpayer', seller_tax_id, NULL, issued_at, NULL FROM ${invoices} WHERE RIGHT(number, 2) = '33'`);
  await conn.query(`INSERT INTO users (id, username, password_hash, role, taxpayer_id, created_at, failed_logins, locked_until)
    SELECT UUID(), CONCAT('growth-', number), NULL, 'taxpayer', seller_tax_id, issued_at, 0, NULL FROM ${invoices} WHERE RIGHT(number, 3) = '034'`);
  await conn.query('INSERT INTO growth_seeded SELECT number FROM growth_new');
  await conn.query('DROP TEMPORARY TABLE growth_new');
}

/** The tables whose statistics are refreshed after a fill (the plans of the measured lists depend on them). */
const ANALYZED = 'invoices, audit_events, audit_chain, red_confirmations, quota_applications, quota_objections, webhook_deliveries, users, api_keys';

/** Deep cursors: the middle of the big seller's and the small taxpayer's invoices, and of the big seller's slips, after `issued` invoices. */
async function deepCursors(conn: Connection, issued: number): Promise<Map<string, string>> {
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
  const [slipRows] = (await conn.query(
    'SELECT created_at, id FROM red_confirmations WHERE seller_tax_id = ? OR buyer_tax_id = ? ORDER BY created_at, id LIMIT 1 OFFSET ?',
    [bigs[0], bigs[0], Math.floor(issued / 400)],
  )) as unknown as [{ created_at: Date; id: string }[]];
  if (slipRows[0])
    deep.set(`slips:${bigs[0]}`, Buffer.from(JSON.stringify([new Date(slipRows[0].created_at).getTime(), slipRows[0].id])).toString('base64url'));
  return deep;
}

/** Within 2x of the empty database's time, or within NOISE_MS of it. */
const verdict = (empty: number, full: number) => (full <= 2 * empty || full - empty <= NOISE_MS ? 'PASS' : 'MISS');

/**
 * Waits until the service's background work has caught up with what the fill wrote: the outbox
 * fanned out (webhooks) and every audit event sealed into the chain, so that the measurements see
 * the tables at rest and not a backlog competing for the CPU and the buffer pool. Answers the
 * seconds it took (at most `limitSeconds`) and what was left.
 */
async function settle(conn: Connection, limitSeconds: number): Promise<{ seconds: number; outbox: number; unsealed: number }> {
  const t0 = Date.now();
  for (;;) {
    const [[row]] = (await conn.query(
      'SELECT (SELECT COUNT(*) FROM outbox_events WHERE dispatched = 0) AS outbox, (SELECT COUNT(*) FROM audit_events) - (SELECT COUNT(*) FROM audit_chain) AS unsealed',
    )) as unknown as [{ outbox: number; unsealed: number }[]];
    const left = { outbox: Number(row.outbox), unsealed: Number(row.unsealed) };
    const seconds = (Date.now() - t0) / 1000;
    if ((left.outbox === 0 && left.unsealed <= 0) || seconds > limitSeconds) return { seconds, ...left };
    await new Promise((r) => setTimeout(r, 5000));
  }
}

export async function growthBench(server: string): Promise<void> {
  // BENCH_GROWTH_DATABASE names the scratch database and keeps it at the end (to study the filled
  // tables, or to reuse them); by default a random name, dropped.
  const keep = process.env.BENCH_GROWTH_DATABASE;
  const db = keep ?? `einv_growth_${randomBytes(4).toString('hex')}`;
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
        // Webhooks are unavailable on MySQL without it (503): the webhook list must be measured.
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
        // Required on MySQL: seals the platform's signing keys. Fixed, as a kept database (BENCH_GROWTH_DATABASE) is started again.
        SIGNING_KEY_SECRET: 'einvoice-growth-bench-signing-key-secret',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
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
    for (const id of [...bigs, ...smalls, issuer]) {
      const reg = await api('POST', '/v1/taxpayers', ADMIN, { taxId: id, name: `增长企业${id.slice(-6)}`, riskLevel: 'low', initialQuota: '9000000000000.00' });
      if (reg.status !== 201) throw new Error(`register: ${JSON.stringify(reg.body)}`);
      const key = await api('POST', '/v1/api-keys', ADMIN, { name: 'growth', role: 'taxpayer', taxpayerId: id });
      tokens.set(id, key.body.token);
    }
    const officer = (await api('POST', '/v1/api-keys', ADMIN, { name: 'growth', role: 'tax_officer' })).body.token as string;
    const conn = await createConnection(url.toString());
    // The webhook whose deliveries are listed: made through the API (its secret sealed as the
    // service seals them), subscribed to e-mail delivery failures, which the bench never causes.
    const hook = await api('POST', '/v1/webhooks', tokens.get(bigs[0])!, { url: 'http://127.0.0.1:9/growth', events: ['delivery.failed'] });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body).slice(0, 300)}`);
    WEBHOOK = hook.body.id as string;

    // Fill: six months, batches of 1,000 through the batch endpoint, PARALLEL at a time; the
    // clock moves on every round so that issue times spread over the month. `count` more
    // invoices (the baseline's, then the rest, each over the six months).
    let issued = 0;
    const fill = async (count: number) => {
      const start = issued;
      const end = start + count;
      const perMonth = Math.ceil(count / MONTHS.length);
      for (const [m, month] of MONTHS.entries()) {
        const jobs: (() => Promise<void>)[] = [];
        for (let done = 0; done < perMonth && issued + done < end; done += BATCH) {
          const n = Math.min(BATCH, perMonth - done, end - issued - done);
          const k = jobs.length;
          // Sellers: the three big ones 50/25/10 %, forty small ones share 15 %.
          const r = (k * 37 + m * 11) % 100;
          const seller = r < 50 ? bigs[0] : r < 75 ? bigs[1] : r < 85 ? bigs[2] : smalls[k % SMALL];
          const body = {
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
          };
          jobs.push(async () => {
            const res = await api('POST', '/v1/invoices/batch', tokens.get(seller)!, body);
            if (res.status !== 200) throw new Error(`batch: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          });
        }
        const rounds = Math.ceil(jobs.length / PARALLEL);
        for (let i = 0; i < jobs.length; i += PARALLEL) {
          const minutes = Math.floor(((i / PARALLEL) * 27 * 24 * 60) / rounds);
          await clock(new Date(Date.parse(`${month}-01T08:00:00+08:00`) + minutes * 60_000).toISOString());
          await Promise.all(jobs.slice(i, i + PARALLEL).map((j) => j()));
        }
        issued += Math.min(perMonth, end - issued);
        process.stderr.write(`  filled ${issued} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    };
    // Specials, reds, voids, paper, red_full blues: a fraction of the rows, marked by SQL (again
    // after the rest: the same rule marks the same rows).
    const mark = async () => {
      await conn.query("UPDATE invoices SET type = 'special' WHERE buyer_tax_id IS NOT NULL AND RIGHT(number, 1) = '7'");
      await conn.query("UPDATE invoices SET color = 'red' WHERE RIGHT(number, 3) = '017'");
      await conn.query("UPDATE invoices SET status = 'red_full' WHERE color = 'blue' AND RIGHT(number, 3) = '018'");
      await conn.query("UPDATE invoices SET status = 'red_partial' WHERE color = 'blue' AND RIGHT(number, 3) = '019'");
      await conn.query("UPDATE invoices SET medium = 'paper', status = 'voided' WHERE RIGHT(number, 4) = '0020'");
    };

    const baseline = BASELINE > 0 ? `a baseline of ${BASELINE.toLocaleString('en')} invoices` : 'an empty database';
    console.log(
      `\ngrowth: every list, filter and export on ${baseline} and after ${INVOICES.toLocaleString('en')} invoices (MariaDB; figures noisy on a shared CPU)`,
    );
    let t0 = Date.now();
    if (BASELINE > 0) {
      await fill(BASELINE);
      await mark();
      await seedOtherLists(conn);
      await conn.query(`ANALYZE TABLE ${ANALYZED}`);
      await settle(conn, SETTLE_SECONDS);
    }
    const empty = await measure(shapes(tokens, officer, BASELINE > 0 ? await deepCursors(conn, issued) : new Map()));
    const issuingEmpty = await issuingRate(tokens.get(issuer)!);

    t0 = Date.now();
    await fill(INVOICES - BASELINE);
    const fillSeconds = (Date.now() - t0) / 1000;
    await mark();
    await seedOtherLists(conn);
    await conn.query(`ANALYZE TABLE ${ANALYZED}`);
    const settled = await settle(conn, SETTLE_SECONDS);
    console.log(
      `background work after the fill (outbox fan-out, audit sealing) caught up in ${settled.seconds.toFixed(0)} s` +
        (settled.outbox || settled.unsealed > 0
          ? `; still left after BENCH_GROWTH_SETTLE_SECONDS: ${settled.outbox} outbox events, ${settled.unsealed} audit events`
          : ''),
    );
    const deep = await deepCursors(conn, issued);
    const [[counts]] = (await conn.query(
      'SELECT COUNT(*) AS n, SUM(seller_tax_id = ?) AS big, (SELECT COUNT(*) FROM red_confirmations) AS slips, (SELECT COUNT(*) FROM audit_events) AS events FROM invoices',
      [bigs[0]],
    )) as unknown as [{ n: number; big: number; slips: number; events: number }[]];
    await conn.end();
    console.log(
      `filled ${Number(counts.n).toLocaleString('en')} invoices (${Number(counts.big).toLocaleString('en')} by the biggest seller) in ${fillSeconds.toFixed(0)} s ` +
        `(${((INVOICES - BASELINE) / fillSeconds).toFixed(0)} invoices/s through the batch endpoint, ${PARALLEL} requests at a time); ` +
        `${Number(counts.slips).toLocaleString('en')} slips, ${Number(counts.events).toLocaleString('en')} audit events`,
    );

    const full = await measure(shapes(tokens, officer, deep));
    const issuingFull = await issuingRate(tokens.get(issuer)!);
    console.log(
      `\nrequest                                        status  items: empty  full  first byte ms: empty    full  ratio   page ms: empty     full  ratio  goal   export MB/s: empty   full`,
    );
    let misses = 0;
    for (const [name, e] of empty) {
      const f = full.get(name)!;
      const ratio = (a: number, b: number) => (b / Math.max(a, 1)).toFixed(2);
      // Lists: the whole page; exports: the first byte (their rate is compared below).
      // An answer other than 200 measured nothing: FAIL, whatever its time.
      const goal =
        e.status !== 200 || f.status !== 200
          ? 'FAIL'
          : f.mbps !== null || name.startsWith('export')
            ? verdict(e.firstMs, f.firstMs)
            : verdict(e.totalMs, f.totalMs);
      if (goal !== 'PASS') misses++;
      console.log(
        `${name.padEnd(47)} ${String(f.status).padStart(6)} ${String(e.items ?? '-').padStart(13)} ${String(f.items ?? '-').padStart(5)} ${e.firstMs.toFixed(1).padStart(21)} ${f.firstMs.toFixed(1).padStart(7)} ${ratio(e.firstMs, f.firstMs).padStart(6)}` +
          ` ${e.totalMs.toFixed(1).padStart(15)} ${f.totalMs.toFixed(1).padStart(8)} ${ratio(e.totalMs, f.totalMs).padStart(6)}  ${goal}` +
          `${f.mbps !== null ? `${(e.mbps === null ? '-' : e.mbps.toFixed(1)).padStart(20)} ${f.mbps.toFixed(1).padStart(6)}` : ''}`,
      );
    }
    console.log(`pages: ${empty.size - misses} PASS, ${misses} MISS or FAIL (goal: within 2x of the empty database, or within ${NOISE_MS} ms of it)`);
    for (const format of ['jsonl', 'csv']) {
      const rate = (d: string) => full.get(`export ${format}, ${d === 'received' ? 'small taxpayer' : 'big seller'}, ${d}`)?.mbps ?? null;
      const [issuedRate, bothRate, receivedRate] = [rate('issued'), rate('both'), rate('received')];
      const show = (r: number | null) => (r === null ? '-' : r.toFixed(1));
      console.log(
        `export ${format} MB/s: issued ${show(issuedRate)}, both ${show(bothRate)}, received ${show(receivedRate)}` +
          (issuedRate && bothRate
            ? `; both costs ${(issuedRate / bothRate).toFixed(2)}x issued per byte: ${issuedRate / bothRate <= 1.5 ? 'PASS' : 'MISS'} (goal <= 1.5x)`
            : ''),
      );
    }
    console.log(
      `issuing (the cost of the indexes), invoices/s: single POSTs (8 clients) ${issuingEmpty.single.toFixed(0)} empty, ${issuingFull.single.toFixed(0)} full ` +
        `(${(issuingFull.single / issuingEmpty.single).toFixed(2)}x); batches of 200 (${PARALLEL} clients) ${issuingEmpty.batch.toFixed(0)} empty, ` +
        `${issuingFull.batch.toFixed(0)} full (${(issuingFull.batch / issuingEmpty.batch).toFixed(2)}x)`,
    );
    // The issuing probes just wrote events: a verification first waits for the sealer to link
    // them (about 850 a second here), which is not what is measured; let it catch up first.
    const rest = await createConnection(url.toString());
    const caughtUp = await settle(rest, SETTLE_SECONDS);
    await rest.end();
    console.log(`audit sealer caught up with the issuing probes' events in ${caughtUp.seconds.toFixed(0)} s`);
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
    if (keep) console.log(`kept database ${db} (BENCH_GROWTH_DATABASE)`);
    else {
      const drop = await createConnection(server);
      await drop.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await drop.end();
    }
    agent.destroy();
  }
}
