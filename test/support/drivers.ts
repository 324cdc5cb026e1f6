import type { Response } from 'supertest';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp } from './test-app';

// Shared drivers of the e2e specs: one app per spec file, taxpayers registered by the test (or
// the describe) that uses them, the canonical invoice bodies, and the requests every spec makes.
// A spec that uses these has no state of its own between tests beyond what a describe sets up.

export type Json = Record<string, any>;
/** A registered taxpayer: its tax id, a taxpayer-role API key, and the registration's answer. */
export type Party = { taxId: string; token: string; body: Json };

/** The business time most specs stand on (the API.md examples' month). */
export const T0 = '2023-07-20T09:00:00+08:00';

/** The body of a response with the expected status; otherwise fails printing what came back. */
export function expectStatus(res: Response, status: number): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Starts the app on a scratch database with its manual clock at `now` (default T0). */
export async function bootApp(env: Record<string, string> = {}, now = T0): Promise<TestApp> {
  const t = await startApp(env);
  await setClock(t, now);
  return t;
}

/** A seller (Jilin, 22 by default) or any taxpayer, registered by the admin, with its API key. */
export const seller = (t: TestApp, extra: Json = {}, province = '22') => registerTaxpayer(t, extra, province) as Promise<Party>;
/** A buyer taxpayer (Henan, 41 by default). */
export const buyer = (t: TestApp, extra: Json = {}, province = '41') => registerTaxpayer(t, extra, province) as Promise<Party>;
/** A seller and a buyer, each new. */
export const parties = async (t: TestApp): Promise<[Party, Party]> => [await seller(t), await buyer(t)];

/** An API key of a tax officer (sees every taxpayer). */
export const officerKey = (t: TestApp) => apiKey(t, 'tax_officer');

/** A console user (admin-created), e.g. a taxpayer's finance clerk; answers the created user. */
export async function financeUser(t: TestApp, user: { username: string; password: string; role?: string; taxpayerId?: string }): Promise<Json> {
  const res = await t
    .http(ADMIN_TOKEN)
    .post('/v1/users')
    .send({ role: 'taxpayer', ...user });
  return expectStatus(res, 201);
}

/** Line 1 of the canonical invoice: 2 x 5000.00 at 13% (tax 1300.00). */
export const LAPTOP: Json = Object.freeze({
  name: '笔记本电脑',
  taxClassificationCode: '1090511030000000000',
  categoryShortName: '计算机',
  spec: 'X1',
  unit: '台',
  quantity: '2',
  unitPrice: '5000.00',
  amount: '10000.00',
  taxRate: '0.13',
});
/** Line 2: an amount-only line of 300.00 at 6% (tax 18.00). */
export const INSTALL: Json = Object.freeze({
  name: '安装服务',
  taxClassificationCode: '3040201990000000000',
  categoryShortName: '信息技术服务',
  amount: '300.00',
  taxRate: '0.06',
});
/** A 数电普票 to a natural person (个人消费者, no tax id): one amount-only consulting line at 6 %. */
export const consumerInvoice = (amount: string, extra: Json = {}): Json => ({
  type: 'ordinary',
  buyer: { name: '个人消费者' },
  lines: [{ name: '咨询服务', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount, taxRate: '0.06' }],
  ...extra,
});

/** The key id a signed XML data file names in its <KeyInfo>. */
export const keyInfoOf = (xml: Buffer) => /<KeyInfo>([^<]*)<\/KeyInfo>/.exec(xml.toString('utf8'))![1];

/** An amount-only line of office goods at 13%. */
export const goodsLine = (amount: string, extra: Json = {}): Json => ({
  name: '办公用品',
  taxClassificationCode: '1060512990000000000',
  categoryShortName: '纸制品',
  amount,
  taxRate: '0.13',
  ...extra,
});

/**
 * The API.md example body: one LAPTOP line to 河南某某有限公司 with its address block and e-mail.
 * Its buyer tax id 91410100MA0000000Y has a wrong check character (GB 32100-2015 gives T), so the
 * buyer's tax id is always passed in (undefined leaves it out).
 */
export const apiExampleBody = (buyerTaxId: string | undefined, extra: Json = {}): Json => ({
  type: 'special',
  medium: 'electronic',
  buyer: {
    ...(buyerTaxId === undefined ? {} : { taxId: buyerTaxId }),
    name: '河南某某有限公司',
    address: '郑州市金水区花园路1号',
    phone: '0371-66666666',
    bankName: '中国银行郑州分行',
    bankAccount: '6200000000000000001',
    email: 'ap@example.com',
  },
  priceIncludesTax: false,
  lines: [{ ...LAPTOP }],
  remarks: '',
  drawer: '张三',
  specificBusiness: null,
  ...extra,
});

/** The buyer block of an invoice: the party's tax id and registered name. */
export const buyerOf = (b: Party): Json => ({ taxId: b.taxId, name: b.body.name });

/** The canonical 数电专票 of two lines (LAPTOP, INSTALL): 10300.00 + 1318.00 = 11618.00, to the
 * buyer with its full address block; `overrides` replace top-level members. */
export const invoiceBody = (b: Party, overrides: Json = {}): Json => ({
  type: 'special',
  medium: 'electronic',
  buyer: {
    ...buyerOf(b),
    address: '郑州市金水区花园路1号',
    phone: '0371-66666666',
    bankName: '中国银行郑州分行',
    bankAccount: '6200000000000000001',
  },
  priceIncludesTax: false,
  lines: [LAPTOP, INSTALL],
  remarks: '',
  drawer: '张三',
  ...overrides,
});

/** POST /v1/invoices as `p` (the raw answer), optionally under an Idempotency-Key. */
export function issue(t: TestApp, p: Party | string, body: Json, key?: string) {
  const req = t.http(typeof p === 'string' ? p : p.token).post('/v1/invoices');
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send(body);
}
/** Issues `body` as `p` and answers the 201 body. */
export const issueOk = async (t: TestApp, p: Party | string, body: Json): Promise<Json> => expectStatus(await issue(t, p, body), 201);
/** Issues the canonical invoice from `s` to `b` (with `overrides`) and answers the 201 body. */
export const issueInvoice = (t: TestApp, s: Party, b: Party, overrides: Json = {}) => issueOk(t, s, invoiceBody(b, overrides));
/** POST /v1/webhooks as `token` (`body`: url, events, and taxId for an admin); answers the 201 body. */
export const registerWebhook = async (t: TestApp, token: string, body: Json): Promise<Json> =>
  expectStatus(await t.http(token).post('/v1/webhooks').send(body), 201);
/** GET /v1/invoices/{number}, 200. */
export const getInvoice = async (t: TestApp, token: string, number: string): Promise<Json> =>
  expectStatus(await t.http(token).get(`/v1/invoices/${number}`), 200);

/** POST /v1/red-confirmations as `p` (the raw answer). */
export const fileSlip = (t: TestApp, p: Party, body: Json) => t.http(p.token).post('/v1/red-confirmations').send(body);
/** POST /v1/red-confirmations/{id}/{action} (confirm, reject, revoke) with the token (the raw answer). */
export const slipAction = (t: TestApp, token: string, id: string, action: string) => t.http(token).post(`/v1/red-confirmations/${id}/${action}`).send({});
/** POST /v1/red-confirmations/{id}/red-invoice with the token (the raw answer). */
export const redInvoice = (t: TestApp, token: string, id: string) => t.http(token).post(`/v1/red-confirmations/${id}/red-invoice`).send({});
/** POST /v1/invoices/{number}/usage-confirmation (the raw answer). */
export const confirmUsage = (t: TestApp, token: string, number: string, purpose: string) =>
  t.http(token).post(`/v1/invoices/${number}/usage-confirmation`).send({ purpose });
/** POST /v1/invoices/{number}/accounting-entry (the raw answer). */
export const enterAccounting = (t: TestApp, token: string, number: string, entered = true) =>
  t.http(token).post(`/v1/invoices/${number}/accounting-entry`).send({ entered });

/** A supertest parser that keeps the raw bytes of a response (PDF, OFD, XML, ZIP, CSV). */
export const rawBody = (res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
/** GET `url` with the token, its body as bytes (any status; check it with `.status`). */
export const getBytes = (t: TestApp, token: string, url: string) =>
  t
    .http(token)
    .get(url)
    .buffer(true)
    .parse(rawBody as never);
/** A supertest parser that keeps the body as UTF-8 text (XML, CSV, jsonl). */
export const textBody = (res: NodeJS.ReadableStream, cb: (err: Error | null, body: string) => void) => {
  let text = '';
  res.on('data', (c: Buffer) => (text += c.toString('utf8')));
  res.on('end', () => cb(null, text));
};
/** GET `url` with the token, its body as text (any status; check it with `.status`). */
export const getText = (t: TestApp, token: string, url: string) =>
  t
    .http(token)
    .get(url)
    .buffer(true)
    .parse(textBody as never);

/** `n` lines alternating the canonical LAPTOP and INSTALL; `numbered` appends its index to each name. */
export const canonicalLines = (n: number, numbered = false): Json[] =>
  Array.from({ length: n }, (_, i) => {
    const line = i % 2 === 0 ? LAPTOP : INSTALL;
    return numbered ? { ...line, name: `${line.name}${i}` } : { ...line };
  });
