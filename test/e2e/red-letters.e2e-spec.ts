import { In } from 'typeorm';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import * as d from '../support/drivers';
import { expectStatus, INSTALL, invoiceBody, Json, Party, T0 } from '../support/drivers';
import { ADMIN_TOKEN, apiKey, setClock, startApp, TestApp } from '../support/test-app';
import { expectProblem } from '../support/problems';

// Buyer-side status of a received invoice (SPEC 5), red-letter confirmation slips and red
// invoices (SPEC 6), the quota they give back (SPEC 4) and public verification, over HTTP.
// API.md "Invoices" (usage confirmation, accounting entry, verification) and "Red-letter
// confirmation slips". The app runs on a manual clock shared by the whole file: every describe
// states the business time it stands on with setClock, and uses its own taxpayers.

const HOUR = 3600 * 1000;
const MONEY = /^-?\d+\.\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CST = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;
const SLIP_FIELDS = [
  'id',
  'number',
  'status',
  'initiator',
  'blueInvoiceNumber',
  'reason',
  'totalAmount',
  'totalTax',
  'inputTaxTransferOut',
  'lines',
  'createdAt',
  'expiresAt',
];

/** The canonical 数电专票 (LAPTOP 2 x 5000.00 at 13%, INSTALL 300.00 at 6%): 10300.00 + 1318.00 = 11618.00. */
const blueBody = (buyer: Party): Json => invoiceBody(buyer);

/** An instant as the API prints it (+08:00, no fractions). */
const cst = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');
const money = (fen: number) => (fen < 0 ? '-' : '') + (Math.abs(fen) / 100).toFixed(2);
const fenOf = (s: string) => Math.round(Number(s) * 100);

describe('red letters', () => {
  let t: TestApp;
  let officer: string;

  beforeAll(async () => {
    t = await d.bootApp();
    officer = await d.officerKey(t);
  });
  afterAll(() => t.close());

  // ---------------------------------------------------------------- helpers

  const seller = (extra: Json = {}) => d.seller(t, extra);
  const buyer = (extra: Json = {}) => d.buyer(t, extra);
  const issueBlue = (s: Party, b: Party) => d.issueOk(t, s, blueBody(b));
  const getInvoice = (token: string, number: string) => d.getInvoice(t, token, number);
  const confirmUsage = (token: string, number: string, purpose: string) => d.confirmUsage(t, token, number, purpose);
  const enterAccounting = (token: string, number: string, entered = true) => d.enterAccounting(t, token, number, entered);

  const file = (p: Party, body: Json) => d.fileSlip(t, p, body);
  const fileOk = async (p: Party, body: Json) => expectStatus(await file(p, body), 201);
  const act = (token: string, id: string, action: 'confirm' | 'reject' | 'revoke') => d.slipAction(t, token, id, action);
  const actOk = async (token: string, id: string, action: 'confirm' | 'reject' | 'revoke') => expectStatus(await act(token, id, action), 200);
  const getSlip = async (token: string, id: string) => expectStatus(await t.http(token).get(`/v1/red-confirmations/${id}`), 200);
  const redInvoice = (token: string, id: string) => d.redInvoice(t, token, id);
  const listSlips = async (token: string, query = '') => {
    const body = expectStatus(await t.http(token).get(`/v1/red-confirmations${query ? `?${query}` : ''}`), 200);
    expect(body.nextCursor).toBeNull();
    return body.items as Json[];
  };
  const idsOf = (items: Json[]) => items.map((s) => s.id as string).sort();

  /** Slip bodies: omit lines for a full red. */
  const fullRed = (blue: Json, reason = '01', extra: Json = {}): Json => ({ blueInvoiceNumber: blue.number, reason, ...extra });
  const partRed = (blue: Json, reason: string, lines: Json[], extra: Json = {}): Json => ({ blueInvoiceNumber: blue.number, reason, lines, ...extra });
  const onLine2 = (amount: string): Json => ({ blueLineNo: 2, amount });
  const onLine1 = (quantity: string, amount: string): Json => ({ blueLineNo: 1, quantity, amount });

  /** Seller files (02), buyer confirms (04), seller issues the red invoice (201). */
  async function confirmedRed(s: Party, b: Party, body: Json): Promise<{ slip: Json; red: Json }> {
    const filed = await fileOk(s, body);
    expect(filed.status).toBe('02');
    expect((await actOk(b.token, filed.id, 'confirm')).status).toBe('04');
    const red = expectStatus(await redInvoice(s.token, filed.id), 201);
    return { slip: await getSlip(s.token, filed.id), red };
  }

  const auditRows = (objectId: string, actions: string[]) =>
    t.dataSource.getRepository(AuditEventEntity).find({ where: { objectId, action: In(actions) }, order: { at: 'ASC' } });

  // ---------------------------------------------------------------- 1. buyer side

  // SPEC 5: "Usage confirmation (用途确认): the buyer declares what it uses the invoice for:
  // deduction (抵扣), no deduction (不抵扣), export tax refund (出口退税), or agent export refund
  // (代办退税). Correctable only by a tax officer."
  // "Accounting entry (入账标识): entered / not entered, to prevent double reimbursement."
  // API.md: "Authenticated but not allowed, or another taxpayer's object: 404 for objects (do not
  // reveal they exist), 403 for actions." API.md "Audit": the audit record holds every state
  // change, usage confirmation included.
  describe('buyer side: usage confirmation and accounting entry (SPEC 5)', () => {
    let s: Party;
    let b: Party;
    let stranger: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      stranger = await buyer();
    });

    it.each(['deduction', 'no_deduction', 'export_refund', 'agent_export_refund'])(
      'the buyer confirms the usage %s: 200, usage set, seen by the seller too; confirming again is 409 INVALID_STATE',
      async (purpose) => {
        const blue = await issueBlue(s, b);
        expect(blue.usage).toBeNull();
        const body = expectStatus(await confirmUsage(b.token, blue.number, purpose), 200);
        expect(body).toMatchObject({ number: blue.number, usage: purpose, accountingEntry: 'not_entered', status: 'issued' });
        expect((await getInvoice(s.token, blue.number)).usage).toBe(purpose);
        expectProblem(await confirmUsage(b.token, blue.number, purpose), 409, 'INVALID_STATE');
        expectProblem(await confirmUsage(b.token, blue.number, purpose === 'deduction' ? 'no_deduction' : 'deduction'), 409, 'INVALID_STATE');
        expect((await getInvoice(b.token, blue.number)).usage).toBe(purpose);
      },
    );

    it('a tax officer corrects a confirmed usage: 200; both are audit events with who, before and after', async () => {
      await setClock(t, T0);
      const blue = await issueBlue(s, b);
      expectStatus(await confirmUsage(b.token, blue.number, 'export_refund'), 200);
      await setClock(t, '2023-07-20T10:30:00+08:00');
      const corrected = expectStatus(await confirmUsage(officer, blue.number, 'deduction'), 200);
      expect(corrected.usage).toBe('deduction');
      expect((await getInvoice(b.token, blue.number)).usage).toBe('deduction');

      const rows = await auditRows(blue.number, ['invoice.usage_confirmed', 'invoice.usage_corrected']);
      expect(rows.map((r) => r.action)).toEqual(['invoice.usage_confirmed', 'invoice.usage_corrected']);
      const [confirmed, correction] = rows;
      expect(confirmed).toMatchObject({ actor: expect.stringMatching(/^api_key:/), actorRole: 'taxpayer', taxpayerId: b.taxId });
      expect(JSON.parse(confirmed.before!)).toEqual({ usage: null });
      expect(JSON.parse(confirmed.after!)).toEqual({ usage: 'export_refund' });
      expect(confirmed.at.getTime()).toBe(Date.parse(T0));
      expect(correction).toMatchObject({ actorRole: 'tax_officer' });
      expect(correction.actor).not.toBe(confirmed.actor);
      expect(JSON.parse(correction.before!)).toEqual({ usage: 'export_refund' });
      expect(JSON.parse(correction.after!)).toEqual({ usage: 'deduction' });
      expect(correction.at.getTime()).toBe(Date.parse('2023-07-20T10:30:00+08:00'));
    });

    it('the seller may not confirm the usage (403) nor record the accounting entry (403); an unrelated taxpayer gets 404', async () => {
      await setClock(t, T0);
      const blue = await issueBlue(s, b);
      expectProblem(await confirmUsage(s.token, blue.number, 'deduction'), 403, 'FORBIDDEN');
      expectProblem(await confirmUsage(stranger.token, blue.number, 'deduction'), 404, 'NOT_FOUND');
      expectProblem(await enterAccounting(s.token, blue.number), 403, 'FORBIDDEN');
      expectProblem(await enterAccounting(stranger.token, blue.number), 404, 'NOT_FOUND');
      const after = await getInvoice(b.token, blue.number);
      expect(after).toMatchObject({ usage: null, accountingEntry: 'not_entered' });
      expect(await auditRows(blue.number, ['invoice.usage_confirmed', 'invoice.usage_corrected', 'invoice.accounting_entry'])).toEqual([]);
    });

    it('refuses an unknown purpose and a non-boolean entry with 400', async () => {
      const blue = await issueBlue(s, b);
      expectProblem(await confirmUsage(b.token, blue.number, 'resale'), 400, 'VALIDATION_FAILED', 'purpose');
      expectProblem(await t.http(b.token).post(`/v1/invoices/${blue.number}/accounting-entry`).send({ entered: 'yes' }), 400, 'VALIDATION_FAILED', 'entered');
    });

    it('the buyer enters the invoice in its accounts and takes it out again: entered / not_entered, each an audit event', async () => {
      await setClock(t, T0);
      const blue = await issueBlue(s, b);
      expect(blue.accountingEntry).toBe('not_entered');
      expect(expectStatus(await enterAccounting(b.token, blue.number, true), 200).accountingEntry).toBe('entered');
      expect((await getInvoice(s.token, blue.number)).accountingEntry).toBe('entered');
      expect(expectStatus(await enterAccounting(b.token, blue.number, false), 200).accountingEntry).toBe('not_entered');
      expect((await getInvoice(b.token, blue.number)).accountingEntry).toBe('not_entered');

      const rows = await auditRows(blue.number, ['invoice.accounting_entry']);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => [JSON.parse(r.before!), JSON.parse(r.after!)])).toEqual(
        expect.arrayContaining([
          [{ accountingEntry: 'not_entered' }, { accountingEntry: 'entered' }],
          [{ accountingEntry: 'entered' }, { accountingEntry: 'not_entered' }],
        ]),
      );
      for (const r of rows) expect(r).toMatchObject({ actor: expect.stringMatching(/^api_key:/), actorRole: 'taxpayer', taxpayerId: b.taxId });
    });
  });

  // ---------------------------------------------------------------- 2. 01: no confirmation

  // SPEC 6: "If the buyer has made neither a usage confirmation nor an accounting entry, the
  // seller fills in the slip and it needs no confirmation (status 01); the red must then be for
  // the full blue invoice." "(a buyer that has made neither cannot fill in a slip: the seller
  // does, without confirmation)". "Only then does the seller issue the red invoice from the
  // slip." "A red invoice carries negative amounts, its own number, and names the blue invoice
  // number and the slip number (e.g. in remarks: `被红冲蓝字数电票号码：… 红字发票信息确认单编号：…`)."
  // SPEC 8: "Red invoices carry negative amounts and the capital words start with （负数）."
  // API.md: 409 INVALID_STATE "issuing red from a slip not in 01/04 or twice".
  describe('seller-filed without confirmation (01): full red only', () => {
    let s: Party;
    let b: Party;
    let blue: Json;
    let slip: Json;
    let red: Json;
    // Each test stands on a new blue, and goes through the steps before it itself.
    beforeEach(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      blue = await issueBlue(s, b);
      expect(blue).toMatchObject({ totalAmount: '10300.00', totalTax: '1318.00', totalWithTax: '11618.00' });
    });
    /** Step: the seller files the full 01 slip at 11:00. */
    const fileFullRed = async () => {
      await setClock(t, '2023-07-20T11:00:00+08:00');
      slip = await fileOk(s, fullRed(blue, '01'));
    };
    /** Step: and issues its red invoice at 12:00. */
    const issueTheRed = async () => {
      await fileFullRed();
      await setClock(t, '2023-07-20T12:00:00+08:00');
      red = expectStatus(await redInvoice(s.token, slip.id), 201);
    };

    it('a partial slip by the seller is 422 RED_NOT_ALLOWED', async () => {
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-100.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '02', [onLine1('-1', '-5000.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('the buyer cannot fill in a slip (422 RED_NOT_ALLOWED), full or partial', async () => {
      expectProblem(await file(b, fullRed(blue)), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(b, partRed(blue, '04', [onLine2('-100.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('the seller files a full red: 201, status 01, no expiry, negative amounts per line, nothing to transfer out', async () => {
      await setClock(t, '2023-07-20T11:00:00+08:00');
      slip = await fileOk(s, fullRed(blue, '01'));
      expect(slip).toMatchObject({
        id: expect.stringMatching(UUID),
        number: expect.stringMatching(/^\d{20}$/),
        status: '01',
        initiator: 'seller',
        blueInvoiceNumber: blue.number,
        reason: '01',
        totalAmount: '-10300.00',
        totalTax: '-1318.00',
        inputTaxTransferOut: '0.00',
        createdAt: '2023-07-20T11:00:00+08:00',
        expiresAt: null,
      });
      expect(slip.number).not.toBe(blue.number);
      for (const field of SLIP_FIELDS) expect(slip).toHaveProperty(field);
      for (const field of ['totalAmount', 'totalTax', 'inputTaxTransferOut']) expect(slip[field]).toMatch(MONEY);
      expect(slip.createdAt).toMatch(CST);
      expect(slip.lines.map((l: Json) => [l.blueLineNo, l.quantity === null ? null : Number(l.quantity), l.amount, l.taxAmount])).toEqual([
        [1, -2, '-10000.00', '-1300.00'],
        [2, null, '-300.00', '-18.00'],
      ]);
      expect(await getSlip(b.token, slip.id)).toMatchObject({ id: slip.id, status: '01', expiresAt: null });
    });

    it('nothing more can be filed while the full red holds the whole invoice', async () => {
      await fileFullRed();
      expectProblem(await file(s, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
    });

    it('the buyer cannot issue the red invoice (403)', async () => {
      await fileFullRed();
      expectProblem(await redInvoice(b.token, slip.id), 403, 'FORBIDDEN');
    });

    it('the seller issues it: 201, color red, its own 20-digit number, negative amounts, （负数） words, remarks naming blue and slip', async () => {
      await fileFullRed();
      await setClock(t, '2023-07-20T12:00:00+08:00');
      const res = await redInvoice(s.token, slip.id);
      red = expectStatus(res, 201);
      expect(red).toMatchObject({
        color: 'red',
        status: 'issued',
        type: 'special',
        issuedAt: '2023-07-20T12:00:00+08:00',
        seller: { taxId: s.taxId },
        buyer: { taxId: b.taxId },
        totalAmount: '-10300.00',
        totalTax: '-1318.00',
        totalWithTax: '-11618.00',
      });
      expect(red.number).toMatch(/^\d{20}$/);
      expect(red.number).not.toBe(blue.number);
      expect(red.number.slice(0, 4)).toBe('2322'); // same number space: year 23, the seller's province 22
      expect(red.totalWithTaxInWords).toBe('（负数）壹万壹仟陆佰壹拾捌圆整');
      expect(red.remarks).toContain(`被红冲蓝字数电票号码：${blue.number}`);
      expect(red.remarks).toContain(`红字发票信息确认单编号：${slip.number}`);
      expect(red.lines.map((l: Json) => [l.amount, l.taxAmount, l.taxRate])).toEqual([
        ['-10000.00', '-1300.00', '0.13'],
        ['-300.00', '-18.00', '0.06'],
      ]);
      expect(Number(red.lines[0].quantity)).toBe(-2);
      expect(Number(red.lines[0].unitPrice)).toBe(5000); // the unit price stays positive and unchanged
      // the red invoice is delivered to the buyer too, and reads back the same
      const read = await getInvoice(b.token, red.number);
      expect(read).toMatchObject({ number: red.number, color: 'red', totalAmount: '-10300.00', totalWithTax: '-11618.00', remarks: red.remarks });
      expect((await getSlip(s.token, slip.id)).redInvoiceNumber).toBe(red.number);
    });

    it('issuing twice is 409 INVALID_STATE', async () => {
      await issueTheRed();
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
    });

    it('the blue is red_full and lists the slip under redConfirmations and the red under redInvoices', async () => {
      await issueTheRed();
      const read = await getInvoice(s.token, blue.number);
      expect(read.status).toBe('red_full');
      expect(read.redConfirmations).toEqual([expect.objectContaining({ id: slip.id, number: slip.number, status: '01', redInvoiceNumber: red.number })]);
      expect(read.redInvoices).toEqual([expect.objectContaining({ number: red.number, totalAmount: '-10300.00', totalTax: '-1318.00' })]);
      expect((await getInvoice(b.token, blue.number)).status).toBe('red_full');
    });

    it('an ordinary invoice to a natural person (no tax id) is reversed the same way: 01, full only', async () => {
      const natural = expectStatus(
        await t
          .http(s.token)
          .post('/v1/invoices')
          .send({
            type: 'ordinary',
            buyer: { name: '张三' },
            lines: [{ ...INSTALL }],
          }),
        201,
      );
      expectProblem(await file(s, partRed(natural, '04', [{ blueLineNo: 1, amount: '-100.00' }])), 422, 'RED_NOT_ALLOWED');
      const slip = await fileOk(s, fullRed(natural, '01'));
      expect(slip).toMatchObject({ status: '01', totalAmount: '-300.00', totalTax: '-18.00', expiresAt: null });
      const red = expectStatus(await redInvoice(s.token, slip.id), 201);
      expect(red).toMatchObject({ color: 'red', type: 'ordinary', totalWithTax: '-318.00', buyer: { taxId: null, name: '张三' } });
      expect((await getInvoice(s.token, natural.number)).status).toBe('red_full');
    });

    it('a blue reversed in full, and a red invoice, cannot be red-lettered again (422)', async () => {
      await issueTheRed();
      expectProblem(await file(s, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, fullRed(red, '01')), 422, 'RED_NOT_ALLOWED');
    });
  });

  // ---------------------------------------------------------------- 3. 02 -> 04

  // SPEC 6: "Otherwise either side may fill it in and the other side must confirm it (02 seller
  // entered, awaiting buyer; ... 04 both confirmed); the red may be full or partial. Only then
  // does the seller issue the red invoice from the slip." "An unconfirmed slip (02 or 03) voids
  // itself 72 hours after it was filled in; 01 and 04 do not expire."
  describe('seller-filed, confirmed by the buyer (02 -> 04)', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it.each([
      ['entered accounting', (token: string, number: string) => enterAccounting(token, number, true)],
      ['confirmed the usage', (token: string, number: string) => confirmUsage(token, number, 'no_deduction')],
    ])(
      'once the buyer %s: 02 with expiresAt 72 h later; the seller cannot confirm its own; the buyer confirms -> 04; then the red',
      async (_what, buyerActs) => {
        await setClock(t, T0);
        const blue = await issueBlue(s, b);
        expectStatus(await buyerActs(b.token, blue.number), 200);
        await setClock(t, '2023-07-20T14:15:16+08:00');
        const slip = await fileOk(s, fullRed(blue, '01'));
        expect(slip).toMatchObject({ status: '02', initiator: 'seller', createdAt: '2023-07-20T14:15:16+08:00', expiresAt: '2023-07-23T14:15:16+08:00' });
        expect(Date.parse(slip.expiresAt) - Date.parse(slip.createdAt)).toBe(72 * HOUR);

        expectProblem(await act(s.token, slip.id, 'confirm'), 403, 'FORBIDDEN');
        expectProblem(await act(s.token, slip.id, 'reject'), 403, 'FORBIDDEN');
        expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE'); // not confirmed yet
        expect((await getSlip(s.token, slip.id)).status).toBe('02');

        await setClock(t, '2023-07-21T08:00:00+08:00');
        const confirmed = await actOk(b.token, slip.id, 'confirm');
        expect(confirmed).toMatchObject({ id: slip.id, status: '04', expiresAt: null, totalAmount: '-10300.00' });
        expectProblem(await act(b.token, slip.id, 'confirm'), 409, 'INVALID_STATE');
        expectProblem(await redInvoice(b.token, slip.id), 403, 'FORBIDDEN');

        const red = expectStatus(await redInvoice(s.token, slip.id), 201);
        expect(red).toMatchObject({ color: 'red', totalAmount: '-10300.00', totalTax: '-1318.00', totalWithTax: '-11618.00' });
        expect(red.remarks).toContain(`红字发票信息确认单编号：${slip.number}`);
        expect((await getInvoice(b.token, blue.number)).status).toBe('red_full');
      },
    );
  });

  // ---------------------------------------------------------------- 4. 03 -> 04

  // SPEC 6: "either side may fill it in and the other side must confirm it (... 03 buyer entered,
  // awaiting seller; 04 both confirmed)".
  describe('buyer-filed, confirmed by the seller (03 -> 04)', () => {
    it('03 with expiresAt 72 h later; the buyer cannot confirm its own; the seller confirms -> 04 and issues', async () => {
      await setClock(t, T0);
      const s = await seller();
      const b = await buyer();
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(b, partRed(blue, '04', [onLine2('-100.00')]));
      expect(slip).toMatchObject({
        status: '03',
        initiator: 'buyer',
        blueInvoiceNumber: blue.number,
        totalAmount: '-100.00',
        totalTax: '-6.00',
        createdAt: T0,
        expiresAt: cst(Date.parse(T0) + 72 * HOUR),
      });
      expect(slip.lines).toEqual([{ blueLineNo: 2, quantity: null, amount: '-100.00', taxAmount: '-6.00' }]);
      expectProblem(await act(b.token, slip.id, 'confirm'), 403, 'FORBIDDEN');
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
      const confirmed = await actOk(s.token, slip.id, 'confirm');
      expect(confirmed).toMatchObject({ status: '04', expiresAt: null, initiator: 'buyer' });
      const red = expectStatus(await redInvoice(s.token, slip.id), 201);
      expect(red).toMatchObject({
        color: 'red',
        totalAmount: '-100.00',
        totalTax: '-6.00',
        totalWithTax: '-106.00',
        totalWithTaxInWords: '（负数）壹佰零陆圆整',
      });
      expect((await getInvoice(s.token, blue.number)).status).toBe('red_partial');
    });
  });

  // ---------------------------------------------------------------- 5. rejected

  // SPEC 6: "05 作废(销方录入购方否认), 06 作废(购方录入销方否认)". "Reds never exceed the blue: the sum
  // of all reds and of all live slips on a blue invoice is at most its amount and tax, per line
  // and in total." A rejected slip is void, so it no longer holds its amounts.
  describe('rejected slips (05, 06)', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it('02 rejected by the buyer -> 05; its amounts no longer count', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '04', [onLine2('-300.00')]));
      expect(slip.status).toBe('02');
      // while it is live, it holds the whole of line 2
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-300.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await act(s.token, slip.id, 'reject'), 403, 'FORBIDDEN');
      expect((await actOk(b.token, slip.id, 'reject')).status).toBe('05');
      expect((await getSlip(s.token, slip.id)).status).toBe('05');
      expectProblem(await act(b.token, slip.id, 'confirm'), 409, 'INVALID_STATE');
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
      const again = await fileOk(s, partRed(blue, '04', [onLine2('-300.00')]));
      expect(again).toMatchObject({ status: '02', totalAmount: '-300.00', totalTax: '-18.00' });
    });

    it('03 rejected by the seller -> 06; its amounts no longer count', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await confirmUsage(b.token, blue.number, 'no_deduction'), 200);
      const slip = await fileOk(b, fullRed(blue, '01'));
      expect(slip).toMatchObject({ status: '03', totalAmount: '-10300.00' });
      expectProblem(await file(b, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
      expectProblem(await act(b.token, slip.id, 'reject'), 403, 'FORBIDDEN');
      expect((await actOk(s.token, slip.id, 'reject')).status).toBe('06');
      expect((await getSlip(b.token, slip.id)).status).toBe('06');
      expectProblem(await act(s.token, slip.id, 'confirm'), 409, 'INVALID_STATE');
      const again = await fileOk(b, fullRed(blue, '01'));
      expect(again).toMatchObject({ status: '03', totalAmount: '-10300.00', totalTax: '-1318.00' });
    });
  });

  // ---------------------------------------------------------------- 6. revoked

  // SPEC 6: "08 作废(发起方已撤销), 09 作废(确认后撤销)". API.md: "/revoke (the initiator)".
  describe('revoked slips (08, 09)', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it('revoked before confirmation -> 08; the other party may not revoke (403); its amounts are freed', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '02', [onLine1('-2', '-10000.00')]));
      expect(slip.status).toBe('02');
      expectProblem(await act(b.token, slip.id, 'revoke'), 403, 'FORBIDDEN');
      expect((await actOk(s.token, slip.id, 'revoke')).status).toBe('08');
      expectProblem(await act(s.token, slip.id, 'revoke'), 409, 'INVALID_STATE');
      expectProblem(await act(b.token, slip.id, 'confirm'), 409, 'INVALID_STATE');
      expect((await fileOk(s, partRed(blue, '02', [onLine1('-2', '-10000.00')]))).status).toBe('02');
    });

    it('a buyer-filed 03 revoked by the buyer -> 08; the seller may not revoke it (403)', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(b, partRed(blue, '04', [onLine2('-10.00')]));
      expectProblem(await act(s.token, slip.id, 'revoke'), 403, 'FORBIDDEN');
      expect((await actOk(b.token, slip.id, 'revoke')).status).toBe('08');
    });

    it('an 01 slip revoked by the seller -> 08, and a new full slip is then accepted', async () => {
      const blue = await issueBlue(s, b);
      const slip = await fileOk(s, fullRed(blue, '01'));
      expect(slip.status).toBe('01');
      expectProblem(await act(b.token, slip.id, 'revoke'), 403, 'FORBIDDEN');
      expect((await actOk(s.token, slip.id, 'revoke')).status).toBe('08');
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
      expect((await fileOk(s, fullRed(blue, '01'))).status).toBe('01');
    });

    it('revoked after confirmation, before the red invoice -> 09; the non-initiator may not (403); no red can follow', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '04', [onLine2('-50.00')]));
      expect((await actOk(b.token, slip.id, 'confirm')).status).toBe('04');
      expectProblem(await act(b.token, slip.id, 'revoke'), 403, 'FORBIDDEN');
      expect((await actOk(s.token, slip.id, 'revoke')).status).toBe('09');
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
      expect((await getInvoice(s.token, blue.number)).status).toBe('issued');
    });

    it('revoking after the red invoice is 409 INVALID_STATE, and the slip stays 04', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const { slip, red } = await confirmedRed(s, b, partRed(blue, '04', [onLine2('-50.00')]));
      expect(slip.redInvoiceNumber).toBe(red.number);
      expectProblem(await act(s.token, slip.id, 'revoke'), 409, 'INVALID_STATE');
      expect((await getSlip(s.token, slip.id)).status).toBe('04');
    });

    it('revoking an 01 slip after its red invoice is 409 too', async () => {
      const blue = await issueBlue(s, b);
      const slip = await fileOk(s, fullRed(blue, '01'));
      expectStatus(await redInvoice(s.token, slip.id), 201);
      expectProblem(await act(s.token, slip.id, 'revoke'), 409, 'INVALID_STATE');
      expect((await getSlip(s.token, slip.id)).status).toBe('01');
    });
  });

  // ---------------------------------------------------------------- 7. expiry

  // SPEC 6: "An unconfirmed slip (02 or 03) voids itself 72 hours after it was filled in; 01 and
  // 04 do not expire." "07 作废(超72小时未确认)". API.md "Test clock": "Every rule that depends on
  // time (..., 72-hour expiry, ...) reads this clock."
  describe('expiry after 72 hours (07)', () => {
    const TE = '2023-07-21T10:00:00+08:00';
    const at = (hours: number, minutes = 0, seconds = 0) => cst(Date.parse(TE) + hours * HOUR + minutes * 60_000 + seconds * 1000);
    let s: Party;
    let b: Party;
    let blue: Json;
    let a: Json; // seller-filed 02 on line 1, read with GET
    let c: Json; // buyer-filed 03 on line 2, only ever seen through the list
    let d: Json; // seller-filed, confirmed: 04
    let e: Json; // 01 on another blue
    // Each test has its own slips, filed at TE; it sets the clock it reads them at.
    beforeEach(async () => {
      await setClock(t, TE);
      s = await seller();
      b = await buyer();
      blue = await issueBlue(s, b);
      const other = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      a = await fileOk(s, partRed(blue, '02', [onLine1('-1', '-5000.00')]));
      c = await fileOk(b, partRed(blue, '04', [onLine2('-100.00')]));
      d = await fileOk(s, partRed(blue, '04', [onLine2('-100.00')]));
      await actOk(b.token, d.id, 'confirm');
      e = await fileOk(s, fullRed(other, '01'));
      expect([a.status, c.status, e.status]).toEqual(['02', '03', '01']);
      expect(a.createdAt).toBe(TE);
      expect(a.expiresAt).toBe(at(72));
    });
    afterAll(() => setClock(t, T0));

    it('at 71:59 (and 71:59:59) after filing the 02 slip is still 02, and the 03 slip still 03 in the list', async () => {
      await setClock(t, at(71, 59));
      expect((await getSlip(b.token, a.id)).status).toBe('02');
      await setClock(t, at(71, 59, 59));
      expect((await getSlip(s.token, a.id)).status).toBe('02');
      const received = await listSlips(s.token, 'direction=received');
      expect(received.find((x) => x.id === c.id)?.status).toBe('03');
    });

    it('at 72:00 the 02 slip is 07 on GET', async () => {
      await setClock(t, at(72));
      const read = await getSlip(b.token, a.id);
      expect(read.status).toBe('07');
    });

    it('at 72:00 the 03 slip is 07 in the list, without a GET of the slip itself', async () => {
      await setClock(t, at(72));
      const received = await listSlips(s.token, 'direction=received');
      expect(received.find((x) => x.id === c.id)?.status).toBe('07');
      expect(idsOf(await listSlips(s.token, 'status=07'))).toEqual([a.id, c.id].sort());
      expect(await listSlips(s.token, 'status=03')).toEqual([]);
      expect(await listSlips(b.token, 'direction=awaiting')).toEqual([]);
      expect(await listSlips(s.token, 'direction=awaiting')).toEqual([]);
    });

    it('04 and 01 slips do not expire', async () => {
      expect((await getSlip(s.token, d.id)).status).toBe('04');
      expect((await getSlip(s.token, e.id)).status).toBe('01');
      await setClock(t, at(24 * 30));
      expect((await getSlip(s.token, d.id)).status).toBe('04');
      expect((await getSlip(s.token, e.id)).status).toBe('01');
      await setClock(t, at(72));
    });

    it('confirming (or rejecting, revoking) an expired slip is 409 INVALID_STATE', async () => {
      await setClock(t, at(72));
      expectProblem(await act(b.token, a.id, 'confirm'), 409, 'INVALID_STATE');
      expectProblem(await act(s.token, c.id, 'confirm'), 409, 'INVALID_STATE');
      expectProblem(await act(b.token, a.id, 'reject'), 409, 'INVALID_STATE');
      expectProblem(await act(s.token, a.id, 'revoke'), 409, 'INVALID_STATE');
      expectProblem(await redInvoice(s.token, a.id), 409, 'INVALID_STATE');
      expect((await getSlip(s.token, a.id)).status).toBe('07');
      expect((await getSlip(s.token, c.id)).status).toBe('07');
    });

    it('expired slips no longer hold their amounts', async () => {
      await setClock(t, at(72));
      // line 1: both units free again; line 2: 300.00 less d's 100.00
      expect((await fileOk(s, partRed(blue, '02', [onLine1('-2', '-10000.00')]))).status).toBe('02');
      expect((await fileOk(s, partRed(blue, '04', [onLine2('-200.00')]))).status).toBe('02');
    });

    it('a new slip filed 72 h later, with nobody having read the old one, is not blocked by it', async () => {
      await setClock(t, TE);
      const fresh = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, fresh.number), 200);
      const old = await fileOk(b, partRed(fresh, '04', [onLine2('-300.00')]));
      expectProblem(await file(s, partRed(fresh, '04', [onLine2('-300.00')])), 422, 'RED_NOT_ALLOWED');
      await setClock(t, at(72));
      expect((await fileOk(s, partRed(fresh, '04', [onLine2('-300.00')]))).status).toBe('02');
      expect((await getSlip(s.token, old.id)).status).toBe('07');
    });
  });

  // ---------------------------------------------------------------- 8. partial reds

  // SPEC 6: "Reds never exceed the blue: the sum of all reds and of all live slips on a blue
  // invoice is at most its amount and tax, per line and in total. Reason 01 is always a full red;
  // 02 may change quantities but not unit prices; 03 may change amounts and quantities, not unit
  // prices; 04 changes amounts only." API.md: 422 RED_NOT_ALLOWED "reds beyond the blue, partial
  // red where only full is allowed".
  describe('partial reds up to the blue, per line', () => {
    let s: Party;
    let b: Party;
    let blue: Json;
    const reds: Json[] = [];
    // Each test has its own blue (entered by the buyer); the later ones reverse line 2 first.
    beforeEach(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      reds.length = 0;
    });
    /** Step: three reason-04 reds of -100.00 reverse line 2 in full. */
    const reverseLine2 = async () => {
      for (let i = 0; i < 3; i++) reds.push((await confirmedRed(s, b, partRed(blue, '04', [onLine2('-100.00')]))).red);
    };

    it('reason 01 as a partial red is 422 RED_NOT_ALLOWED', async () => {
      expectProblem(await file(s, partRed(blue, '01', [onLine1('-1', '-5000.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '01', [onLine2('-300.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('reason 04 with a quantity is 422 RED_NOT_ALLOWED', async () => {
      expectProblem(await file(s, partRed(blue, '04', [onLine1('-1', '-5000.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('reason 02 must give a quantity and keep the unit price', async () => {
      expectProblem(await file(s, partRed(blue, '02', [{ blueLineNo: 1, amount: '-5000.00' }])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '02', [onLine1('-1', '-4000.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '02', [onLine1('-3', '-15000.00')])), 422, 'RED_NOT_ALLOWED'); // more than sold
    });

    it('reason 03 may not change the unit price either', async () => {
      expectProblem(await file(s, partRed(blue, '03', [onLine1('-1', '-4000.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('three reason-04 slips of -100.00 on line 2, each confirmed and issued, add up to the full line; the blue is red_partial', async () => {
      for (let i = 0; i < 3; i++) {
        const { slip, red } = await confirmedRed(s, b, partRed(blue, '04', [onLine2('-100.00')]));
        expect(slip.lines).toEqual([{ blueLineNo: 2, quantity: null, amount: '-100.00', taxAmount: '-6.00' }]);
        expect(red).toMatchObject({ totalAmount: '-100.00', totalTax: '-6.00' });
        reds.push(red);
        expect((await getInvoice(s.token, blue.number)).status).toBe('red_partial');
      }
      const sum = reds.reduce((acc, r) => ({ amount: acc.amount + fenOf(r.totalAmount), tax: acc.tax + fenOf(r.totalTax) }), { amount: 0, tax: 0 });
      expect([money(sum.amount), money(sum.tax)]).toEqual(['-300.00', '-18.00']);
    });

    it('one cent more on line 2 is 422 RED_NOT_ALLOWED', async () => {
      await reverseLine2();
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-0.01')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(b, partRed(blue, '04', [onLine2('-0.01')])), 422, 'RED_NOT_ALLOWED');
    });

    it('a full red is no longer possible once part is reversed', async () => {
      await reverseLine2();
      expectProblem(await file(s, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
    });

    it('reason 02: -1 at -5000.00 is accepted and issued; the blue stays red_partial', async () => {
      await reverseLine2();
      const { slip, red } = await confirmedRed(s, b, partRed(blue, '02', [onLine1('-1', '-5000.00')]));
      expect(slip).toMatchObject({ totalAmount: '-5000.00', totalTax: '-650.00' });
      expect(Number(slip.lines[0].quantity)).toBe(-1);
      expect(red).toMatchObject({ totalAmount: '-5000.00', totalTax: '-650.00', totalWithTax: '-5650.00' });
      expect(Number(red.lines[0].quantity)).toBe(-1);
      expect(Number(red.lines[0].unitPrice)).toBe(5000);
      reds.push(red);
      expect((await getInvoice(s.token, blue.number)).status).toBe('red_partial');
      // only one unit is left on line 1
      expectProblem(await file(s, partRed(blue, '02', [onLine1('-2', '-10000.00')])), 422, 'RED_NOT_ALLOWED');
    });

    it('after the last unit is returned every line is reversed in full: the blue is red_full', async () => {
      await reverseLine2();
      reds.push((await confirmedRed(s, b, partRed(blue, '02', [onLine1('-1', '-5000.00')]))).red);
      const { red } = await confirmedRed(s, b, partRed(blue, '02', [onLine1('-1', '-5000.00')]));
      reds.push(red);
      const read = await getInvoice(s.token, blue.number);
      expect(read.status).toBe('red_full');
      expect(read.redInvoices.map((r: Json) => r.number).sort()).toEqual(reds.map((r) => r.number).sort());
      const amount = read.redInvoices.reduce((acc: number, r: Json) => acc + fenOf(r.totalAmount), 0);
      const tax = read.redInvoices.reduce((acc: number, r: Json) => acc + fenOf(r.totalTax), 0);
      expect([money(amount), money(tax)]).toEqual(['-10300.00', '-1318.00']);
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-0.01')])), 422, 'RED_NOT_ALLOWED');
    });
  });

  // ---------------------------------------------------------------- 9. export refund

  // SPEC 6: "A blue invoice already used for export tax refund (出口退税 / 代办退税) cannot be
  // red-lettered." API.md: 422 RED_NOT_ALLOWED for an "export-refund blue".
  describe('export-refund blues cannot be red-lettered', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it.each(['export_refund', 'agent_export_refund'])('after the buyer confirms %s every slip is 422 RED_NOT_ALLOWED', async (purpose) => {
      const blue = await issueBlue(s, b);
      expectStatus(await confirmUsage(b.token, blue.number, purpose), 200);
      expectProblem(await file(s, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-100.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(s, partRed(blue, '02', [onLine1('-1', '-5000.00')])), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(b, fullRed(blue, '01')), 422, 'RED_NOT_ALLOWED');
      expectProblem(await file(b, partRed(blue, '04', [onLine2('-100.00')])), 422, 'RED_NOT_ALLOWED');
      expect((await getInvoice(s.token, blue.number)).redConfirmations).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- 10. input-tax transfer-out

  // SPEC 6: "If the buyer had already deducted the input tax, it must transfer out (进项税额转出)
  // the slip's tax now and book the red invoice with the slip later: the slip records that amount
  // (as a positive figure, fixed when the slip is filled in; zero when nothing was deducted). The
  // buyer "had deducted" when it confirmed the usage as deduction and has since recorded its VAT
  // filing for the period in which it confirmed." API.md: "inputTaxTransferOut is a non-negative
  // amount ("0.00" when the buyer had not deducted)."
  describe('input-tax transfer-out (进项税额转出)', () => {
    let s: Party;
    let deducting: Party;
    let notFiling: Party;
    let beforeFiling: Json;
    let beforeFilingSlip: Json;
    let deducted: Json;
    let deductedFull: Json;
    let notFiled: Json;
    let noDeduction: Json;
    // Each test has its own seller, buyers and blues; those that need the July filing make it.
    beforeEach(async () => {
      await setClock(t, T0);
      s = await seller();
      deducting = await buyer();
      notFiling = await buyer();
      beforeFiling = await issueBlue(s, deducting);
      deducted = await issueBlue(s, deducting);
      deductedFull = await issueBlue(s, deducting);
      noDeduction = await issueBlue(s, deducting);
      notFiled = await issueBlue(s, notFiling);
      await setClock(t, '2023-07-25T09:00:00+08:00');
      for (const blue of [beforeFiling, deducted, deductedFull]) expectStatus(await confirmUsage(deducting.token, blue.number, 'deduction'), 200);
      expectStatus(await confirmUsage(deducting.token, noDeduction.number, 'no_deduction'), 200);
      expectStatus(await confirmUsage(notFiling.token, notFiled.number, 'deduction'), 200);
    });
    afterAll(() => setClock(t, T0));

    it('deduction confirmed but the period not yet filed: 0.00', async () => {
      beforeFilingSlip = await fileOk(s, partRed(beforeFiling, '04', [onLine2('-100.00')]));
      expect(beforeFilingSlip).toMatchObject({ status: '02', totalTax: '-6.00', inputTaxTransferOut: '0.00' });
    });

    it("after the buyer records its VAT filing for 2023-07 in August, a slip shows the slip's tax as a positive figure", async () => {
      await setClock(t, '2023-08-10T09:00:00+08:00');
      expectStatus(await t.http(deducting.token).post(`/v1/taxpayers/${deducting.taxId}/vat-filings`).send({ period: '2023-07' }), 201);
      const partial = await fileOk(s, partRed(deducted, '02', [onLine1('-1', '-5000.00')]));
      expect(partial).toMatchObject({ status: '02', totalTax: '-650.00', inputTaxTransferOut: '650.00' });
      const byBuyer = await fileOk(deducting, partRed(deducted, '04', [onLine2('-100.00')]));
      expect(byBuyer).toMatchObject({ status: '03', totalTax: '-6.00', inputTaxTransferOut: '6.00' });
      const full = await fileOk(s, fullRed(deductedFull, '01'));
      expect(full).toMatchObject({ totalTax: '-1318.00', inputTaxTransferOut: '1318.00' });
      // fixed when filled in: the confirmation and later reads keep it
      expect((await actOk(deducting.token, partial.id, 'confirm')).inputTaxTransferOut).toBe('650.00');
      expect((await getSlip(s.token, partial.id)).inputTaxTransferOut).toBe('650.00');
    });

    /** Step: the deducting buyer records its VAT filing for 2023-07, in August. */
    const fileJuly = async () => {
      await setClock(t, '2023-08-10T09:00:00+08:00');
      expectStatus(await t.http(deducting.token).post(`/v1/taxpayers/${deducting.taxId}/vat-filings`).send({ period: '2023-07' }), 201);
    };

    it('the slip filled in before the filing keeps 0.00', async () => {
      beforeFilingSlip = await fileOk(s, partRed(beforeFiling, '04', [onLine2('-100.00')]));
      await fileJuly();
      expect((await getSlip(s.token, beforeFilingSlip.id)).inputTaxTransferOut).toBe('0.00');
    });

    it('without the filing (another buyer, same month), or with usage no_deduction, it is 0.00', async () => {
      await fileJuly();
      expect((await fileOk(s, partRed(notFiled, '02', [onLine1('-1', '-5000.00')]))).inputTaxTransferOut).toBe('0.00');
      expect((await fileOk(s, partRed(noDeduction, '02', [onLine1('-1', '-5000.00')]))).inputTaxTransferOut).toBe('0.00');
    });

    it('a quarterly buyer had deducted once it filed for the quarter it confirmed in (2023-Q3)', async () => {
      await setClock(t, T0);
      const quarterly = await buyer({ filingFrequency: 'quarterly' });
      const blue = await issueBlue(s, quarterly);
      expectStatus(await confirmUsage(quarterly.token, blue.number, 'deduction'), 200);
      await setClock(t, '2023-10-09T09:00:00+08:00');
      expect((await fileOk(s, partRed(blue, '04', [onLine2('-100.00')]))).inputTaxTransferOut).toBe('0.00');
      expectStatus(await t.http(quarterly.token).post(`/v1/taxpayers/${quarterly.taxId}/vat-filings`).send({ period: '2023-Q3' }), 201);
      expect((await fileOk(s, partRed(blue, '04', [onLine2('-100.00')]))).inputTaxTransferOut).toBe('6.00');
    });

    it('a deduction confirmed in August is not covered by the July filing: 0.00', async () => {
      await fileJuly();
      await setClock(t, '2023-08-10T10:00:00+08:00');
      const august = await issueBlue(s, deducting);
      expectStatus(await confirmUsage(deducting.token, august.number, 'deduction'), 200);
      expect((await fileOk(s, partRed(august, '04', [onLine2('-100.00')]))).inputTaxTransferOut).toBe('0.00');
    });
  });

  // ---------------------------------------------------------------- 11. quota

  // SPEC 4: "What gives quota back: a red invoice issued in the same month as its blue invoice
  // restores the red amount; a red invoice for a blue invoice of an earlier month restores
  // nothing." "Every change to total or used is an entry in an append-only quota ledger, with
  // its cause." API.md "Quota": ledger kinds include red_restore.
  describe("quota: reds restore only in the blue's month", () => {
    let s: Party;
    let b: Party;
    const quota = async (period: string) => expectStatus(await t.http(s.token).get(`/v1/taxpayers/${s.taxId}/quota/${period}`), 200);
    const ledger = async (period: string) => {
      const body = expectStatus(await t.http(s.token).get(`/v1/taxpayers/${s.taxId}/quota/${period}/ledger?limit=500`), 200);
      expect(body.nextCursor).toBeNull();
      return body.items as Json[];
    };
    // Each test has its own seller: its month's usage is its own.
    beforeEach(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });
    afterAll(() => setClock(t, T0));

    it("a full red in the blue's month gives back the red amount: used goes down, a red_restore entry with a negative delta", async () => {
      await setClock(t, T0);
      const blue = await issueBlue(s, b);
      expect((await quota('2023-07')).used).toBe('10300.00');
      const slip = await fileOk(s, fullRed(blue, '01'));
      await setClock(t, '2023-07-31T23:59:59+08:00');
      const red = expectStatus(await redInvoice(s.token, slip.id), 201);
      const july = await quota('2023-07');
      expect(july).toMatchObject({ used: '0.00', remaining: july.total });
      const entries = (await ledger('2023-07')).filter((e) => e.ref === red.number);
      expect(entries).toEqual([expect.objectContaining({ kind: 'red_restore', delta: '-10300.00', usedAfter: '0.00', at: '2023-07-31T23:59:59+08:00' })]);
    });

    it('a partial red in the same month gives back its pre-tax amount only', async () => {
      await setClock(t, '2023-07-31T12:00:00+08:00');
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const before = fenOf((await quota('2023-07')).used);
      const { red } = await confirmedRed(s, b, partRed(blue, '04', [onLine2('-100.00')]));
      expect(fenOf((await quota('2023-07')).used)).toBe(before - 10000);
      expect((await ledger('2023-07')).filter((e) => e.ref === red.number)).toEqual([expect.objectContaining({ kind: 'red_restore', delta: '-100.00' })]);
    });

    it('a red issued next month for a blue of this month restores nothing, in either month', async () => {
      await setClock(t, '2023-07-31T23:00:00+08:00');
      const blue = await issueBlue(s, b);
      const slip = await fileOk(s, fullRed(blue, '01'));
      const julyBefore = await quota('2023-07');
      await setClock(t, '2023-08-01T00:00:00+08:00');
      const augustBefore = await quota('2023-08');
      const red = expectStatus(await redInvoice(s.token, slip.id), 201);
      expect(red.issuedAt).toBe('2023-08-01T00:00:00+08:00');
      expect((await quota('2023-08')).used).toBe(augustBefore.used);
      expect((await quota('2023-07')).used).toBe(julyBefore.used);
      expect((await quota('2023-07')).total).toBe(julyBefore.total);
      for (const period of ['2023-07', '2023-08']) expect((await ledger(period)).filter((e) => e.ref === red.number)).toEqual([]);
    });
  });

  // ---------------------------------------------------------------- 12. non-pilot buyer

  // SPEC 1: "A buyer may be a pilot taxpayer, a non-pilot taxpayer (registered here only as a
  // counterparty), or a natural person." SPEC 6: "A non-pilot buyer confirms through its own
  // channel; here it is a buyer principal like any other."
  describe('a non-pilot buyer is a buyer principal like any other', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer({ pilot: false, initialQuota: undefined }); // a non-pilot has no quota
      expect(b.body.pilot).toBe(false);
    });

    it('confirms the usage and enters the accounting', async () => {
      const blue = await issueBlue(s, b);
      expect(expectStatus(await confirmUsage(b.token, blue.number, 'no_deduction'), 200).usage).toBe('no_deduction');
      expect(expectStatus(await enterAccounting(b.token, blue.number), 200).accountingEntry).toBe('entered');
    });

    it("files a slip the seller confirms, confirms the seller's slip, and rejects one", async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const own = await fileOk(b, partRed(blue, '04', [onLine2('-100.00')]));
      expect(own).toMatchObject({ status: '03', initiator: 'buyer' });
      expect((await actOk(s.token, own.id, 'confirm')).status).toBe('04');
      const sellers = await fileOk(s, partRed(blue, '02', [onLine1('-1', '-5000.00')]));
      expect((await actOk(b.token, sellers.id, 'confirm')).status).toBe('04');
      const third = await fileOk(s, partRed(blue, '04', [onLine2('-50.00')]));
      expect((await actOk(b.token, third.id, 'reject')).status).toBe('05');
      expectStatus(await redInvoice(s.token, own.id), 201);
      expectStatus(await redInvoice(s.token, sellers.id), 201);
      expect((await getInvoice(b.token, blue.number)).status).toBe('red_partial');
    });
  });

  // ---------------------------------------------------------------- 13. autoIssue

  // API.md: "With autoIssue: true the seller's red invoice is issued as soon as the slip reaches
  // 01 or 04."
  describe('autoIssue', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it('an 01 slip with autoIssue comes back with its red invoice number; issuing by hand is then 409', async () => {
      const blue = await issueBlue(s, b);
      const slip = await fileOk(s, fullRed(blue, '01', { autoIssue: true }));
      expect(slip).toMatchObject({ status: '01', redInvoiceNumber: expect.stringMatching(/^\d{20}$/) });
      const red = await getInvoice(s.token, slip.redInvoiceNumber);
      expect(red).toMatchObject({ color: 'red', totalAmount: '-10300.00', totalWithTax: '-11618.00' });
      expect(red.remarks).toContain(`红字发票信息确认单编号：${slip.number}`);
      expect(red.remarks).toContain(`被红冲蓝字数电票号码：${blue.number}`);
      expect((await getInvoice(s.token, blue.number)).status).toBe('red_full');
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
    });

    it('an 02 slip with autoIssue gets its red invoice when the buyer confirms', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '04', [onLine2('-100.00')], { autoIssue: true }));
      expect(slip).toMatchObject({ status: '02', redInvoiceNumber: null });
      const confirmed = await actOk(b.token, slip.id, 'confirm');
      expect(confirmed).toMatchObject({ status: '04', redInvoiceNumber: expect.stringMatching(/^\d{20}$/) });
      const red = await getInvoice(s.token, confirmed.redInvoiceNumber);
      expect(red).toMatchObject({ color: 'red', totalAmount: '-100.00', totalTax: '-6.00', seller: { taxId: s.taxId } });
      // The buyer's confirmation triggered it, but the seller's red invoice is not issued by the buyer.
      const [issued] = await t.dataSource.query('SELECT issued_by FROM invoices WHERE number = ?', [confirmed.redInvoiceNumber]);
      expect(issued.issued_by).toBe('system:auto-issue');
      const read = await getInvoice(s.token, blue.number);
      expect(read.status).toBe('red_partial');
      expect(read.redInvoices.map((r: Json) => r.number)).toEqual([confirmed.redInvoiceNumber]);
      expectProblem(await redInvoice(s.token, slip.id), 409, 'INVALID_STATE');
    });

    it('an autoIssue slip that is rejected issues nothing', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, fullRed(blue, '01', { autoIssue: true }));
      expect(await actOk(b.token, slip.id, 'reject')).toMatchObject({ status: '05', redInvoiceNumber: null });
      const read = await getInvoice(s.token, blue.number);
      expect(read).toMatchObject({ status: 'issued', redInvoices: [] });
    });
  });

  // ---------------------------------------------------------------- 14. lists and visibility

  // API.md: "GET /v1/red-confirmations/{id}; GET /v1/red-confirmations?direction=initiated|received&status="
  // and "another taxpayer's object: 404"; tax officers "read all".
  describe('lists and who may read a slip', () => {
    let s: Party;
    let b: Party;
    let stranger: Party;
    let p: Json; // seller-filed 02
    let q: Json; // buyer-filed 03
    let elsewhere: Json; // a slip between two other taxpayers
    // Each test has its own taxpayers and slips (one test confirms p).
    beforeEach(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      stranger = await seller();
      const strangersBuyer = await buyer();
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      p = await fileOk(s, partRed(blue, '02', [onLine1('-1', '-5000.00')]));
      q = await fileOk(b, partRed(blue, '04', [onLine2('-100.00')]));
      const otherBlue = await issueBlue(stranger, strangersBuyer);
      elsewhere = await fileOk(stranger, fullRed(otherBlue, '01'));
    });

    it('the seller: initiated, received, awaiting, by status', async () => {
      expect(idsOf(await listSlips(s.token))).toEqual([p.id, q.id].sort());
      expect(idsOf(await listSlips(s.token, 'direction=initiated'))).toEqual([p.id]);
      expect(idsOf(await listSlips(s.token, 'direction=received'))).toEqual([q.id]);
      expect(idsOf(await listSlips(s.token, 'direction=awaiting'))).toEqual([q.id]);
      expect(idsOf(await listSlips(s.token, 'status=02'))).toEqual([p.id]);
      expect(idsOf(await listSlips(s.token, 'direction=received&status=03'))).toEqual([q.id]);
      expect(idsOf(await listSlips(s.token, 'direction=initiated&status=03'))).toEqual([]);
      const [item] = await listSlips(s.token, 'direction=initiated');
      expect(item).toMatchObject({ id: p.id, number: p.number, status: '02', blueInvoiceNumber: p.blueInvoiceNumber, totalAmount: '-5000.00' });
    });

    it('the buyer: the mirror image', async () => {
      expect(idsOf(await listSlips(b.token))).toEqual([p.id, q.id].sort());
      expect(idsOf(await listSlips(b.token, 'direction=initiated'))).toEqual([q.id]);
      expect(idsOf(await listSlips(b.token, 'direction=received'))).toEqual([p.id]);
      expect(idsOf(await listSlips(b.token, 'direction=awaiting'))).toEqual([p.id]);
      expect(idsOf(await listSlips(b.token, 'status=03'))).toEqual([q.id]);
    });

    it('each side sees only its own; an unrelated taxpayer gets 404 on GET and on acting', async () => {
      expect(idsOf(await listSlips(stranger.token))).toEqual([elsewhere.id]);
      expectProblem(await t.http(stranger.token).get(`/v1/red-confirmations/${p.id}`), 404, 'NOT_FOUND');
      expectProblem(await t.http(s.token).get(`/v1/red-confirmations/${elsewhere.id}`), 404, 'NOT_FOUND');
      expectProblem(await act(stranger.token, p.id, 'confirm'), 404, 'NOT_FOUND');
      expectProblem(await act(stranger.token, q.id, 'reject'), 404, 'NOT_FOUND');
      expectProblem(await redInvoice(stranger.token, p.id), 404, 'NOT_FOUND');
      expectProblem(await t.http(s.token).get('/v1/red-confirmations/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      expectProblem(await t.http(s.token).get('/v1/red-confirmations/not-a-uuid'), 404, 'NOT_FOUND');
      expect((await getSlip(s.token, p.id)).status).toBe('02');
    });

    it('a tax officer and auditors in scope can read; an officer cannot confirm (403)', async () => {
      expect(await getSlip(officer, p.id)).toMatchObject({ id: p.id, status: '02' });
      expect(idsOf(await listSlips(officer, `taxId=${s.taxId}`))).toEqual([p.id, q.id].sort());
      const sellersAuditor = await apiKey(t, 'auditor', s.taxId);
      expect((await getSlip(sellersAuditor, q.id)).id).toBe(q.id);
      const strangersAuditor = await apiKey(t, 'auditor', stranger.taxId);
      expectProblem(await t.http(strangersAuditor).get(`/v1/red-confirmations/${q.id}`), 404, 'NOT_FOUND');
      expectProblem(await act(officer, p.id, 'confirm'), 403, 'FORBIDDEN');
      expectProblem(await t.http().get(`/v1/red-confirmations/${p.id}`), 401, 'UNAUTHENTICATED');
    });

    it('after the buyer confirms, nothing awaits it and the seller finds the slip under 04', async () => {
      await actOk(b.token, p.id, 'confirm');
      expect(await listSlips(b.token, 'direction=awaiting')).toEqual([]);
      expect(idsOf(await listSlips(s.token, 'status=04'))).toEqual([p.id]);
    });

    it('refuses an unknown direction or status with 400', async () => {
      expectProblem(await t.http(s.token).get('/v1/red-confirmations?direction=sideways'), 400, 'VALIDATION_FAILED', 'direction');
      expectProblem(await t.http(s.token).get('/v1/red-confirmations?status=10'), 400, 'VALIDATION_FAILED', 'status');
    });
  });

  // ---------------------------------------------------------------- 15. verification

  // SPEC 7: "Anyone may verify (查验) an invoice by number, issue date and total." API.md:
  // "POST /v1/verifications (no auth, rate-limited) { number, issueDate, totalWithTax } ->
  // { match: true, color, status }"; 429 RATE_LIMITED "too many requests".
  describe('verification (查验)', () => {
    let s: Party;
    let b: Party;
    let blue: Json;
    let red: Json;
    const verify = (body: Json) => t.http().post('/v1/verifications').send(body);
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      await setClock(t, '2023-07-22T09:00:00+08:00');
      ({ red } = await confirmedRed(s, b, partRed(blue, '04', [onLine2('-100.00')])));
      await setClock(t, T0);
    });

    it('matches a blue invoice without a token, answering color and status and nothing about the parties', async () => {
      const res = await verify({ number: blue.number, issueDate: '2023-07-20', totalWithTax: '11618.00' });
      const body = expectStatus(res, 200);
      expect(body).toMatchObject({ match: true, color: 'blue', status: 'red_partial' });
      const text = JSON.stringify(body);
      for (const secret of [s.taxId, b.taxId, s.body.name, b.body.name]) expect(text).not.toContain(secret);
      for (const key of ['seller', 'buyer', 'sellerTaxId', 'buyerTaxId', 'lines', 'sellerName', 'buyerName']) expect(body).not.toHaveProperty(key);
    });

    it('matches the red invoice with its negative total and issue date', async () => {
      const body = expectStatus(await verify({ number: red.number, issueDate: '2023-07-22', totalWithTax: '-106.00' }), 200);
      expect(body).toMatchObject({ match: true, color: 'red', status: 'issued' });
      const text = JSON.stringify(body);
      for (const secret of [s.taxId, b.taxId, s.body.name, b.body.name]) expect(text).not.toContain(secret);
    });

    it.each([
      ['a wrong total', () => ({ number: blue.number, issueDate: '2023-07-20', totalWithTax: '11618.01' })],
      ['a wrong date', () => ({ number: blue.number, issueDate: '2023-07-21', totalWithTax: '11618.00' })],
      ["the red's total without its sign", () => ({ number: red.number, issueDate: '2023-07-22', totalWithTax: '106.00' })],
      ['an unknown number', () => ({ number: '23229999999999999999', issueDate: '2023-07-20', totalWithTax: '11618.00' })],
    ])('does not match %s, and says nothing more', async (_what, body) => {
      const res = expectStatus(await verify(body()), 200);
      expect(res.match).toBe(false);
      expect(res).not.toHaveProperty('color');
      expect(res).not.toHaveProperty('status');
    });

    // SPEC: "All business time is China Standard Time (Asia/Shanghai, UTC+8)".
    it('takes the issue date in Beijing time: an invoice issued at 00:30 on the 21st (16:30 UTC on the 20th) verifies as 2023-07-21', async () => {
      await setClock(t, '2023-07-21T00:30:00+08:00');
      const early = await issueBlue(s, b);
      await setClock(t, T0);
      expect(expectStatus(await verify({ number: early.number, issueDate: '2023-07-21', totalWithTax: '11618.00' }), 200)).toMatchObject({
        match: true,
        color: 'blue',
        status: 'issued',
      });
      expect(expectStatus(await verify({ number: early.number, issueDate: '2023-07-20', totalWithTax: '11618.00' }), 200).match).toBe(false);
    });

    it('a blue reversed in full verifies as red_full', async () => {
      const other = await issueBlue(s, b);
      const slip = await fileOk(s, fullRed(other, '01'));
      expectStatus(await redInvoice(s.token, slip.id), 201);
      expect(expectStatus(await verify({ number: other.number, issueDate: '2023-07-20', totalWithTax: '11618.00' }), 200)).toMatchObject({
        match: true,
        color: 'blue',
        status: 'red_full',
      });
    });

    it('refuses a total sent as a JSON number with 400', async () => {
      expectProblem(await verify({ number: blue.number, issueDate: '2023-07-20', totalWithTax: 11618 }), 400, 'VALIDATION_FAILED', 'totalWithTax');
    });

    it('is rate-limited: with VERIFY_RATE_LIMIT=3 the 4th call in a minute is 429 RATE_LIMITED with Retry-After', async () => {
      const other = await startApp({ VERIFY_RATE_LIMIT: '3' });
      try {
        const body = { number: '23222000000000000001', issueDate: '2023-07-20', totalWithTax: '11300.00' };
        for (let i = 0; i < 3; i++) expect(expectStatus(await other.http().post('/v1/verifications').send(body), 200).match).toBe(false);
        const res = await other.http().post('/v1/verifications').send(body);
        expectProblem(res, 429, 'RATE_LIMITED');
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      } finally {
        await other.close();
      }
    });
  });

  // ---------------------------------------------------------------- 16. audit

  // API.md "Audit": "the append-only record of every state change (issue, red slip transitions,
  // usage confirmation, ...)". The issue: every transition is an audit event with who, when,
  // from and to.
  describe('every slip transition is an audit event with who, when, from and to', () => {
    let s: Party;
    let b: Party;
    let sellerKey: { id: string; token: string };
    let buyerKey: { id: string; token: string };
    const keyFor = async (taxpayerId: string) =>
      expectStatus(await t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'audited', role: 'taxpayer', taxpayerId }), 201) as {
        id: string;
        token: string;
      };
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
      sellerKey = await keyFor(s.taxId);
      buyerKey = await keyFor(b.taxId);
    });
    afterAll(() => setClock(t, T0));

    it('filed (02), confirmed (04), red issued: created / status / red_issued rows with actor, at, before and after', async () => {
      await setClock(t, '2023-07-20T10:00:00+08:00');
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(buyerKey.token, blue.number), 200);
      const slip = expectStatus(
        await t
          .http(sellerKey.token)
          .post('/v1/red-confirmations')
          .send(partRed(blue, '04', [onLine2('-100.00')])),
        201,
      );
      await setClock(t, '2023-07-20T11:00:00+08:00');
      expectStatus(await act(buyerKey.token, slip.id, 'confirm'), 200);
      await setClock(t, '2023-07-20T12:00:00+08:00');
      const red = expectStatus(await redInvoice(sellerKey.token, slip.id), 201);

      const rows = await auditRows(slip.id, ['red_confirmation.created', 'red_confirmation.status', 'red_confirmation.red_issued']);
      expect(rows.map((r) => r.action)).toEqual(['red_confirmation.created', 'red_confirmation.status', 'red_confirmation.red_issued']);
      const [created, confirmed, issued] = rows;

      expect(created).toMatchObject({ actor: `api_key:${sellerKey.id}`, actorRole: 'taxpayer', objectType: 'red_confirmation' });
      expect(created.at.getTime()).toBe(Date.parse('2023-07-20T10:00:00+08:00'));
      expect(JSON.parse(created.before ?? 'null')).toBeNull(); // nothing before it was filled in
      expect(JSON.parse(created.after!)).toMatchObject({
        status: '02',
        number: slip.number,
        blueNumber: blue.number,
        reason: '04',
        initiator: 'seller',
        totalAmount: '-100.00',
        totalTax: '-6.00',
      });

      expect(confirmed).toMatchObject({ actor: `api_key:${buyerKey.id}`, actorRole: 'taxpayer' });
      expect(confirmed.at.getTime()).toBe(Date.parse('2023-07-20T11:00:00+08:00'));
      expect(JSON.parse(confirmed.before!)).toMatchObject({ status: '02' });
      expect(JSON.parse(confirmed.after!)).toMatchObject({ status: '04' });

      expect(issued).toMatchObject({ actor: `api_key:${sellerKey.id}`, actorRole: 'taxpayer' });
      expect(issued.at.getTime()).toBe(Date.parse('2023-07-20T12:00:00+08:00'));
      expect(JSON.parse(issued.before!)).toMatchObject({ redInvoiceNumber: null });
      expect(JSON.parse(issued.after!)).toMatchObject({ redInvoiceNumber: red.number });
    });

    it("rejection, revocation and expiry are audit events too; expiry is the system's", async () => {
      await setClock(t, '2023-07-20T10:00:00+08:00');
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(buyerKey.token, blue.number), 200);
      const rejected = expectStatus(
        await t
          .http(sellerKey.token)
          .post('/v1/red-confirmations')
          .send(partRed(blue, '04', [onLine2('-10.00')])),
        201,
      );
      expectStatus(await act(buyerKey.token, rejected.id, 'reject'), 200);
      const revoked = expectStatus(
        await t
          .http(buyerKey.token)
          .post('/v1/red-confirmations')
          .send(partRed(blue, '04', [onLine2('-20.00')])),
        201,
      );
      expectStatus(await act(sellerKey.token, revoked.id, 'confirm'), 200);
      await setClock(t, '2023-07-20T10:05:00+08:00'); // audit rows are ordered by business time
      expectStatus(await act(buyerKey.token, revoked.id, 'revoke'), 200);
      const expired = expectStatus(
        await t
          .http(sellerKey.token)
          .post('/v1/red-confirmations')
          .send(partRed(blue, '04', [onLine2('-30.00')])),
        201,
      );
      await setClock(t, '2023-07-23T10:05:00+08:00'); // 72 hours after it was filled in
      expect((await getSlip(sellerKey.token, expired.id)).status).toBe('07');

      const transitions = async (id: string) =>
        (await auditRows(id, ['red_confirmation.status'])).map((r) => [r.actor, JSON.parse(r.before!).status, JSON.parse(r.after!).status]);
      expect(await transitions(rejected.id)).toEqual([[`api_key:${buyerKey.id}`, '02', '05']]);
      expect(await transitions(revoked.id)).toEqual([
        [`api_key:${sellerKey.id}`, '03', '04'],
        [`api_key:${buyerKey.id}`, '04', '09'],
      ]);
      const expiry = await auditRows(expired.id, ['red_confirmation.status']);
      expect(expiry.map((r) => [r.actor, JSON.parse(r.before!).status, JSON.parse(r.after!).status])).toEqual([['system', '02', '07']]);
      expect(expiry[0].at.getTime()).toBe(Date.parse('2023-07-23T10:05:00+08:00'));
    });
  });

  // ---------------------------------------------------------------- 17. concurrency

  // SPEC 6: "Reds never exceed the blue: the sum of all reds and of all live slips on a blue
  // invoice is at most its amount and tax, per line and in total." Under concurrency too.
  describe('concurrent slips never exceed the blue', () => {
    let s: Party;
    let b: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      s = await seller();
      b = await buyer();
    });

    it('10 parallel reason-04 slips of -50.00 on a 300.00 line: exactly 6 are 201 and 4 are 422, summing to -300.00', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const responses = await Promise.all(Array.from({ length: 10 }, () => file(s, partRed(blue, '04', [onLine2('-50.00')]))));
      const created = responses.filter((r) => r.status === 201);
      const refused = responses.filter((r) => r.status !== 201);
      expect(responses.map((r) => r.status).sort()).toEqual([...Array(6).fill(201), ...Array(4).fill(422)]);
      for (const r of refused) expectProblem(r, 422, 'RED_NOT_ALLOWED');
      const lines = created.map((r) => r.body.lines.find((l: Json) => l.blueLineNo === 2));
      expect(money(lines.reduce((acc: number, l: Json) => acc + fenOf(l.amount), 0))).toBe('-300.00');
      expect(money(lines.reduce((acc: number, l: Json) => acc + fenOf(l.taxAmount), 0))).toBe('-18.00');
      expect(new Set(created.map((r) => r.body.id)).size).toBe(6);
      expect(new Set(created.map((r) => r.body.number)).size).toBe(6);
      const live = (await getInvoice(s.token, blue.number)).redConfirmations;
      expect(live).toHaveLength(6);
      expectProblem(await file(s, partRed(blue, '04', [onLine2('-0.01')])), 422, 'RED_NOT_ALLOWED');
    });

    // API.md "Conventions": "The same key with the same body from the same principal returns the
    // first response (same status and body, header `Idempotent-Replayed: true`); ... a concurrent
    // duplicate never creates twice."
    it('an Idempotency-Key replays a slip and a red invoice instead of creating twice, also when concurrent', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const body = partRed(blue, '04', [onLine2('-100.00')]);
      const post = () => t.http(s.token).post('/v1/red-confirmations').set('Idempotency-Key', `slip-${blue.number}`).send(body);
      const [one, two] = await Promise.all([post(), post()]);
      const first = expectStatus(one.headers['idempotent-replayed'] ? two : one, 201);
      const replay = one.headers['idempotent-replayed'] ? one : two;
      expect(expectStatus(replay, 201)).toEqual(first);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect((await getInvoice(s.token, blue.number)).redConfirmations).toHaveLength(1);
      await actOk(b.token, first.id, 'confirm');

      const issue = () => t.http(s.token).post(`/v1/red-confirmations/${first.id}/red-invoice`).set('Idempotency-Key', `red-${first.id}`).send({});
      const red = expectStatus(await issue(), 201);
      const again = await issue();
      expect(expectStatus(again, 201)).toEqual(red);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expectProblem(await redInvoice(s.token, first.id), 409, 'INVALID_STATE'); // without the key it is a second issue
      expect((await getInvoice(s.token, blue.number)).redInvoices).toHaveLength(1);
    });

    it('two parallel issues from one confirmed slip give one red invoice and one 409', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '04', [onLine2('-100.00')]));
      await actOk(b.token, slip.id, 'confirm');
      const responses = await Promise.all([redInvoice(s.token, slip.id), redInvoice(s.token, slip.id)]);
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(
        responses.find((r) => r.status === 409)!,
        409,
        'INVALID_STATE',
      );
      expect((await getInvoice(s.token, blue.number)).redInvoices).toHaveLength(1);
    });

    it('a confirmation racing a revocation: exactly one wins', async () => {
      const blue = await issueBlue(s, b);
      expectStatus(await enterAccounting(b.token, blue.number), 200);
      const slip = await fileOk(s, partRed(blue, '04', [onLine2('-100.00')]));
      const [confirm, revoke] = await Promise.all([act(b.token, slip.id, 'confirm'), act(s.token, slip.id, 'revoke')]);
      const statuses = [confirm.status, revoke.status];
      const final = (await getSlip(s.token, slip.id)).status;
      if (confirm.status === 200 && revoke.status === 200) {
        // confirm first, then a revocation after confirmation
        expect(final).toBe('09');
      } else {
        expect(statuses.sort()).toEqual([200, 409]);
        expect(final).toBe(confirm.status === 200 ? '04' : '08');
      }
      expect(statuses.every((st) => st < 500)).toBe(true);
    });
  });
});
