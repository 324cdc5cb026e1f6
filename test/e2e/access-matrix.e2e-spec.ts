import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';
import request, { type Response } from 'supertest';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook.entities';
import { invoiceBody, LAPTOP } from '../support/drivers';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, taxpayerBody, TestApp } from '../support/test-app';

// Issue 6: "no route leaks another taxpayer's data or lets a role act beyond API.md's table".
// Every route of the service x every principal, on objects of taxpayer A and (mirrored) of
// taxpayer B, which has nothing to do with A. API.md "Conventions": "Unauthenticated: 401.
// Authenticated but not allowed, or another taxpayer's object: 404 for objects (do not reveal
// they exist), 403 for actions." API.md "Principals and roles": admin (everything a tax officer
// may, plus registering taxpayers, users and keys), tax_officer (set totals, periodic runs,
// decide applications, correct usage confirmations, read all), taxpayer (its own invoices, red
// slips as seller or buyer, usage confirmation and accounting entry on received invoices,
// applications, objections, VAT filings; reads its own), auditor (one taxpayer or all; read and
// export only).
//
// A issues to C (a third pilot) and B issues to D, so B is unrelated to A's objects, while C is
// the buyer of A's invoices: it shows the "other party" of an invoice or slip.
// Allowed calls that change state run on throwaway objects made just for that call, so no test
// depends on the order in which the others ran.

const T0 = '2023-07-20T09:00:00+08:00';
const PERIOD = '2023-07';

type Json = Record<string, any>;
type Party = { taxId: string; token: string; body: Json };
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The principals of the matrix, in the order of the table's columns. */
const WHO = ['none', 'admin', 'officer', 'auditor', 'auditorA', 'auditorB', 'taxpayerA', 'taxpayerB', 'taxpayerC'] as const;
type Who = (typeof WHO)[number];
const LABEL: Record<Who, string> = {
  none: 'no token',
  admin: 'admin',
  officer: 'tax officer',
  auditor: 'unscoped auditor',
  auditorA: "A's auditor",
  auditorB: "B's auditor",
  taxpayerA: "A's taxpayer",
  taxpayerB: "B's taxpayer",
  taxpayerC: "C's taxpayer (A's buyer)",
};

/** 2xx; any answer that is not a refusal of the principal (401/403/404) and not a 5xx; or exactly that refusal. */
const OK = 'ok' as const;
const ANY = 'any' as const;
type Exp = typeof OK | typeof ANY | 401 | 403 | 404;

type Owner = 'A' | 'B';
/** The objects of one owner that routes name in their paths and bodies. */
interface Vars {
  taxId: string;
  /** Electronic 数电专票 to the owner's buyer; the buyer has entered it in its accounts. */
  invoice: string;
  issueDate: string;
  totalWithTax: string;
  /** A paper invoice to the buyer, status issued. */
  paper: string;
  /** A slip the owner (seller) filled in on `invoice`: 02, awaiting the buyer. */
  slip: string;
  /** A slip in 01 (the buyer had not acted), its red invoice not issued yet. */
  readySlip: string;
  /** A pending quota application of the owner. */
  app: string;
  objection: string;
  /** A failed e-mail delivery of `invoice` (the SMTP relay refuses the recipient). */
  delivery: string;
  /** An API key of the owner's taxpayer role. */
  key: string;
  /** A user with a password (whose sessions an admin may end). */
  user: string;
  /** A webhook of the owner's (for delivery.failed: it never receives anything here). */
  webhook: string;
  /** A delivery of that webhook, made (succeeded) straight in the database. */
  whDelivery: string;
}
interface Side {
  owner: Owner;
  seller: Party;
  buyer: Party;
  vars: Vars;
}

interface Row {
  method: Method;
  /** With {placeholders} naming fields of Vars. */
  path: string;
  exp: Exp[];
  owned: boolean;
  body?: (v: Vars) => unknown;
  accept?: string;
  /** For an allowed call that changes state: the throwaway objects it runs on. */
  fresh?: (side: Side, who: Who) => Promise<Partial<Vars>>;
}

const row = (method: Method, path: string, exp: Exp[], extra: Partial<Row> = {}): Row => {
  if (exp.length !== WHO.length) throw new Error(`${method} ${path}: ${exp.length} expectations for ${WHO.length} principals`);
  return { method, path, exp, owned: /\{(taxId|invoice|paper|slip|readySlip|app|objection|delivery|key|webhook|whDelivery)\}/.test(path), ...extra };
};

let unique = 0;
const next = () => `${process.pid}-${++unique}`;

const smallOrdinary = (amount = '100.00'): Json => ({
  type: 'ordinary',
  buyer: { name: '个人消费者' },
  lines: [{ name: '咨询服务', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount, taxRate: '0.06' }],
});

// Fresh objects, made by the owner (seller) and its buyer. `w` is set in beforeAll.
let w: { t: TestApp };
async function ok(res: Response | Promise<Response>, status?: number): Promise<Json> {
  const r = await res;
  if (status !== undefined ? r.status !== status : r.status >= 300)
    throw new Error(`setup: expected ${status ?? '2xx'}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
/** The canonical body with the LAPTOP line only: a 专票, or an ordinary paper invoice. */
const blueTo = (buyer: Party, medium: 'electronic' | 'paper' = 'electronic'): Json =>
  invoiceBody(buyer, { type: medium === 'paper' ? 'ordinary' : 'special', medium, lines: [LAPTOP] });
async function issue(side: Side, opts: { medium?: 'electronic' | 'paper'; entered?: boolean; usage?: string } = {}): Promise<Json> {
  const invoice = await ok(w.t.http(side.seller.token).post('/v1/invoices').send(blueTo(side.buyer, opts.medium)), 201);
  if (opts.entered) await ok(w.t.http(side.buyer.token).post(`/v1/invoices/${invoice.number}/accounting-entry`).send({ entered: true }), 200);
  if (opts.usage) await ok(w.t.http(side.buyer.token).post(`/v1/invoices/${invoice.number}/usage-confirmation`).send({ purpose: opts.usage }), 200);
  return invoice;
}
async function slipOn(side: Side, status: '01' | '02'): Promise<string> {
  const invoice = await issue(side, { entered: status === '02' });
  const slip = await ok(w.t.http(side.seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: invoice.number, reason: '01' }), 201);
  if (slip.status !== status) throw new Error(`setup: slip is ${slip.status}, wanted ${status}`);
  return slip.id;
}
const application = async (side: Side) =>
  (
    await ok(
      w.t.http(side.seller.token).post(`/v1/taxpayers/${side.seller.taxId}/quota/applications`).send({ requestedTotal: '7500000.00', reason: '季度备货' }),
      201,
    )
  ).id as string;
const delivery = async (side: Side, number: string) =>
  (await ok(w.t.http(side.seller.token).post(`/v1/invoices/${number}/deliveries`).send({ channel: 'email', to: 'ap@example.com' }), 201)).id as string;
const webhook = async (side: Side) =>
  (
    await ok(
      w.t
        .http(side.seller.token)
        .post('/v1/webhooks')
        .send({ url: 'https://erp.example.com/einvoice', events: ['delivery.failed'] }),
      201,
    )
  ).id as string;
async function whDelivery(side: Side): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await w.t.dataSource
    .createQueryBuilder()
    .insert()
    .into(WebhookDeliveryEntity)
    .values({
      id,
      webhookId: side.vars.webhook,
      eventId: `evt_${id.replace(/-/g, '').slice(0, 26)}`,
      eventType: 'delivery.failed',
      eventSeq: 1,
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      claimedUntil: null,
      claimToken: null,
      lastStatusCode: 200,
      lastDurationMs: 5,
      lastError: null,
      lastAttemptAt: now,
      deliveredAt: now,
      finishedAt: now,
      createdAt: now,
    })
    .execute();
  return id;
}
const keyId = async (side: Side) =>
  (
    await ok(
      w.t
        .http(ADMIN_TOKEN)
        .post('/v1/api-keys')
        .send({ name: `spare ${next()}`, role: 'taxpayer', taxpayerId: side.seller.taxId }),
      201,
    )
  ).id as string;

const userId = async () =>
  (
    await ok(
      w.t
        .http(ADMIN_TOKEN)
        .post('/v1/users')
        .send({ username: `spare.${next()}`, password: 'correct horse battery', role: 'auditor' }),
      201,
    )
  ).id as string;

//                                             none  admin officer auditor audA audB  tpA  tpB  tpC
const ROWS: Row[] = [
  // ------------------------------------------------------------ operations (public)
  row('GET', '/health', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/health/ready', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/docs-json', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/docs', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  // ------------------------------------------------------------ auth
  row('POST', '/v1/auth/sessions', [OK, OK, OK, OK, OK, OK, OK, OK, OK], { body: () => LOGIN }),
  row('GET', '/v1/auth/me', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  // An API key cannot log out (409: keys are revoked, not logged out); what matters is 401 without one.
  row('DELETE', '/v1/auth/sessions/current', [401, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY]),
  // First start: the admin exists here, so setup is over for everyone (409 INVALID_STATE).
  row('GET', '/v1/setup', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('POST', '/v1/setup', [ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY], {
    body: () => ({ setupCode: 'AAAA-AAAA', username: 'root', password: 'correct horse battery' }),
  }),
  row('GET', '/v1/users', [401, OK, 403, 403, 403, 403, 403, 403, 403]),
  row('GET', '/v1/api-keys', [401, OK, 403, 403, 403, 403, 403, 403, 403]),
  row('POST', '/v1/users', [401, OK, 403, 403, 403, 403, 403, 403, 403], {
    body: () => ({ username: `matrix.${next()}`, password: 'correct horse battery', role: 'auditor' }),
  }),
  row('POST', '/v1/api-keys', [401, OK, 403, 403, 403, 403, 403, 403, 403], { body: () => ({ name: `matrix ${next()}`, role: 'auditor' }) }),
  row('DELETE', '/v1/api-keys/{key}', [401, OK, 403, 403, 403, 403, 403, 403, 403], { fresh: async (s) => ({ key: await keyId(s) }) }),
  row('DELETE', '/v1/users/{user}/sessions', [401, OK, 403, 403, 403, 403, 403, 403, 403], { fresh: async () => ({ user: await userId() }) }),
  // ------------------------------------------------------------ taxpayers
  row('POST', '/v1/taxpayers', [401, OK, 403, 403, 403, 403, 403, 403, 403], { body: () => taxpayerBody(makeTaxId('23')) }),
  row('GET', '/v1/taxpayers', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/v1/taxpayers/{taxId}', [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  // The values it was registered with: allowed, and changes nothing.
  row('PATCH', '/v1/taxpayers/{taxId}', [401, OK, OK, 403, 403, 403, 403, 403, 403], { body: () => ({ riskLevel: 'low', creditRating: 'A' }) }),
  // ------------------------------------------------------------ quota
  row('GET', '/v1/taxpayers/{taxId}/quota', [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  row('GET', `/v1/taxpayers/{taxId}/quota/${PERIOD}`, [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  row('GET', `/v1/taxpayers/{taxId}/quota/${PERIOD}/ledger`, [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  row('GET', '/v1/taxpayers/{taxId}/quota/objections', [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  // The total it already has: allowed, and changes nothing.
  row('POST', '/v1/taxpayers/{taxId}/quota/adjustments', [401, OK, OK, 403, 403, 403, 403, 403, 403], {
    body: () => ({ period: PERIOD, kind: 'manual', newTotal: '7500000.00', reason: '核定' }),
  }),
  row('POST', '/v1/quota/periodic-runs', [401, OK, OK, 403, 403, 403, 403, 403, 403], { body: () => ({ period: PERIOD }) }),
  row('POST', '/v1/taxpayers/{taxId}/quota/applications', [401, 403, 403, 403, 403, 403, OK, 404, 404], {
    body: () => ({ requestedTotal: '7500000.00', reason: '季度备货' }),
  }),
  row('GET', '/v1/quota/applications', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('POST', '/v1/quota/applications/{app}/approve', [401, OK, OK, 403, 403, 403, 403, 403, 403], {
    body: () => ({ reason: '同意' }),
    fresh: async (s) => ({ app: await application(s) }),
  }),
  row('POST', '/v1/quota/applications/{app}/reject', [401, OK, OK, 403, 403, 403, 403, 403, 403], {
    body: () => ({ reason: '不予调整' }),
    fresh: async (s) => ({ app: await application(s) }),
  }),
  row('POST', '/v1/taxpayers/{taxId}/quota/objections', [401, 403, 403, 403, 403, 403, OK, 404, 404], { body: () => ({ reason: '额度偏低' }) }),
  row('GET', `/v1/taxpayers/{taxId}/vat-return-figures?period=${PERIOD}`, [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  row('POST', '/v1/taxpayers/{taxId}/vat-filings', [401, OK, OK, 403, 403, 403, OK, 404, 404], { body: () => ({ period: '2023-06' }) }),
  row('POST', '/v1/taxpayers/{taxId}/paper-collections', [401, 403, 403, 403, 403, 403, OK, 404, 404], {
    body: () => ({ invoiceKind: 'paper_special', count: 1, maxAmountPerInvoice: '100.00' }),
  }),
  // ------------------------------------------------------------ invoices
  row('POST', '/v1/invoices', [401, 403, 403, 403, 403, 403, OK, OK, OK], { body: () => smallOrdinary() }),
  row('POST', '/v1/invoices/batch', [401, 403, 403, 403, 403, 403, OK, OK, OK], { body: () => ({ invoices: [smallOrdinary(), smallOrdinary('50.00')] }) }),
  row('POST', '/v1/invoices/preview', [401, 403, 403, 403, 403, 403, OK, OK, OK], { body: () => smallOrdinary() }),
  row('GET', '/v1/invoices', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/v1/invoices/batch/template.xlsx', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  // No workbook attached: the taxpayer gets 400 (the role check is what this row is about).
  row('POST', '/v1/invoices/batch/xlsx-parse', [401, 403, 403, 403, 403, 403, ANY, ANY, ANY]),
  row('GET', '/v1/counterparties?q=9', [401, 403, 403, 403, 403, 403, OK, OK, OK]),
  row('GET', '/v1/tax-classifications?q=304', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/v1/invoices/{invoice}', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('GET', '/v1/invoices/{invoice}', [401, OK, OK, OK, OK, 404, OK, 404, OK], { accept: 'application/xml' }),
  row('GET', '/v1/invoices/{invoice}', [401, OK, OK, OK, OK, 404, OK, 404, OK], { accept: 'application/pdf' }),
  row('GET', '/v1/invoices/{invoice}', [401, OK, OK, OK, OK, 404, OK, 404, OK], { accept: 'application/ofd' }),
  row('GET', '/v1/invoices/{invoice}/xml', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('GET', '/v1/invoices/{invoice}/pdf', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('GET', '/v1/invoices/{invoice}/ofd', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('POST', '/v1/invoices/{paper}/void', [401, 403, 403, 403, 403, 403, OK, 404, 403], {
    fresh: async (s) => ({ paper: (await issue(s, { medium: 'paper' })).number }),
  }),
  // The buyer confirms (its invoice has no usage yet); an officer corrects a usage the buyer confirmed.
  row('POST', '/v1/invoices/{invoice}/usage-confirmation', [401, OK, OK, 403, 403, 403, 403, 404, OK], {
    body: () => ({ purpose: 'deduction' }),
    fresh: async (s, who) => ({ invoice: (await issue(s, who === 'admin' || who === 'officer' ? { usage: 'no_deduction' } : {})).number }),
  }),
  // `invoice` is entered already: allowed, and changes nothing.
  row('POST', '/v1/invoices/{invoice}/accounting-entry', [401, 403, 403, 403, 403, 403, 403, 404, OK], { body: () => ({ entered: true }) }),
  // ------------------------------------------------------------ delivery
  row('GET', '/v1/invoices/{invoice}/deliveries', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('POST', '/v1/invoices/{invoice}/deliveries', [401, 403, 403, 403, 403, 403, OK, 404, 403], { body: () => ({ channel: 'email', to: 'ap@example.com' }) }),
  row('POST', '/v1/deliveries/{delivery}/retry', [401, 403, 403, 403, 403, 403, OK, 404, 403], {
    fresh: async (s) => ({ delivery: await delivery(s, s.vars.invoice) }),
  }),
  // ------------------------------------------------------------ red-letter confirmation slips
  // The seller files on an invoice the buyer has not acted on (01); the buyer on one it entered (03).
  row('POST', '/v1/red-confirmations', [401, 403, 403, 403, 403, 403, OK, 404, OK], {
    body: (v) => ({ blueInvoiceNumber: v.invoice, reason: '01' }),
    fresh: async (s, who) => ({ invoice: (await issue(s, { entered: who === 'taxpayerC' })).number }),
  }),
  row('GET', '/v1/red-confirmations', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/v1/red-confirmations/{slip}', [401, OK, OK, OK, OK, 404, OK, 404, OK]),
  row('POST', '/v1/red-confirmations/{slip}/confirm', [401, 403, 403, 403, 403, 403, 403, 404, OK], { fresh: async (s) => ({ slip: await slipOn(s, '02') }) }),
  row('POST', '/v1/red-confirmations/{slip}/reject', [401, 403, 403, 403, 403, 403, 403, 404, OK], { fresh: async (s) => ({ slip: await slipOn(s, '02') }) }),
  row('POST', '/v1/red-confirmations/{slip}/revoke', [401, 403, 403, 403, 403, 403, OK, 404, 403], { fresh: async (s) => ({ slip: await slipOn(s, '02') }) }),
  row('POST', '/v1/red-confirmations/{readySlip}/red-invoice', [401, 403, 403, 403, 403, 403, OK, 404, 403], {
    fresh: async (s) => ({ readySlip: await slipOn(s, '01') }),
  }),
  // ------------------------------------------------------------ verification (public)
  row('POST', '/v1/verifications', [OK, OK, OK, OK, OK, OK, OK, OK, OK], {
    body: (v) => ({ number: v.invoice, issueDate: v.issueDate, totalWithTax: v.totalWithTax }),
  }),
  // ------------------------------------------------------------ audit and export
  row('GET', '/v1/audit-events', [401, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('GET', '/v1/audit-events/verify', [401, OK, OK, OK, 403, 403, 403, 403, 403]),
  row('POST', '/v1/audit-events/verifications', [401, OK, OK, 403, 403, 403, 403, 403, 403]),
  // Any id that is not a verification's (here an API key's): 404 to those who may read verifications.
  row('GET', '/v1/audit-events/verifications/{key}', [401, 404, 404, 404, 403, 403, 403, 403, 403]),
  row('GET', '/v1/exports/invoices?taxId={taxId}&format=csv', [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  row('GET', '/v1/exports/invoices?taxId={taxId}&format=jsonl', [401, OK, OK, OK, OK, 404, OK, 404, 404]),
  // ------------------------------------------------------------ webhooks (a taxpayer its own; an admin any)
  row('POST', '/v1/webhooks', [401, OK, 403, 403, 403, 403, OK, 403, 403], {
    body: (v) => ({ url: 'https://erp.example.com/einvoice', events: ['delivery.failed'], taxId: v.taxId }),
  }),
  row('GET', '/v1/webhooks', [401, OK, 403, 403, 403, 403, OK, OK, OK]),
  row('GET', '/v1/webhooks/{webhook}', [401, OK, 403, 403, 403, 403, OK, 404, 404]),
  row('GET', '/v1/webhooks/{webhook}/deliveries', [401, OK, 403, 403, 403, 403, OK, 404, 404]),
  row('GET', '/v1/webhooks/{webhook}/deliveries/{whDelivery}/attempts', [401, OK, 403, 403, 403, 403, OK, 404, 404]),
  row('POST', '/v1/webhooks/{webhook}/rotate-secret', [401, OK, 403, 403, 403, 403, OK, 404, 404], { fresh: async (s) => ({ webhook: await webhook(s) }) }),
  row('DELETE', '/v1/webhooks/{webhook}', [401, OK, 403, 403, 403, 403, OK, 404, 404], { fresh: async (s) => ({ webhook: await webhook(s) }) }),
  row('POST', '/v1/webhook-deliveries/{whDelivery}/redeliver', [401, OK, 403, 403, 403, 403, OK, 404, 404], {
    fresh: async (s) => ({ whDelivery: await whDelivery(s) }),
  }),
  // ------------------------------------------------------------ the test clock (admin)
  row('GET', '/v1/system/clock', [401, OK, 403, 403, 403, 403, 403, 403, 403]),
  // The time it already shows: allowed, and changes nothing.
  row('PUT', '/v1/system/clock', [401, OK, 403, 403, 403, 403, 403, 403, 403], { body: () => ({ now: T0 }) }),
  // ------------------------------------------------------------ the platform's signing keys (issue 13)
  row('GET', '/v1/platform/signing-keys', [OK, OK, OK, OK, OK, OK, OK, OK, OK]),
  row('POST', '/v1/platform/signing-keys/rotate', [401, OK, 403, 403, 403, 403, 403, 403, 403]),
];

const LOGIN = { username: 'matrix.login', password: 'correct horse battery staple' };

/** Routes anyone may call: the only ones that answer without a token. */
const PUBLIC = ROWS.filter((r) => r.exp[0] !== 401);

/** On B's objects, A and B swap places, and C is as unrelated to B as B is to A. */
const MIRROR: Record<Who, Who> = {
  none: 'none',
  admin: 'admin',
  officer: 'officer',
  auditor: 'auditor',
  auditorA: 'auditorB',
  auditorB: 'auditorA',
  taxpayerA: 'taxpayerB',
  taxpayerB: 'taxpayerA',
  taxpayerC: 'taxpayerB',
};
const expFor = (r: Row, owner: Owner, who: Who): Exp => r.exp[WHO.indexOf(owner === 'A' ? who : MIRROR[who])];

const fill = (template: string, v: Vars) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (v as unknown as Record<string, string>)[name];
    if (value === undefined) throw new Error(`no ${name} for ${template}`);
    return encodeURIComponent(value);
  });

const describeExp = (e: Exp) => (e === OK ? '2xx' : e === ANY ? 'not 401/403/404' : String(e));
const CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

function check(res: Response, exp: Exp, what: string): void {
  const shown = () => `${what}: got ${res.status} ${res.headers['content-type'] ?? ''} ${String(res.text ?? '').slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`5xx — ${shown()}`);
  if (exp === OK) {
    if (res.status < 200 || res.status > 299) throw new Error(`expected 2xx — ${shown()}`);
    return;
  }
  if (exp === ANY) {
    if ([401, 403, 404].includes(res.status)) throw new Error(`expected the principal to be let through — ${shown()}`);
    return;
  }
  if (res.status !== exp) throw new Error(`expected ${exp} ${CODES[exp]} — ${shown()}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: exp, code: CODES[exp] });
}

describe('access matrix: every route x every principal x own / other taxpayer (issue 6)', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-matrix-outbox-'));
  const tokens = {} as Record<Who | 'revoked' | 'unknown', string | undefined>;
  const sides = {} as Record<Owner, Side>;

  beforeAll(async () => {
    // A relay that refuses every recipient: every delivery fails, and is recorded as failed.
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })),
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    // The rate limits are not under test here (rate-limits.e2e-spec.ts): the matrix alone makes
    // about 300 unauthenticated calls a minute.
    t = await startApp({
      VERIFY_RATE_LIMIT: '100000',
      ANON_RATE_LIMIT_PER_MINUTE: '100000',
      LOGIN_RATE_LIMIT: '100000',
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      OUTBOX_DIR: outbox,
      // Webhook secrets need a key on MySQL (on SQLite a key file would do).
      WEBHOOK_SECRET_KEY: 'a'.repeat(64),
    });
    w = { t };
    await setClock(t, T0);

    const A = (await registerTaxpayer(t, {}, '22')) as Party;
    const B = (await registerTaxpayer(t, {}, '32')) as Party;
    const C = (await registerTaxpayer(t, {}, '41')) as Party;
    const D = (await registerTaxpayer(t, {}, '44')) as Party;
    tokens.none = undefined;
    tokens.admin = ADMIN_TOKEN;
    tokens.officer = await apiKey(t, 'tax_officer');
    tokens.auditor = await apiKey(t, 'auditor');
    tokens.auditorA = await apiKey(t, 'auditor', A.taxId);
    tokens.auditorB = await apiKey(t, 'auditor', B.taxId);
    tokens.taxpayerA = A.token;
    tokens.taxpayerB = B.token;
    tokens.taxpayerC = C.token;
    // A key that worked (and may sit in a cache of resolved tokens), then was revoked; and a token nobody issued.
    const revoked = await ok(t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'revoked', role: 'taxpayer', taxpayerId: A.taxId }), 201);
    await ok(t.http(revoked.token).get('/v1/auth/me'), 200);
    await ok(t.http(ADMIN_TOKEN).delete(`/v1/api-keys/${revoked.id}`), 204);
    tokens.revoked = revoked.token;
    tokens.unknown = `eik_${'x'.repeat(40)}`;
    await ok(
      t
        .http(ADMIN_TOKEN)
        .post('/v1/users')
        .send({ ...LOGIN, role: 'auditor' }),
      201,
    );

    for (const [owner, seller, buyer] of [
      ['A', A, C],
      ['B', B, D],
    ] as const) {
      const side: Side = { owner, seller, buyer, vars: {} as Vars };
      const invoice = await issue(side, { entered: true });
      const slip = await ok(t.http(seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: invoice.number, reason: '01' }), 201);
      expect(slip.status).toBe('02');
      side.vars = {
        taxId: seller.taxId,
        invoice: invoice.number,
        issueDate: invoice.issuedAt.slice(0, 10),
        totalWithTax: invoice.totalWithTax,
        paper: (await issue(side, { medium: 'paper' })).number,
        slip: slip.id,
        readySlip: await slipOn(side, '01'),
        app: await application(side),
        objection: (await ok(t.http(seller.token).post(`/v1/taxpayers/${seller.taxId}/quota/objections`).send({ reason: '额度偏低' }), 201)).id,
        delivery: await delivery(side, invoice.number),
        key: await keyId(side),
        user: await userId(),
        webhook: '',
        whDelivery: '',
      };
      side.vars.webhook = await webhook(side);
      side.vars.whDelivery = await whDelivery(side);
      sides[owner] = side;
    }
  });

  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  async function call(r: Row, vars: Vars, token: string | undefined): Promise<Response> {
    const agent = request(t.app.getHttpServer());
    const url = fill(r.path, vars);
    let req =
      r.method === 'GET'
        ? agent.get(url)
        : r.method === 'POST'
          ? agent.post(url)
          : r.method === 'PUT'
            ? agent.put(url)
            : r.method === 'PATCH'
              ? agent.patch(url)
              : agent.delete(url);
    if (token) req = req.set('Authorization', `Bearer ${token}`);
    if (r.accept) req = req.set('Accept', r.accept);
    if (r.body) return req.send(r.body(vars) as object);
    return r.method === 'GET' || r.method === 'DELETE' ? req : req.send({});
  }

  // ---------------------------------------------------------------- the matrix

  for (const r of ROWS) {
    const owners: Owner[] = r.owned ? ['A', 'B'] : ['A'];
    for (const owner of owners) {
      const title = `${r.method} ${r.path}${r.accept ? ` (Accept: ${r.accept})` : ''}${r.owned ? ` on ${owner}'s objects` : ''}`;
      describe(title, () => {
        for (const who of WHO) {
          const exp = expFor(r, owner, who);
          it(`${LABEL[who]}: ${describeExp(exp)}`, async () => {
            const side = sides[owner];
            const vars = exp === OK && r.fresh ? { ...side.vars, ...(await r.fresh(side, who)) } : side.vars;
            check(await call(r, vars, tokens[who]), exp, `${title} as ${LABEL[who]}`);
          });
        }
        // A token that is not (or no longer) valid is no token at all.
        for (const bad of ['revoked', 'unknown'] as const) {
          const exp = r.exp[0];
          it(`${bad === 'revoked' ? 'a revoked API key' : 'an unknown token'}: ${describeExp(exp)}`, async () => {
            const side = sides[owner];
            const vars = exp === OK && r.fresh ? { ...side.vars, ...(await r.fresh(side, 'none')) } : side.vars;
            check(await call(r, vars, tokens[bad]), exp, `${title} with ${bad} token`);
          });
        }
      });
    }
  }

  // ---------------------------------------------------------------- the table itself

  describe('the table', () => {
    it('only the public routes of API.md answer without a token', () => {
      expect(PUBLIC.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
        [
          'GET /docs',
          'GET /docs-json',
          'GET /health',
          'GET /health/ready',
          'GET /v1/platform/signing-keys',
          'GET /v1/setup',
          'POST /v1/auth/sessions',
          'POST /v1/setup',
          'POST /v1/verifications',
        ].sort(),
      );
    });

    it('auditors, scoped or not, may not POST, PUT, PATCH or DELETE anything but the public routes (403)', () => {
      const writes = ROWS.filter((r) => r.method !== 'GET' && !PUBLIC.includes(r) && r.path !== '/v1/auth/sessions/current');
      expect(writes.length).toBeGreaterThan(25);
      for (const r of writes) {
        for (const who of ['auditor', 'auditorA', 'auditorB'] as const) {
          expect({ route: `${r.method} ${r.path}`, who, exp: r.exp[WHO.indexOf(who)] }).toEqual({ route: `${r.method} ${r.path}`, who, exp: 403 });
        }
      }
    });

    it('lists every route the service serves (from its OpenAPI document)', async () => {
      const doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      const served = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '{}')}`),
      );
      const tested = new Set(
        ROWS.map(
          (r) =>
            `${r.method} ${r.path
              .split('?')[0]
              .replace(/\{[^}]+\}/g, '{}')
              .replace(/\/\d{4}-\d{2}(?=\/|$)/g, '/{}')}`,
        ),
      );
      expect(served.filter((route) => !tested.has(route)).sort()).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- nothing of A in B's lists

  describe("B's lists and exports never show A's objects", () => {
    /** Everything that names A's objects, read as admin after the matrix ran (its throwaway objects too). */
    let secrets: string[];

    async function all(path: string): Promise<Json[]> {
      const items: Json[] = [];
      let cursor: string | null = null;
      do {
        const sep: string = path.includes('?') ? '&' : '?';
        const body: Json = await ok(t.http(ADMIN_TOKEN).get(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
        items.push(...body.items);
        cursor = body.nextCursor;
      } while (cursor);
      return items;
    }

    beforeAll(async () => {
      // Objects of its own for A too (five blues, each with an 01 slip), so that there is more to
      // look for than the fixed objects when this describe runs without the matrix before it.
      for (let i = 0; i < 5; i++) await slipOn(sides.A, '01');
      const A = sides.A.vars;
      const invoices = await all(`/v1/invoices?taxId=${A.taxId}&direction=issued`);
      const slips = await all(`/v1/red-confirmations?taxId=${A.taxId}`);
      const apps = await all(`/v1/quota/applications?taxId=${A.taxId}`);
      const objections = await all(`/v1/taxpayers/${A.taxId}/quota/objections`);
      const deliveries = (await ok(t.http(ADMIN_TOKEN).get(`/v1/invoices/${A.invoice}/deliveries`), 200)).items as Json[];
      secrets = [
        A.taxId,
        ...invoices.map((i) => i.number),
        ...slips.flatMap((s) => [s.id, s.number]),
        ...apps.map((a) => a.id),
        ...objections.map((o) => o.id),
        ...deliveries.map((d) => d.id),
      ];
      // The objects this file made for A are all there to be looked for.
      for (const id of [A.invoice, A.paper, A.slip, A.readySlip, A.app, A.objection, A.delivery]) expect(secrets).toContain(id);
      expect(secrets.length).toBeGreaterThan(20);
    });

    const leaked = (text: string) => secrets.filter((s) => text.includes(s));

    const LISTS = [
      '/v1/invoices',
      '/v1/invoices?direction=received',
      '/v1/invoices?taxId={A}',
      '/v1/invoices?taxId={A}&direction=received',
      '/v1/red-confirmations',
      '/v1/red-confirmations?direction=initiated',
      '/v1/red-confirmations?direction=received',
      '/v1/red-confirmations?direction=awaiting',
      '/v1/red-confirmations?taxId={A}',
      '/v1/quota/applications',
      '/v1/quota/applications?status=pending',
      '/v1/quota/applications?taxId={A}',
      '/v1/taxpayers',
      '/v1/taxpayers/{B}/quota/objections',
      `/v1/taxpayers/{B}/quota/${PERIOD}/ledger`,
      '/v1/invoices/{Binvoice}/deliveries',
      '/v1/audit-events',
      '/v1/audit-events?taxId={A}',
      '/v1/exports/invoices?format=csv',
      '/v1/exports/invoices?format=jsonl',
      '/v1/exports/invoices?taxId={A}&format=csv',
    ];
    const url = (template: string) =>
      template.replace('{A}', sides.A.vars.taxId).replace('{B}', sides.B.vars.taxId).replace('{Binvoice}', sides.B.vars.invoice);

    for (const who of ['taxpayerB', 'auditorB'] as const) {
      it.each(LISTS)(`${LABEL[who]}: GET %s answers without any of A's ids`, async (template) => {
        const res = await t.http(tokens[who]).get(url(template));
        // A list scoped to B answers 200; asking an export for another taxpayer may be refused with 404.
        if (!(res.status === 200 || (res.status === 404 && template.includes('taxId={A}')))) {
          throw new Error(`GET ${template} as ${LABEL[who]}: ${res.status} ${res.text.slice(0, 300)}`);
        }
        // A 404 may name the taxpayer the caller asked for; nothing else of A may appear.
        const asked = res.status === 404 ? [sides.A.vars.taxId] : [];
        expect(leaked(res.text).filter((s) => !asked.includes(s))).toEqual([]);
      });
    }

    it.each(['/v1/invoices', '/v1/red-confirmations', '/v1/quota/applications', '/v1/taxpayers', '/v1/audit-events', '/v1/exports/invoices?format=csv'])(
      "A's own taxpayer sees its objects in GET %s (so the check above can fail)",
      async (template) => {
        const res = await t.http(tokens.taxpayerA).get(template);
        expect(res.status).toBe(200);
        expect(leaked(res.text).length).toBeGreaterThan(0);
      },
    );

    it("B's lists are not empty: B sees its own objects", async () => {
      const B = sides.B.vars;
      const text = [
        (await t.http(tokens.taxpayerB).get('/v1/invoices')).text,
        (await t.http(tokens.taxpayerB).get('/v1/red-confirmations')).text,
        (await t.http(tokens.taxpayerB).get('/v1/quota/applications')).text,
      ].join('\n');
      for (const id of [B.invoice, B.slip, B.app]) expect(text).toContain(id);
    });
  });
});
