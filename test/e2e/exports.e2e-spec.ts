import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { unzipSync } from 'fflate';
import { batchAt } from '../../src/common/keyset';
import { EXPORT_BATCH } from '../../src/exports/exports.service';
import { InvoiceEntity, InvoiceLineEntity } from '../../src/invoices/invoice.entities';
import { expectProblem } from '../support/problems';
import { invoiceLineRow } from '../support/rows';
import { bootApp, buyer, issueOk, rawBody, seller } from '../support/drivers';
import { apiKey, registerTaxpayer, setClock, TestApp } from '../support/test-app';

// API.md "Audit and export"; issue 6: streamed from keyset pages, csv with BOM, jsonl, zip with a
// manifest of SHA-256 digests, resumable, scoped.
const line = (name: string, amount: string) => ({ name, taxClassificationCode: '1090511030000000000', categoryShortName: '计算机', amount, taxRate: '0.13' });

describe('exports', () => {
  let t: TestApp;
  let a: { taxId: string; token: string };
  let b: { taxId: string; token: string };
  const numbers: string[] = [];

  beforeAll(async () => {
    t = await bootApp({}, '2023-07-01T09:00:00+08:00');
    a = await registerTaxpayer(t);
    b = await registerTaxpayer(t, {}, '41');
    const bodies = [
      { type: 'special', buyer: { taxId: b.taxId, name: 'B公司' }, lines: [line('笔记本电脑', '100.00'), line('=HYPERLINK("http://x")', '50.00')] },
      { type: 'ordinary', buyer: { name: '=1+2 个人, "引号"' }, lines: [line('显示器', '200.00')] },
      { type: 'special', buyer: { taxId: b.taxId, name: 'B公司' }, lines: [line('键盘', '300.00')] },
    ];
    for (const [i, body] of bodies.entries()) {
      await setClock(t, `2023-07-${String(10 + i).padStart(2, '0')}T09:00:00+08:00`);
      numbers.push((await t.http(a.token).post('/v1/invoices').send(body).expect(201)).body.number);
    }
  });
  afterAll(() => t.close());

  const get = (token: string, query: string) =>
    t
      .http(token)
      .get(`/v1/exports/invoices?${query}`)
      .buffer(true)
      .parse(rawBody as never);
  const csvRows = (body: Buffer) =>
    body
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');

  it('csv: UTF-8 with BOM, one record per invoice line, oldest first, formula-like text neutralised', async () => {
    const res = await get(a.token, 'format=csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect([...(res.body as Buffer).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = csvRows(res.body);
    expect(rows[0].split(',').slice(0, 3)).toEqual(['number', 'type', 'medium']);
    expect(rows).toHaveLength(1 + 4);
    expect(rows.slice(1).map((r) => r.slice(0, 20))).toEqual([numbers[0], numbers[0], numbers[1], numbers[2]]);
    expect(rows[2]).toContain('"*计算机*=HYPERLINK(""http://x"")"');
    expect(rows[3]).toContain(`"'=1+2 个人, ""引号"""`);
  });

  it('jsonl: the same records as JSON lines', async () => {
    const res = await get(a.token, 'format=jsonl').expect(200);
    const records = (res.body as Buffer)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({
      number: numbers[0],
      lineNo: 1,
      itemName: '*计算机*笔记本电脑',
      amount: '100.00',
      taxAmount: '13.00',
      totalWithTax: '169.50',
      sellerTaxId: a.taxId,
    });
    expect(records[1].itemName).toBe('*计算机*=HYPERLINK("http://x")');
  });

  it('filters by direction, period, type; the buyer exports what it received', async () => {
    expect(csvRows((await get(b.token, 'format=csv&direction=received').expect(200)).body)).toHaveLength(1 + 3);
    expect(csvRows((await get(b.token, 'format=csv&direction=issued').expect(200)).body)).toHaveLength(1);
    expect(csvRows((await get(a.token, 'format=csv&from=2023-07-11&to=2023-07-11').expect(200)).body)).toHaveLength(2);
    expect(csvRows((await get(a.token, 'format=csv&type=ordinary').expect(200)).body)).toHaveLength(2);
  });

  it('GET /v1/invoices?direction=both merges issued and received, newest first, paged (issue 17)', async () => {
    // Its own seller and buyer (the buyer issues one here, which b must not), on the same days as above.
    const [s, r] = [await seller(t), await buyer(t)];
    const received: string[] = [];
    for (const day of ['10', '12']) {
      await setClock(t, `2023-07-${day}T09:00:00+08:00`);
      received.push((await issueOk(t, s, { type: 'special', buyer: { taxId: r.taxId, name: 'B公司' }, lines: [line('键盘', '300.00')] })).number);
    }
    const mine = (await issueOk(t, r, { type: 'ordinary', buyer: { name: '个人' }, lines: [line('纸', '1.00')] })).number;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { number: string }[]; nextCursor: string | null } } = await t
        .http(r.token)
        .get(`/v1/invoices?direction=both&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...page.body.items.map((i) => i.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([mine, received[1], received[0]]);
  });

  it("is scoped: another taxpayer's export is 404; auditors and officers export", async () => {
    await t.http(a.token).get(`/v1/exports/invoices?taxId=${b.taxId}`).expect(404);
    await t
      .http(await apiKey(t, 'auditor', b.taxId))
      .get(`/v1/exports/invoices?taxId=${a.taxId}`)
      .expect(404);
    const auditor = await apiKey(t, 'auditor', a.taxId);
    expect(csvRows((await get(auditor, 'format=csv').expect(200)).body)).toHaveLength(5);
    const officer = await apiKey(t, 'tax_officer');
    expect(csvRows((await get(officer, `format=csv&taxId=${a.taxId}&direction=issued`).expect(200)).body)).toHaveLength(5);
    const bad = await t.http(a.token).get('/v1/exports/invoices?format=xls').expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('resumes after an invoice, by its exportCursor or by its number', async () => {
    const records = (await get(a.token, 'format=jsonl').expect(200)).body
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    const cursor = records.find((r: { number: string }) => r.number === numbers[1]).exportCursor;
    const byCursor = (await get(a.token, `format=jsonl&cursor=${cursor}`).expect(200)).body
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    expect(byCursor.map((r: { number: string }) => r.number)).toEqual([numbers[2]]);
    const byNumber = (await get(a.token, `format=jsonl&after=${numbers[0]}`).expect(200)).body
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    expect(byNumber.map((r: { number: string }) => r.number)).toEqual([numbers[1], numbers[2]]);
    await t.http(a.token).get('/v1/exports/invoices?cursor=nonsense').expect(400);
  });

  it("after=: another taxpayer's invoice answers exactly like a missing number (issue 11 item 8: no existence oracle)", async () => {
    const c = await registerTaxpayer(t, {}, '44');
    const theirs = (
      await t
        .http(c.token)
        .post('/v1/invoices')
        .send({ type: 'ordinary', buyer: { name: '个人' }, lines: [line('鼠标', '10.00')] })
        .expect(201)
    ).body.number;
    const missing = '99999999999999999999';
    const other = await t.http(a.token).get(`/v1/exports/invoices?format=jsonl&after=${theirs}`);
    const none = await t.http(a.token).get(`/v1/exports/invoices?format=jsonl&after=${missing}`);
    expectProblem(other, 400, 'VALIDATION_FAILED', 'after');
    expectProblem(none, 400, 'VALIDATION_FAILED', 'after');
    const strip = (body: object) => JSON.parse(JSON.stringify(body).replaceAll(theirs, 'N').replaceAll(missing, 'N'));
    expect(strip(other.body)).toEqual(strip(none.body));
    // The buyer's own received invoice is in its `both` export but not in its `issued` one.
    await get(b.token, `format=jsonl&after=${numbers[0]}`).expect(200);
    expectProblem(await t.http(b.token).get(`/v1/exports/invoices?format=jsonl&direction=issued&after=${numbers[0]}`), 400, 'VALIDATION_FAILED', 'after');
  });

  it('validates every query parameter with 400 naming it; Content-Disposition only from validated values (issue 11 item 9)', async () => {
    const officer = await apiKey(t, 'tax_officer');
    const bad: [string, string][] = [
      ['taxId=12345678901234567%0D', 'taxId'],
      ['taxId=%22%3Bfilename%3Devi.bat', 'taxId'],
      [`taxId=${a.taxId.slice(0, 17)}${a.taxId[17] === '0' ? '1' : '0'}`, 'taxId'],
      ['taxId=91220100MA0000000I', 'taxId'],
      ['from=2023-13-45', 'from'],
      ['to=yesterday', 'to'],
      ['direction=sideways', 'direction'],
      ['color=green', 'color'],
      ['type=vip', 'type'],
      ['status=lost', 'status'],
      ['format=xls', 'format'],
      ['cursor=%22%0D%0A', 'cursor'],
      ['cursor=WzEsMl0', 'cursor'],
      ['after=123', 'after'],
      ['bogus=1', 'bogus'],
    ];
    for (const [query, field] of bad) expectProblem(await t.http(officer).get(`/v1/exports/invoices?${query}`), 400, 'VALIDATION_FAILED', field);
    const ok = await get(officer, `format=csv&taxId=${a.taxId}`).expect(200);
    expect(ok.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="invoices-${a.taxId}-\\d{8}T\\d{6}\\.csv"$`));
  });

  it('zip: a folder per invoice with XML, PDF and OFD, and a manifest of SHA-256 digests', async () => {
    const res = await get(a.token, 'format=zip').expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(res.body as Buffer));
    for (const n of numbers) for (const ext of ['xml', 'pdf', 'ofd']) expect(files[`${n}/${n}.${ext}`]).toBeDefined();
    const manifest = Buffer.from(files['manifest.csv']).toString('utf8').trim().split('\r\n');
    expect(manifest[0]).toBe('path,sha256,bytes,exportCursor');
    expect(manifest).toHaveLength(1 + numbers.length * 3);
    for (const row of manifest.slice(1)) {
      const [path, sha, bytes] = row.split(',');
      expect(createHash('sha256').update(files[path]).digest('hex')).toBe(sha);
      expect(files[path].length).toBe(Number(bytes));
    }
  });
});

describe('exports stream: memory stays flat', () => {
  let t: TestApp;
  let seller: { taxId: string; token: string };
  let other: { taxId: string; token: string };
  const TOTAL = 2000;
  /** Every invoice's key in the export order (issued_at, number): the seller issues two in three, `other` sells it the third. */
  const keys: { number: string; at: number; issued: boolean }[] = [];

  beforeAll(async () => {
    t = await bootApp();
    seller = await registerTaxpayer(t);
    other = await registerTaxpayer(t, {}, '41');
    // Many invoices, written straight to the tables (issuing them one by one is not what is tested).
    // Three share each instant, so ties on issued_at straddle the batch boundaries.
    const base = Date.parse('2023-07-01T00:00:00Z');
    const invoices: InvoiceEntity[] = [];
    const lines: InvoiceLineEntity[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const number = `2322200${String(i + 1).padStart(13, '0')}`;
      const issued = i % 3 !== 1;
      keys.push({ number, at: base + Math.floor(i / 3) * 1000, issued });
      invoices.push({
        number,
        type: 'ordinary',
        medium: 'electronic',
        color: 'blue',
        status: 'issued',
        issuedAt: new Date(base + Math.floor(i / 3) * 1000),
        period: '2023-07',
        sellerTaxId: issued ? seller.taxId : other.taxId,
        sellerName: '卖方',
        sellerAddress: '',
        sellerPhone: '',
        sellerBankName: '',
        sellerBankAccount: '',
        buyerTaxId: issued ? null : seller.taxId,
        buyerName: issued ? '个人' : '买方',
        buyerAddress: '',
        buyerPhone: '',
        buyerBankName: '',
        buyerBankAccount: '',
        buyerEmail: null,
        priceIncludesTax: false,
        totalAmount: 10000n,
        totalTax: 1300n,
        totalWithTax: 11300n,
        remarks: '',
        drawer: '',
        specificBusinessType: null,
        specificBusiness: null,
        usage: null,
        usageConfirmedAt: null,
        accountingEntry: 'not_entered',
        voidedAt: null,
        issuedBy: 'test',
        blueNumber: null,
        redConfirmationId: null,
        differentialTaxation: null,
        deduction: null,
      });
      lines.push(invoiceLineRow(number, 1));
    }
    for (let i = 0; i < TOTAL; i += 400) {
      await t.dataSource.manager.insert(InvoiceEntity, invoices.slice(i, i + 400));
      await t.dataSource.manager.insert(InvoiceLineEntity, lines.slice(i, i + 400));
    }
    await t.app.listen(0, '127.0.0.1');
  }, 120_000);
  afterAll(() => t.close());

  it('sends records before it reads the next page: nothing is built in memory first', async () => {
    const runner = t.dataSource.createQueryRunner();
    const proto = Object.getPrototypeOf(runner);
    await runner.release();
    const original = proto.query;
    let pages = 0;
    let firstData!: () => void;
    const received = new Promise<void>((resolve) => (firstData = resolve));
    let pagesBeforeFirstData = -1;
    // The second page is read only once the client has received data: an export that buffered
    // its output would never send anything before that, and would hang here.
    const spy = jest.spyOn(proto, 'query').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      if (/FROM\s+["`]invoice_lines["`]/i.test(String(args[0])) && ++pages === 2) await received;
      return original.apply(this, args);
    });
    try {
      const port = (t.app.getHttpServer().address() as AddressInfo).port;
      const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path: '/v1/exports/invoices?format=jsonl', headers: { authorization: `Bearer ${seller.token}` } }, resolve)
          .on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      let records = 0;
      let rest = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (pagesBeforeFirstData < 0) {
          pagesBeforeFirstData = pages;
          firstData();
        }
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        records += parts.length;
      });
      await new Promise((r) => response.on('end', r));
      expect(pagesBeforeFirstData).toBeLessThanOrEqual(2);
      expect(records).toBe(TOTAL);
      // A page's worth first (the first byte costs a page, issue 17), then growing batches.
      let expectedPages = 0;
      for (let read = 0; read < TOTAL; expectedPages++) read += batchAt(EXPORT_BATCH, expectedPages);
      expect(pages).toBe(expectedPages);
    } finally {
      spy.mockRestore();
    }
  });

  it('is complete and in order across the growing batches: no invoice lost or repeated at a boundary, each direction, resumed mid-way', async () => {
    const jsonl = async (query: string): Promise<{ number: string; exportCursor: string }[]> =>
      (
        await t
          .http(seller.token)
          .get(`/v1/exports/invoices?format=jsonl&${query}`)
          .buffer(true)
          .parse(rawBody as never)
          .expect(200)
      ).body
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l: string) => JSON.parse(l));
    const sorted = [...keys].sort((x, y) => x.at - y.at || (x.number < y.number ? -1 : 1));
    for (const [direction, expected] of [
      ['both', sorted],
      ['issued', sorted.filter((k) => k.issued)],
      ['received', sorted.filter((k) => !k.issued)],
    ] as const) {
      const got = (await jsonl(`direction=${direction}`)).map((r) => r.number);
      // Batches of several sizes were read from each range.
      expect(expected.length).toBeGreaterThan(batchAt(EXPORT_BATCH, 0) + batchAt(EXPORT_BATCH, 1) + batchAt(EXPORT_BATCH, 2));
      expect({ direction, got }).toEqual({ direction, got: expected.map((k) => k.number) });
    }
    // Resumed from a record inside the first batch: the rest again from a small batch, nothing repeated.
    const all = await jsonl('direction=both');
    const resumed = (await jsonl(`direction=both&cursor=${all[36].exportCursor}`)).map((r) => r.number);
    expect(resumed).toEqual(all.slice(37).map((r) => r.number));
  }, 60_000);
});
