import { pdfText } from '../support/extract';
import {
  bootApp,
  buyer as newBuyer,
  expectStatus,
  fileSlip,
  getBytes,
  getInvoice,
  getText,
  goodsLine,
  issueInvoice,
  Json,
  LAPTOP,
  officerKey,
  Party,
  redInvoice as redInvoiceOf,
  seller as newSeller,
  slipAction,
  confirmUsage,
  enterAccounting,
} from '../support/drivers';
import { TestApp } from '../support/test-app';

// Issue 11, items 1 to 3: money and state around red letters (SPEC section 6, "While a slip is
// live on a blue invoice ... the blue is locked", "A voided blue cannot be red-lettered", "When the
// red is issued, the slip's conditions are checked again", "A red for reason 04 ... carries no
// quantity and no unit price") and the quota they touch (SPEC section 4: voiding a paper blue and
// a same-month red each give the amount back, never both).

const PERIOD = '2023-07';

describe('red letters: state, locks and the quota (issue 11, items 1-3)', () => {
  let t: TestApp;
  let officer: string;

  beforeAll(async () => {
    t = await bootApp();
    officer = await officerKey(t);
  });
  afterAll(() => t.close());

  const seller = () => newSeller(t);
  const buyer = () => newBuyer(t);
  const issue = (s: Party, b: Party, medium: 'paper' | 'electronic' = 'paper', lines = [goodsLine('1000.00')]) => issueInvoice(t, s, b, { medium, lines });
  const file = (p: Party, body: Json) => fileSlip(t, p, body);
  const voidIt = (s: Party, number: string) => t.http(s.token).post(`/v1/invoices/${number}/void`).send({});
  const redInvoice = (s: Party, id: string) => redInvoiceOf(t, s.token, id);
  const act = (p: Party, id: string, action: string) => slipAction(t, p.token, id, action);
  const usage = (token: string, number: string, purpose: string) => confirmUsage(t, token, number, purpose);
  const entry = (p: Party, number: string, entered: boolean) => enterAccounting(t, p.token, number, entered);
  const invoice = (token: string, number: string) => getInvoice(t, token, number);
  const query = (sql: string, params: unknown[] = []) => t.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;

  /**
   * SPEC 4: used == the sum of the ledger's usage entries == the live invoices of the month (blue
   * ones not voided, plus the same-month reds, which are negative).
   */
  async function ledger(taxId: string) {
    const [month] = await query('SELECT used FROM quota_months WHERE taxpayer_id = ? AND period = ?', [taxId, PERIOD]);
    const rows = await query('SELECT kind, delta FROM quota_ledger WHERE taxpayer_id = ? AND period = ? ORDER BY seq', [taxId, PERIOD]);
    const invoices = await query("SELECT total_amount FROM invoices WHERE seller_tax_id = ? AND period = ? AND (color = 'red' OR status <> 'voided')", [
      taxId,
      PERIOD,
    ]);
    const used = BigInt(String(month.used));
    const usage = rows.filter((r) => r.kind !== 'initial' && r.kind !== 'periodic' && r.kind !== 'temporary' && r.kind !== 'manual');
    return {
      used,
      ledgerUsed: usage.reduce((sum, r) => sum + BigInt(String(r.delta)), 0n),
      live: invoices.reduce((sum, r) => sum + BigInt(String(r.total_amount)), 0n),
      kinds: usage.map((r) => `${r.kind} ${r.delta}`),
    };
  }
  async function expectLedgerHolds(taxId: string) {
    const l = await ledger(taxId);
    expect(l.ledgerUsed).toBe(l.used);
    expect(l.live).toBe(l.used);
    expect(l.used).toBeGreaterThanOrEqual(0n);
    return l;
  }

  describe('SPEC 6: a live slip locks its paper blue against voiding; a voided blue takes no slip and no red', () => {
    it('void while a 01 slip is live: 409 INVALID_STATE naming the slip; the red then issues and the quota comes back once', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      expect(slip.status).toBe('01');
      const refused = expectStatus(await voidIt(s, blue.number), 409);
      expect(refused.code).toBe('INVALID_STATE');
      expect(refused.detail).toContain(slip.number);
      expectStatus(await redInvoice(s, slip.id), 201);
      expect((await invoice(s.token, blue.number)).status).toBe('red_full');
      expect(expectStatus(await voidIt(s, blue.number), 409).code).toBe('INVALID_STATE');
      const l = await expectLedgerHolds(s.taxId);
      expect(l.kinds).toEqual(['issue 100000', 'red_restore -100000']);
      expect(l.used).toBe(0n);
    });

    it('void first: the voided blue takes no slip (422 RED_NOT_ALLOWED), and the quota comes back once', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b);
      expectStatus(await voidIt(s, blue.number), 200);
      expect(expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 422).code).toBe('RED_NOT_ALLOWED');
      const l = await expectLedgerHolds(s.taxId);
      expect(l.kinds).toEqual(['issue 100000', 'paper_void_restore -100000']);
    });

    it('a revoked slip releases the blue: it can be voided again', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      expectStatus(await voidIt(s, blue.number), 409);
      expectStatus(await act(s, slip.id, 'revoke'), 200);
      expectStatus(await voidIt(s, blue.number), 200);
      await expectLedgerHolds(s.taxId);
    });

    it('the red re-checks its blue under the lock: a blue found voided takes no red (422 RED_NOT_ALLOWED)', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      // As data written before the lock existed would stand: the blue voided with the slip live.
      await query("UPDATE invoices SET status = 'voided' WHERE number = ?", [blue.number]);
      const refused = expectStatus(await redInvoice(s, slip.id), 422);
      expect(refused.code).toBe('RED_NOT_ALLOWED');
      expect(refused.detail).toContain('voided');
      expect(Number((await query('SELECT COUNT(*) AS c FROM invoices WHERE blue_number = ?', [blue.number]))[0].c)).toBe(0);
    });

    it('5 voids racing one red: the red issues, every void is refused, the quota comes back once', async () => {
      const [s, b] = [await seller(), await buyer()];
      for (let round = 0; round < 3; round++) {
        const blue = await issue(s, b);
        const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
        const results = await Promise.all([redInvoice(s, slip.id), ...Array.from({ length: 5 }, () => voidIt(s, blue.number))]);
        expect(results[0].status).toBe(201);
        for (const v of results.slice(1)) {
          expect(v.status).toBe(409);
          expect(v.body.code).toBe('INVALID_STATE');
        }
        expect((await invoice(s.token, blue.number)).status).toBe('red_full');
      }
      const l = await expectLedgerHolds(s.taxId);
      expect(l.used).toBe(0n);
      expect(l.kinds.filter((k) => k.startsWith('paper_void_restore'))).toEqual([]);
    });

    it('5 voids racing one slip: either the slip or one void wins, never both', async () => {
      const [s, b] = [await seller(), await buyer()];
      for (let round = 0; round < 3; round++) {
        const blue = await issue(s, b);
        const [filed, ...voids] = await Promise.all([
          file(s, { blueInvoiceNumber: blue.number, reason: '01' }),
          ...Array.from({ length: 5 }, () => voidIt(s, blue.number)),
        ]);
        const voided = voids.filter((v) => v.status === 200).length;
        expect(voids.every((v) => v.status === 200 || (v.status === 409 && v.body.code === 'INVALID_STATE'))).toBe(true);
        if (filed.status === 201) {
          expect(voided).toBe(0);
          expectStatus(await redInvoice(s, filed.body.id), 201);
        } else {
          expect(filed.status).toBe(422);
          expect(filed.body.code).toBe('RED_NOT_ALLOWED');
          expect(voided).toBe(1);
        }
      }
      await expectLedgerHolds(s.taxId);
    });
  });

  describe('SPEC 5/6: a live slip locks usage confirmation and accounting entry; the red re-checks the slip', () => {
    it('a 01 slip: the buyer can neither confirm a usage nor enter the invoice (409 naming the slip); after revoking it can', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic');
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      for (const purpose of ['export_refund', 'deduction']) {
        const refused = expectStatus(await usage(b.token, blue.number, purpose), 409);
        expect(refused.code).toBe('INVALID_STATE');
        expect(refused.detail).toContain(slip.number);
      }
      expect(expectStatus(await entry(b, blue.number, true), 409).detail).toContain(slip.number);
      const after = await invoice(b.token, blue.number);
      expect(after.usage).toBeNull();
      expect(after.accountingEntry).toBe('not_entered');
      expectStatus(await act(s, slip.id, 'revoke'), 200);
      expectStatus(await usage(b.token, blue.number, 'deduction'), 200);
    });

    it('a slip awaiting confirmation (02): no change to the accounting entry or usage, not even by a tax officer, until it is rejected', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic');
      expectStatus(await usage(b.token, blue.number, 'no_deduction'), 200);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      expect(slip.status).toBe('02');
      expect(expectStatus(await entry(b, blue.number, true), 409).code).toBe('INVALID_STATE');
      expect(expectStatus(await usage(officer, blue.number, 'export_refund'), 409).code).toBe('INVALID_STATE');
      expectStatus(await act(b, slip.id, 'reject'), 200);
      expectStatus(await entry(b, blue.number, true), 200);
    });

    it('usage confirmation is refused on a red_full blue and on a red invoice', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic');
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      const red = expectStatus(await redInvoice(s, slip.id), 201);
      const onBlue = expectStatus(await usage(b.token, blue.number, 'deduction'), 409);
      expect(onBlue.code).toBe('INVALID_STATE');
      expect(onBlue.detail).toContain('red_full');
      expect(expectStatus(await usage(b.token, red.number, 'deduction'), 409).code).toBe('INVALID_STATE');
    });

    it('issuing the red checks the slip again: export refund, and a 01 slip whose buyer has acted since, are refused', async () => {
      const [s, b] = [await seller(), await buyer()];
      const cases: [string, string, string][] = [
        ['usage', 'export_refund', 'export_refund'],
        ['usage', 'deduction', 'buyer'],
        ['accounting_entry', 'entered', 'buyer'],
      ];
      for (const [column, value, expected] of cases) {
        const blue = await issue(s, b, 'electronic');
        const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
        // The HTTP routes are locked now (above): write the change as an out-of-band correction would.
        await query(`UPDATE invoices SET ${t.dataSource.driver.escape(column)} = ? WHERE number = ?`, [value, blue.number]);
        const refused = expectStatus(await redInvoice(s, slip.id), 422);
        expect(refused.code).toBe('RED_NOT_ALLOWED');
        expect(refused.detail).toContain(expected);
        expect((await invoice(s.token, blue.number)).status).toBe('issued');
      }
      await expectLedgerHolds(s.taxId);
    });

    it('a slip recording an input-tax transfer-out needs a deducted blue when its red is issued', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic');
      expectStatus(await usage(b.token, blue.number, 'no_deduction'), 200);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '01' }), 201);
      expectStatus(await act(b, slip.id, 'confirm'), 200);
      await query('UPDATE red_confirmations SET input_tax_transfer_out = ? WHERE id = ?', ['-13000', slip.id]);
      const refused = expectStatus(await redInvoice(s, slip.id), 422);
      expect(refused.code).toBe('RED_NOT_ALLOWED');
      expect(refused.detail).toContain('inputTaxTransferOut');
    });
  });

  describe('SPEC 6: a red for reason 04 (销售折让) carries no quantity and no unit price', () => {
    const parseCsv = (text: string) => {
      const [head, ...rows] = text
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      const names = head.split(',');
      return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i], v])));
    };

    it('a partial 04 red: JSON, CSV, jsonl and XML show amounts only', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic', [LAPTOP]);
      expectStatus(await entry(b, blue.number, true), 200);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '04', lines: [{ blueLineNo: 1, amount: '-1000.00' }] }), 201);
      expectStatus(await act(b, slip.id, 'confirm'), 200);
      const red = expectStatus(await redInvoice(s, slip.id), 201);
      expect(red.lines[0]).toMatchObject({ quantity: null, unitPrice: null, amount: '-1000.00' });
      expect((await invoice(s.token, red.number)).lines[0]).toMatchObject({ quantity: null, unitPrice: null });

      const xml = await getText(t, s.token, `/v1/invoices/${red.number}/xml`);
      expect(xml.status).toBe(200);
      expect(xml.body).toContain('<Quantity></Quantity>');
      expect(xml.body).toContain('<UnPrice></UnPrice>');
      expect(xml.body).toContain('<Amount>-1000.00</Amount>');

      const csv = await getText(t, s.token, `/v1/exports/invoices?format=csv&color=red`);
      expect(csv.status).toBe(200);
      const row = parseCsv(csv.body as unknown as string).find((r) => r.number === red.number || Object.values(r).includes(red.number))!;
      expect(row).toBeDefined();
      expect(row.quantity).toBe('');
      expect(row.unitPrice).toBe('');
      const jsonl = await getText(t, s.token, `/v1/exports/invoices?format=jsonl&color=red`);
      const record = (jsonl.body as unknown as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((r) => JSON.stringify(r).includes(red.number));
      expect(JSON.stringify(record)).toContain('"unitPrice":null');
      expect(JSON.stringify(record)).not.toContain('"unitPrice":"5000');

      // The face: the amount and its tax, no unit price (the blue's was 5000.00) and no quantity.
      const pdf = await getBytes(t, s.token, `/v1/invoices/${red.number}/pdf`);
      expect(pdf.status).toBe(200);
      const face = pdfText(pdf.body as Buffer);
      expect(face).toContain('-1000.00');
      expect(face).not.toMatch(/5000(\.0+)?\b/);
    });

    it('a full 04 red (no buyer action, 01) carries no quantity either, on the slip and on the red', async () => {
      const [s, b] = [await seller(), await buyer()];
      const blue = await issue(s, b, 'electronic', [LAPTOP]);
      const slip = expectStatus(await file(s, { blueInvoiceNumber: blue.number, reason: '04' }), 201);
      expect(slip.lines[0].quantity).toBeNull();
      const red = expectStatus(await redInvoice(s, slip.id), 201);
      expect(red.lines[0]).toMatchObject({ quantity: null, unitPrice: null, amount: '-10000.00' });
      expect((await invoice(s.token, blue.number)).status).toBe('red_full');
    });
  });
});
