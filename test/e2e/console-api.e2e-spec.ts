import { LAPTOP } from '../support/drivers';
import { backfillCounterparties } from '../../src/database/migrations/1700000000190-Counterparties';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as os from 'node:os';
import * as path from 'node:path';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { SessionEntity } from '../../src/auth/auth.entities';
import { makeTaxId } from '../support/tax-ids';
import { expectProblem } from '../support/problems';
import { ADMIN_TOKEN, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// Issue 12 (the console), the service's side: browser sessions with CSRF, the preview, serving.
const PASSWORD = 'correct horse battery';

const line = (extra: Record<string, unknown> = {}) => ({ ...LAPTOP, ...extra });

describe('console API', () => {
  let t: TestApp;
  let consoleDir: string;
  let seller: { taxId: string; token: string };
  let buyerTaxId: string;
  const agent = () => request(t.app.getHttpServer());

  /** Signs in as the console does; answers the body and the cookie pair to send back. */
  async function consoleSignIn(username: string) {
    const res = await agent().post('/v1/auth/sessions').set('X-Einvoice-Client', 'console').send({ username, password: PASSWORD });
    if (res.status !== 201) throw new Error(`sign-in: ${res.status} ${JSON.stringify(res.body)}`);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = setCookie.find((c) => c.startsWith('einvoice_session='))!;
    return { body: res.body, setCookie: session, cookie: session.split(';')[0] };
  }

  beforeAll(async () => {
    consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-console-'));
    fs.mkdirSync(path.join(consoleDir, 'assets'));
    fs.writeFileSync(
      path.join(consoleDir, 'index.html'),
      '<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/app-1a2b.js"></script></head><body><div id="root"></div></body></html>',
    );
    fs.writeFileSync(path.join(consoleDir, 'assets', 'app-1a2b.js'), 'console.log("app")');
    // The build's compressed copies (scripts/build-web.js), with contents of their own so the test
    // sees which file was sent.
    fs.writeFileSync(path.join(consoleDir, 'assets', 'app-1a2b.js.br'), zlib.brotliCompressSync('console.log("app, brotli")'));
    fs.writeFileSync(path.join(consoleDir, 'assets', 'app-1a2b.js.gz'), zlib.gzipSync('console.log("app, gzip")'));
    t = await startApp({ CONSOLE_DIR: consoleDir });
    await setClock(t, '2026-11-20T09:00:00+08:00');
    seller = await registerTaxpayer(t);
    buyerTaxId = makeTaxId('41');
    await t.http(ADMIN_TOKEN).post('/v1/users').send({ username: 'finance.li', password: PASSWORD, role: 'taxpayer', taxpayerId: seller.taxId }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(consoleDir, { recursive: true, force: true });
  });

  describe('browser sessions (cookie + CSRF)', () => {
    it('signs in with X-Einvoice-Client: console: an httpOnly SameSite=Strict cookie, the CSRF token and the user, no token in the body', async () => {
      const { body, setCookie } = await consoleSignIn('finance.li');
      expect(body).toEqual({
        expiresAt: expect.stringMatching(/\+08:00$/),
        csrfToken: expect.any(String),
        user: { id: expect.any(String), username: 'finance.li', role: 'taxpayer', taxpayerId: seller.taxId },
      });
      expect(JSON.stringify(body)).not.toMatch(/eis_/);
      expect(setCookie).toMatch(/^einvoice_session=eis_/);
      expect(setCookie).toMatch(/; HttpOnly/i);
      expect(setCookie).toMatch(/; SameSite=Strict/i);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/; Secure/i); // plain HTTP here
    });

    it('marks the cookie Secure behind a TLS proxy when TRUST_PROXY trusts it', async () => {
      const plain = await agent()
        .post('/v1/auth/sessions')
        .set('X-Einvoice-Client', 'console')
        .set('X-Forwarded-Proto', 'https')
        .send({ username: 'finance.li', password: PASSWORD })
        .expect(201);
      // Not trusted by default: a client cannot make the service believe it came over TLS.
      expect(String(plain.headers['set-cookie'])).not.toMatch(/; Secure/i);
      t.app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
      try {
        const proxied = await agent()
          .post('/v1/auth/sessions')
          .set('X-Einvoice-Client', 'console')
          .set('X-Forwarded-Proto', 'https')
          .send({ username: 'finance.li', password: PASSWORD })
          .expect(201);
        expect(String(proxied.headers['set-cookie'])).toMatch(/; Secure/i);
      } finally {
        t.app.getHttpAdapter().getInstance().set('trust proxy', false);
      }
    });

    it('without the header, sign-in answers a bearer token as before and sets no cookie', async () => {
      const res = await agent().post('/v1/auth/sessions').send({ username: 'finance.li', password: PASSWORD }).expect(201);
      expect(res.body).toEqual({ token: expect.stringMatching(/^eis_/), expiresAt: expect.any(String) });
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('the cookie authenticates reads; GET /v1/auth/me gives back the CSRF token', async () => {
      const { body, cookie } = await consoleSignIn('finance.li');
      const me = await agent().get('/v1/auth/me').set('Cookie', cookie).expect(200);
      expect(me.body).toMatchObject({ kind: 'session', role: 'taxpayer', taxpayerId: seller.taxId, username: 'finance.li', csrfToken: body.csrfToken });
      await agent().get(`/v1/taxpayers/${seller.taxId}/quota`).set('Cookie', cookie).expect(200);
    });

    it('a cookie alone cannot make an unsafe request: 403 CSRF_FAILED; with X-CSRF-Token it can', async () => {
      const { body, cookie } = await consoleSignIn('finance.li');
      const invoice = { type: 'special', buyer: { taxId: buyerTaxId, name: '买方' }, lines: [line()] };
      const none = await agent().post('/v1/invoices/preview').set('Cookie', cookie).send(invoice);
      expectProblem(none, 403, 'CSRF_FAILED');
      const wrong = await agent()
        .post('/v1/invoices/preview')
        .set('Cookie', cookie)
        .set(
          'X-CSRF-Token',
          body.csrfToken.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')),
        )
        .send(invoice);
      expectProblem(wrong, 403, 'CSRF_FAILED');
      // Another session's CSRF token does not fit this session.
      const other = await consoleSignIn('finance.li');
      expectProblem(
        await agent().post('/v1/invoices/preview').set('Cookie', cookie).set('X-CSRF-Token', other.body.csrfToken).send(invoice),
        403,
        'CSRF_FAILED',
      );
      const issued = await agent()
        .post('/v1/invoices')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', body.csrfToken)
        .set('Idempotency-Key', 'console-csrf-1')
        .send(invoice)
        .expect(201);
      expect(issued.body.number).toMatch(/^\d{20}$/);
    });

    it('bearer tokens are unchanged: no CSRF token needed', async () => {
      const res = await t
        .http(seller.token)
        .post('/v1/invoices/preview')
        .send({ type: 'special', buyer: { taxId: buyerTaxId, name: '买方' }, lines: [line()] });
      expect(res.status).toBe(200);
    });

    it('signs out: DELETE /v1/auth/sessions/current clears the cookie, and the old cookie is 401', async () => {
      const { body, cookie } = await consoleSignIn('finance.li');
      expectProblem(await agent().delete('/v1/auth/sessions/current').set('Cookie', cookie), 403, 'CSRF_FAILED');
      const out = await agent().delete('/v1/auth/sessions/current').set('Cookie', cookie).set('X-CSRF-Token', body.csrfToken).expect(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^einvoice_session=;.*Expires=Thu, 01 Jan 1970/);
      expectProblem(await agent().get('/v1/auth/me').set('Cookie', cookie), 401, 'UNAUTHENTICATED');
    });

    it('an expired session is 401', async () => {
      const short = await startApp({ SESSION_TTL_MINUTES: '1', CACHE_SECONDS: '0' });
      try {
        const { taxId } = await registerTaxpayer(short);
        await short.http(ADMIN_TOKEN).post('/v1/users').send({ username: 'finance.wang', password: PASSWORD, role: 'taxpayer', taxpayerId: taxId }).expect(201);
        const res = await request(short.app.getHttpServer())
          .post('/v1/auth/sessions')
          .set('X-Einvoice-Client', 'console')
          .send({ username: 'finance.wang', password: PASSWORD })
          .expect(201);
        const cookie = String(res.headers['set-cookie']).split(';')[0];
        await request(short.app.getHttpServer()).get('/v1/auth/me').set('Cookie', cookie).expect(200);
        // Session expiry uses real time (README "Time"); move the stored expiry into the past.
        await short.dataSource
          .createQueryBuilder()
          .update(SessionEntity)
          .set({ expiresAt: new Date(Date.now() - 1000) })
          .execute();
        expectProblem(await request(short.app.getHttpServer()).get('/v1/auth/me').set('Cookie', cookie), 401, 'UNAUTHENTICATED');
      } finally {
        await short.close();
      }
    });

    it('ignores a cookie that is not a session token (an API key in the cookie is not a credential)', async () => {
      expectProblem(await agent().get('/v1/auth/me').set('Cookie', `einvoice_session=${seller.token}`), 401, 'UNAUTHENTICATED');
    });
  });

  describe('preview (POST /v1/invoices/preview)', () => {
    it('answers the lines and totals as issuing computes them, and stores nothing', async () => {
      const body = {
        type: 'special',
        buyer: { taxId: buyerTaxId, name: '买方' },
        lines: [
          line(),
          { name: '技术服务费', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount: '1000.00', taxRate: '0.06' },
        ],
      };
      const quotaBefore = (await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota`).expect(200)).body;
      const listBefore = (await t.http(seller.token).get('/v1/invoices').expect(200)).body.items.length;
      const preview = await t.http(seller.token).post('/v1/invoices/preview').send(body).expect(200);
      expect(preview.body).toEqual({
        lines: [
          expect.objectContaining({ lineNo: 1, name: '*计算机*笔记本电脑', amount: '10000.00', taxAmount: '1300.00', taxRate: '0.13' }),
          expect.objectContaining({ lineNo: 2, name: '*信息技术服务*技术服务费', amount: '1000.00', taxAmount: '60.00', taxRate: '0.06' }),
        ],
        totalAmount: '11000.00',
        totalTax: '1360.00',
        totalWithTax: '12360.00',
        totalWithTaxInWords: '壹万贰仟叁佰陆拾圆整',
      });
      expect((await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota`).expect(200)).body).toEqual(quotaBefore);
      expect((await t.http(seller.token).get('/v1/invoices').expect(200)).body.items.length).toBe(listBefore);
      // The same body issued gives the same lines and totals.
      const issued = await t.http(seller.token).post('/v1/invoices').send(body).expect(201);
      for (const key of ['totalAmount', 'totalTax', 'totalWithTax', 'totalWithTaxInWords'] as const) expect(issued.body[key]).toBe(preview.body[key]);
      expect(issued.body.lines).toEqual(preview.body.lines);
    });

    it('splits tax-inclusive amounts as issuing does', async () => {
      const res = await t
        .http(seller.token)
        .post('/v1/invoices/preview')
        .send({ type: 'ordinary', buyer: { name: '张三' }, priceIncludesTax: true, lines: [line({ quantity: '1', unitPrice: '113.00', amount: '113.00' })] })
        .expect(200);
      expect(res.body).toMatchObject({ totalAmount: '100.00', totalTax: '13.00', totalWithTax: '113.00', totalWithTaxInWords: '壹佰壹拾叁圆整' });
    });

    it('refuses bad input exactly as issuing does: 400 with errors per field path, 422 TAX_MISMATCH', async () => {
      const bad = { type: 'special', buyer: { taxId: buyerTaxId, name: '买方' }, lines: [line({ taxRate: '0.14' })] };
      const previewed = await t.http(seller.token).post('/v1/invoices/preview').send(bad);
      const issued = await t.http(seller.token).post('/v1/invoices').send(bad);
      expectProblem(previewed, 400, 'VALIDATION_FAILED', 'lines[0].taxRate');
      expect(previewed.body).toEqual(issued.body);

      const noBuyerId = { type: 'special', buyer: { name: '买方' }, lines: [line()] };
      const p2 = await t.http(seller.token).post('/v1/invoices/preview').send(noBuyerId);
      expectProblem(p2, 400, 'VALIDATION_FAILED', 'buyer.taxId');
      expect(p2.body).toEqual((await t.http(seller.token).post('/v1/invoices').send(noBuyerId)).body);

      const mismatch = { type: 'special', buyer: { taxId: buyerTaxId, name: '买方' }, lines: [line({ taxAmount: '1400.00' })] };
      const p3 = await t.http(seller.token).post('/v1/invoices/preview').send(mismatch);
      expectProblem(p3, 422, 'TAX_MISMATCH', 'lines[0].taxAmount');
      expect(p3.body).toEqual((await t.http(seller.token).post('/v1/invoices').send(mismatch)).body);
    });

    it('is for taxpayers only', async () => {
      expectProblem(
        await t
          .http(ADMIN_TOKEN)
          .post('/v1/invoices/preview')
          .send({ type: 'ordinary', buyer: { name: '张三' }, lines: [line()] }),
        403,
        'FORBIDDEN',
      );
    });
  });

  describe('counterparties and tax classifications', () => {
    it('suggests buyers invoiced and sellers received from, by name or tax id prefix, newest first, with their latest details', async () => {
      const mine = await registerTaxpayer(t);
      const supplier = await registerTaxpayer(t, { name: '吉林供货%有限公司' });
      const ordinary = (buyer: Record<string, unknown>) => ({ type: 'ordinary', buyer, lines: [line()] });
      const buyerA = makeTaxId('41');
      const buyerB = makeTaxId('44');
      await t
        .http(mine.token)
        .post('/v1/invoices')
        .send(ordinary({ taxId: buyerA, name: '河南甲有限公司', address: '旧地址' }))
        .expect(201);
      await t
        .http(mine.token)
        .post('/v1/invoices')
        .send(ordinary({ taxId: buyerB, name: '广东乙有限公司' }))
        .expect(201);
      await setClock(t, '2026-11-20T10:00:00+08:00');
      await t
        .http(mine.token)
        .post('/v1/invoices')
        .send(ordinary({ taxId: buyerA, name: '河南甲有限公司', address: '郑州市新地址1号', phone: '0371-1', bankName: '中国银行', bankAccount: '62001' }))
        .expect(201);
      await t
        .http(mine.token)
        .post('/v1/invoices')
        .send(ordinary({ name: '张三' }))
        .expect(201); // a natural person: no tax id, not suggested
      await setClock(t, '2026-11-20T11:00:00+08:00');
      await t
        .http(supplier.token)
        .post('/v1/invoices')
        .send(ordinary({ taxId: mine.taxId, name: '我方' }))
        .expect(201);
      // Someone else's buyer is never suggested.
      await t
        .http(seller.token)
        .post('/v1/invoices')
        .send(ordinary({ taxId: makeTaxId('45'), name: '河南丙有限公司' }))
        .expect(201);

      const all = (await t.http(mine.token).get('/v1/counterparties').expect(200)).body.items;
      expect(all.map((c: { taxId: string }) => c.taxId)).toEqual([supplier.taxId, buyerA, buyerB]);
      expect(all[1]).toEqual({
        taxId: buyerA,
        name: '河南甲有限公司',
        address: '郑州市新地址1号',
        phone: '0371-1',
        bankName: '中国银行',
        bankAccount: '62001',
      });
      expect(all[0]).toMatchObject({ taxId: supplier.taxId, name: '吉林供货%有限公司', address: expect.any(String) });

      // The migration that created the table fills it from the invoices already issued: run on
      // this history, it rebuilds exactly what issuing kept (issue 17).
      const kept = await t.dataSource.query('SELECT * FROM counterparties ORDER BY taxpayer_id, counterparty_tax_id');
      expect(kept.length).toBeGreaterThanOrEqual(6);
      await t.dataSource.query('DELETE FROM counterparties');
      const runner = t.dataSource.createQueryRunner();
      try {
        await backfillCounterparties(runner);
      } finally {
        await runner.release();
      }
      expect(await t.dataSource.query('SELECT * FROM counterparties ORDER BY taxpayer_id, counterparty_tax_id')).toEqual(kept);

      const byName = (
        await t
          .http(mine.token)
          .get(`/v1/counterparties?q=${encodeURIComponent('河南')}`)
          .expect(200)
      ).body.items;
      expect(byName.map((c: { taxId: string }) => c.taxId)).toEqual([buyerA]);
      const byPrefix = (
        await t
          .http(mine.token)
          .get(`/v1/counterparties?q=${buyerB.slice(0, 6).toLowerCase()}`)
          .expect(200)
      ).body.items;
      expect(byPrefix.map((c: { taxId: string }) => c.taxId)).toContain(buyerB);
      // % is a character, not a wildcard.
      expect(
        (
          await t
            .http(mine.token)
            .get(`/v1/counterparties?q=${encodeURIComponent('供货%')}`)
            .expect(200)
        ).body.items.map((c: { taxId: string }) => c.taxId),
      ).toEqual([supplier.taxId]);
      expect(
        (
          await t
            .http(mine.token)
            .get(`/v1/counterparties?q=${encodeURIComponent('%')}`)
            .expect(200)
        ).body.items,
      ).toHaveLength(1);
      expectProblem(await t.http(ADMIN_TOKEN).get('/v1/counterparties'), 403, 'FORBIDDEN');
    });

    it('answers at most 20', async () => {
      const busy = await registerTaxpayer(t);
      const bodies = Array.from({ length: 22 }, (_, i) => ({ type: 'ordinary', buyer: { taxId: makeTaxId('41'), name: `客户${i}` }, lines: [line()] }));
      await t.http(busy.token).post('/v1/invoices/batch').send({ invoices: bodies }).expect(200);
      expect((await t.http(busy.token).get('/v1/counterparties').expect(200)).body.items).toHaveLength(20);
    });

    it('suggests tax classification codes from the curated table by code prefix or name', async () => {
      const byCode = (await t.http(seller.token).get('/v1/tax-classifications?q=1090511').expect(200)).body.items;
      expect(byCode).toEqual(expect.arrayContaining([{ code: '1090511030000000000', shortName: '计算机', name: expect.any(String) }]));
      const byName = (
        await t
          .http(seller.token)
          .get(`/v1/tax-classifications?q=${encodeURIComponent('信息技术')}`)
          .expect(200)
      ).body.items;
      expect(byName.length).toBeGreaterThan(1);
      for (const item of byName) {
        expect(item.code).toMatch(/^\d{19}$/);
        expect(item.shortName).toBe('信息技术服务');
      }
      const everything = (await t.http(seller.token).get('/v1/tax-classifications').expect(200)).body.items;
      expect(everything.length).toBeLessThanOrEqual(20);
    });
  });

  describe('批量开具 from a spreadsheet', () => {
    const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    };

    it('serves the template: the columns in Chinese with an example row, and a sheet explaining them', async () => {
      const res = await t.http(seller.token).get('/v1/invoices/batch/template.xlsx').buffer(true).parse(binary).expect(200);
      expect(res.headers['content-type']).toBe(XLSX);
      expect(res.headers['content-disposition']).toMatch(/attachment/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(res.body);
      expect(book.worksheets.map((w) => w.name)).toEqual(['批量开具', '填写说明']);
      const headers = (book.worksheets[0].getRow(1).values as unknown[]).slice(1);
      expect(headers).toEqual(
        expect.arrayContaining(['发票流水号', '发票类型', '购买方名称', '购买方纳税人识别号', '项目名称', '税收分类编码', '数量', '单价', '金额', '税率']),
      );
      expect(book.worksheets[0].rowCount).toBe(2);
      expect(book.worksheets[1].rowCount).toBeGreaterThan(headers.length);
      // The template's own example row reads as one valid invoice.
      const parsed = await t.http(seller.token).post('/v1/invoices/batch/xlsx-parse').attach('file', res.body, 'template.xlsx').expect(200);
      expect(parsed.body.rows).toEqual([{ row: 2, invoiceIndex: 0, errors: [] }]);
      expect(parsed.body.invoices).toHaveLength(1);
    });

    it('reads a workbook into one invoice per 发票流水号, reports row errors, and the invoices issue through the batch endpoint', async () => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('发票');
      sheet.addRow([
        '发票流水号',
        '发票类型',
        '购买方名称',
        '购买方纳税人识别号',
        '项目名称',
        '税收分类编码',
        '税收分类简称',
        '数量',
        '单价',
        '金额',
        '税率',
        '含税',
      ]);
      sheet.addRow(['A001', '专票', '河南甲有限公司', buyerTaxId, '笔记本电脑', '1090511030000000000', '计算机', 2, 5000, 10000, '13%', '否']);
      sheet.addRow(['A001', '', '', '', '技术服务费', '3040201990000000000', '信息技术服务', null, null, '1000.5', 0.06, '']);
      sheet.addRow([]);
      sheet.addRow(['A002', '普票', '张三', '', '咨询', '3040603000000000000', '鉴证咨询服务', null, null, '100.00', '14%', '']);
      // A code typed as a number survives when Excel kept its digits (at most 15 significant ones).
      sheet.addRow(['A003', '普票', '李四', '', '咨询', 3040603000000000000, '鉴证咨询服务', null, null, 100, '6%', '']);
      // A code Excel showed (and a person retyped) in scientific notation cannot be trusted.
      sheet.addRow(['A006', '普票', '赵六', '', '咨询', '3.0406E+18', '鉴证咨询服务', null, null, '100.00', '6%', '']);
      sheet.addRow(['A004', '增值税票', '王五', '', '', '3040603000000000000', '鉴证咨询服务', null, null, '100.00', '6%', '']);
      sheet.addRow(['A005', '专票', '河南乙有限公司', buyerTaxId, '笔记本电脑', '1090511030000000000', '计算机', 2, 5000, 10000, '13%', '']);
      sheet.addRow(['A005', '', '', '', '笔记本电脑', '1090511030000000000', '计算机', 1, 5000, 6000, '13%', '']);
      const file = Buffer.from(await book.xlsx.writeBuffer());

      const res = await t.http(seller.token).post('/v1/invoices/batch/xlsx-parse').attach('file', file, 'batch.xlsx').expect(200);
      expect(res.body.invoices).toEqual([
        {
          type: 'special',
          buyer: { name: '河南甲有限公司', taxId: buyerTaxId },
          priceIncludesTax: false,
          lines: [
            {
              name: '笔记本电脑',
              taxClassificationCode: '1090511030000000000',
              categoryShortName: '计算机',
              quantity: '2',
              unitPrice: '5000',
              amount: '10000.00',
              taxRate: '0.13',
            },
            { name: '技术服务费', taxClassificationCode: '3040201990000000000', categoryShortName: '信息技术服务', amount: '1000.50', taxRate: '0.06' },
          ],
        },
        {
          type: 'ordinary',
          buyer: { name: '李四' },
          lines: [{ name: '咨询', taxClassificationCode: '3040603000000000000', categoryShortName: '鉴证咨询服务', amount: '100.00', taxRate: '0.06' }],
        },
      ]);
      const rows = new Map(res.body.rows.map((r: { row: number }) => [r.row, r]));
      expect([...rows.keys()]).toEqual([2, 3, 5, 6, 7, 8, 9, 10]); // the blank row 4 is skipped
      expect(rows.get(2)).toEqual({ row: 2, invoiceIndex: 0, errors: [] });
      expect(rows.get(3)).toEqual({ row: 3, invoiceIndex: 0, errors: [] });
      expect(rows.get(5)).toMatchObject({ invoiceIndex: null, errors: [expect.objectContaining({ field: '税率' })] });
      expect(rows.get(6)).toEqual({ row: 6, invoiceIndex: 1, errors: [] });
      expect(rows.get(7)).toMatchObject({ invoiceIndex: null, errors: [{ field: '税收分类编码', message: expect.stringContaining('文本') }] });
      expect(rows.get(8)).toMatchObject({
        invoiceIndex: null,
        errors: expect.arrayContaining([
          { field: '发票类型', message: expect.any(String) },
          { field: '项目名称', message: '必填' },
        ]),
      });
      // Line 2 of A005: quantity x unit price is not the amount; the whole invoice is held back.
      expect(rows.get(10)).toMatchObject({ invoiceIndex: null, errors: [expect.objectContaining({ field: expect.stringMatching(/金额|数量|单价/) })] });
      expect(rows.get(9)).toMatchObject({ invoiceIndex: null, errors: [{ field: '发票流水号', message: expect.any(String) }] });

      const issued = await t
        .http(seller.token)
        .post('/v1/invoices/batch')
        .set('Idempotency-Key', 'sheet-chunk-1')
        .send({ invoices: res.body.invoices })
        .expect(200);
      expect(issued.body.results).toEqual([{ number: expect.stringMatching(/^\d{20}$/) }, { number: expect.stringMatching(/^\d{20}$/) }]);
    });

    it('refuses a file that is not a workbook (400 naming file), a missing file, and one over 5 MB (413)', async () => {
      expectProblem(
        await t.http(seller.token).post('/v1/invoices/batch/xlsx-parse').attach('file', Buffer.from('a,b,c\n'), 'batch.csv'),
        400,
        'VALIDATION_FAILED',
        'file',
      );
      expectProblem(await t.http(seller.token).post('/v1/invoices/batch/xlsx-parse').field('x', 'y'), 400, 'VALIDATION_FAILED', 'file');
      expectProblem(
        await t
          .http(seller.token)
          .post('/v1/invoices/batch/xlsx-parse')
          .attach('file', Buffer.alloc(5 * 1024 * 1024 + 1), 'big.xlsx'),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectProblem(await t.http(ADMIN_TOKEN).post('/v1/invoices/batch/xlsx-parse').attach('file', Buffer.from('x'), 'a.xlsx'), 403, 'FORBIDDEN');
    });
  });

  describe('for the console pages (NEEDS.md)', () => {
    it('filters invoice lists by counterparty: tax id prefix or part of the name', async () => {
      const mine = await registerTaxpayer(t);
      const a = makeTaxId('41');
      const b = makeTaxId('44');
      const issue = (taxId: string, name: string) =>
        t
          .http(mine.token)
          .post('/v1/invoices')
          .send({ type: 'ordinary', buyer: { taxId, name }, lines: [line()] })
          .expect(201);
      const first = (await issue(a, '河南甲_有限公司')).body.number;
      const second = (await issue(b, '广东乙有限公司')).body.number;
      const numbers = async (q: string) =>
        (
          await t
            .http(mine.token)
            .get(`/v1/invoices?counterparty=${encodeURIComponent(q)}`)
            .expect(200)
        ).body.items.map((i: { number: string }) => i.number);
      expect(await numbers('河南')).toEqual([first]);
      expect(await numbers(b.slice(0, 8).toLowerCase())).toContain(second);
      expect(await numbers(b.slice(0, 8))).not.toContain(first);
      expect(await numbers('_')).toEqual([first]); // _ is a character, not a wildcard
      expect(await numbers('无此公司')).toEqual([]);
      // Received invoices filter on the seller.
      const received = await t
        .http(ADMIN_TOKEN)
        .get(`/v1/invoices?direction=received&taxId=${a}&counterparty=${mine.taxId.slice(0, 10)}`)
        .expect(200);
      expect(received.body.items.map((i: { number: string }) => i.number)).toEqual([first]);
    });

    it('lists users and API keys for the admin, newest first and paged, without secrets', async () => {
      const users = await t.http(ADMIN_TOKEN).get('/v1/users?limit=1').expect(200);
      expect(users.body.items).toHaveLength(1);
      expect(users.body.nextCursor).toEqual(expect.any(String));
      const all = (await t.http(ADMIN_TOKEN).get('/v1/users').expect(200)).body.items;
      expect(all.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['admin', 'finance.li']));
      expect(all.find((u: { username: string }) => u.username === 'finance.li')).toEqual({
        id: expect.any(String),
        username: 'finance.li',
        role: 'taxpayer',
        taxpayerId: seller.taxId,
        createdAt: expect.any(String),
        hasPassword: true,
        lockedUntil: null,
      });
      const next = await t.http(ADMIN_TOKEN).get(`/v1/users?limit=1&cursor=${users.body.nextCursor}`).expect(200);
      expect(next.body.items[0].id).not.toBe(users.body.items[0].id);
      expect(JSON.stringify(all)).not.toMatch(/\$2[aby]\$/);

      const created = await t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'ERP 生产', role: 'auditor' }).expect(201);
      await t.http(ADMIN_TOKEN).delete(`/v1/api-keys/${created.body.id}`).expect(204);
      const keys = (await t.http(ADMIN_TOKEN).get('/v1/api-keys').expect(200)).body.items;
      expect(keys[0]).toEqual({
        id: created.body.id,
        name: 'ERP 生产',
        role: 'auditor',
        taxpayerId: null,
        createdBy: expect.any(String),
        createdAt: expect.any(String),
        revokedAt: expect.any(String),
      });
      expect(JSON.stringify(keys)).not.toContain(created.body.token);
      expectProblem(await t.http(seller.token).get('/v1/users'), 403, 'FORBIDDEN');
      expectProblem(await t.http(seller.token).get('/v1/api-keys'), 403, 'FORBIDDEN');
    });
  });

  describe('serving the console', () => {
    it('serves index.html at / and for console routes, with the security headers', async () => {
      for (const url of ['/', '/invoices/new', '/red-confirmations?direction=awaiting']) {
        const res = await agent().get(url).set('Accept', 'text/html').expect(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('<div id="root">');
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
        expect(csp).toContain("frame-ancestors 'none'");
        // The invoice page shows the real PDF from a blob: URL in an <iframe> (fetched with the
        // session): frames may load this origin and blob: only; plugins (<object>/<embed>) none.
        const directives = Object.fromEntries(
          csp
            .split(';')
            .map((d) => d.trim().split(/\s+/))
            .map(([name, ...values]) => [name, values.join(' ')]),
        );
        expect(directives['frame-src']).toBe("'self' blob:");
        expect(directives['object-src']).toBe("'none'");
        expect(directives['default-src']).toBe("'self'");
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-cache');
      }
    });

    it('serves hashed assets with a long cache; a missing asset is 404, not index.html', async () => {
      const asset = await agent().get('/assets/app-1a2b.js').expect(200);
      expect(asset.text).toContain('console.log');
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(asset.headers['x-content-type-options']).toBe('nosniff');
      await agent().get('/assets/missing-0000.js').expect(404);
    });

    it("sends the build's brotli or gzip copy of an asset to a browser that accepts it, and the plain file to one that does not", async () => {
      const raw = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
        const stream = res as unknown as NodeJS.ReadableStream;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => done(null, Buffer.concat(chunks)));
      };
      const get = (encoding: string) => agent().get('/assets/app-1a2b.js').set('Accept-Encoding', encoding).buffer(true).parse(raw).expect(200);
      // superagent may already have decoded the body it was sent; either way the text names the copy.
      const text = (body: Buffer, decode: (b: Buffer) => Buffer) => {
        try {
          return decode(body).toString();
        } catch {
          return body.toString();
        }
      };
      const br = await get('gzip, deflate, br');
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(br.headers['content-type']).toMatch(/javascript/);
      expect(br.headers['cache-control']).toContain('immutable');
      expect(text(br.body, zlib.brotliDecompressSync)).toBe('console.log("app, brotli")');
      const gz = await get('gzip');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(text(gz.body, zlib.gunzipSync)).toBe('console.log("app, gzip")');
      const plain = await get('identity');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toBe('console.log("app")');
    });

    it('leaves /v1, /docs, /docs-json and /health to the service', async () => {
      expectProblem(await agent().get('/v1/no-such-route').set('Accept', 'text/html'), 404, 'NOT_FOUND');
      expect((await agent().get('/health').expect(200)).headers['content-type']).toMatch(/json/);
      expect((await agent().get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
      const docs = await agent().get('/docs').redirects(1).expect(200);
      expect(docs.text).toContain('swagger');
      expect(docs.headers['content-security-policy']).toBeUndefined();
    });

    it('says how to build the console when it is not built', async () => {
      const bare = await startApp({ CONSOLE_DIR: path.join(consoleDir, 'nothing-here') });
      try {
        const res = await request(bare.app.getHttpServer()).get('/').expect(404);
        expectProblem(res, 404, 'NOT_FOUND');
        expect(res.body.detail).toContain('npm run build:web');
      } finally {
        await bare.close();
      }
    });
  });
});
