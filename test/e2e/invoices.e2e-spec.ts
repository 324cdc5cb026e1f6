import { apiExampleBody, bootApp, expectStatus, issue as post, Json, LAPTOP, officerKey, Party, seller as register, T0 } from '../support/drivers';
import { expectProblem } from '../support/problems';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, apiKey, setClock, TestApp } from '../support/test-app';

// Issuing, reading, listing, voiding and batch-issuing blue invoices over HTTP.
// SPEC sections 2 (the invoice), 3 (the number), 4 (the quota); API.md "Conventions" and "Invoices".

/** The line of the API.md example (the canonical invoice's first line). */
const exampleLine = (extra: Json = {}): Json => ({ ...LAPTOP, ...extra });

/** A line without quantity and unit price (amount only). */
const amountLine = (amount: string, extra: Json = {}): Json => ({
  name: '技术服务费',
  taxClassificationCode: '3040201990000000000',
  categoryShortName: '信息技术服务',
  amount,
  taxRate: '0.06',
  ...extra,
});

/** The API.md example body (see the drivers). */
const exampleBody = apiExampleBody;

/** An ordinary invoice of one amount-only line at 6%. */
const ordinaryBody = (buyerTaxId: string | undefined, amount: string, extra: Json = {}): Json => ({
  type: 'ordinary',
  buyer: { ...(buyerTaxId === undefined ? {} : { taxId: buyerTaxId }), name: buyerTaxId ? '某某公司' : '张三' },
  lines: [amountLine(amount)],
  ...extra,
});

const setOf = (numbers: string[]) => [...numbers].sort();

const expect201 = (res: Parameters<typeof expectStatus>[0]): Json => expectStatus(res, 201);

describe('invoices', () => {
  let t: TestApp;
  let officer: string;
  let unscopedAuditor: string;

  const issue = (token: string, body: Json, key?: string) => post(t, token, body, key);
  const issueOk = async (token: string, body: Json) => expect201(await issue(token, body));
  const party = (extra: Json = {}, province = '22'): Promise<Party> => register(t, extra, province);
  const quota = async (p: Party, period?: string) =>
    (
      await t
        .http(p.token)
        .get(`/v1/taxpayers/${p.taxId}/quota${period ? `/${period}` : ''}`)
        .expect(200)
    ).body;
  const list = async (token: string, query = '') => {
    const res = await t.http(token).get(`/v1/invoices${query ? `?${query}` : ''}`);
    if (res.status !== 200) throw new Error(`list ${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { items: Json[]; nextCursor: string | null };
  };
  const numbersOf = async (token: string, query = '') => (await list(token, query)).items.map((i) => i.number as string);

  beforeAll(async () => {
    t = await bootApp();
    officer = await officerKey(t);
    unscopedAuditor = await apiKey(t, 'auditor');
  });
  afterAll(() => t.close());

  // SPEC 2 (face content, *简称*名称, 价税合计 in words), SPEC 3 (YY PP C SSSSSSSSSSSSSSS),
  // API.md "Invoices" (POST /v1/invoices 201 body, GET /v1/invoices/{number}).
  describe('issuing the API.md example', () => {
    let jilin: Party;
    let guangdong: Party;
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      jilin = await party({}, '22');
      guangdong = await party({}, '44');
      buyer = await party({ name: '河南某某有限公司' }, '41');
    });

    it('answers 201 with the face of a 数电专票 and a 20-digit number YY PP C SSS...', async () => {
      const res = await issue(jilin.token, exampleBody(buyer.taxId));
      const body = expect201(res);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const number = body.number as string;
      expect(number).toMatch(/^\d{20}$/);
      expect(number.slice(0, 2)).toBe('23'); // the clock's year
      expect(number.slice(2, 4)).toBe('22'); // the seller's province
      expect(number[4]).toBe('2'); // the default channel
      const seller = jilin.body;
      expect(body).toMatchObject({
        type: 'special',
        medium: 'electronic',
        color: 'blue',
        status: 'issued',
        issuedAt: T0,
        seller: {
          taxId: jilin.taxId,
          name: seller.name,
          address: seller.address,
          phone: seller.phone,
          bankName: seller.bankName,
          bankAccount: seller.bankAccount,
        },
        buyer: {
          taxId: buyer.taxId,
          name: '河南某某有限公司',
          address: '郑州市金水区花园路1号',
          phone: '0371-66666666',
          bankName: '中国银行郑州分行',
          bankAccount: '6200000000000000001',
          email: 'ap@example.com',
        },
        priceIncludesTax: false,
        totalAmount: '10000.00',
        totalTax: '1300.00',
        totalWithTax: '11300.00',
        totalWithTaxInWords: '壹万壹仟叁佰圆整',
        remarks: '',
        drawer: '张三',
        specificBusiness: null,
        usage: null,
        accountingEntry: 'not_entered',
        redConfirmations: [],
        redInvoices: [],
      });
      expect(body.lines).toHaveLength(1);
      const [line] = body.lines as Json[];
      expect(line).toMatchObject({
        lineNo: 1,
        name: '*计算机*笔记本电脑',
        taxClassificationCode: '1090511030000000000',
        spec: 'X1',
        unit: '台',
        amount: '10000.00',
        taxRate: '0.13',
        taxAmount: '1300.00',
      });
      expect(Number(line.quantity)).toBe(2);
      expect(Number(line.unitPrice)).toBe(5000);

      const read = await t.http(jilin.token).get(`/v1/invoices/${number}`).expect(200);
      expect(read.body).toEqual(body);
    });

    it("takes digits 3-4 from the seller's province (44 Guangdong)", async () => {
      const body = await issueOk(guangdong.token, exampleBody(buyer.taxId));
      expect((body.number as string).slice(0, 5)).toBe('23442');
      expect((await t.http(guangdong.token).get(`/v1/invoices/${body.number}`).expect(200)).body).toEqual(body);
    });

    it('gives successive invoices distinct numbers', async () => {
      const numbers: string[] = [];
      for (let i = 0; i < 5; i++) numbers.push((await issueOk(jilin.token, exampleBody(buyer.taxId))).number as string);
      expect(new Set(numbers).size).toBe(5);
      for (const n of numbers) expect(n.slice(0, 5)).toBe('23222');
    });

    it('gives 10 concurrent invoices 10 distinct numbers, and counts each in the quota', async () => {
      const before = Number((await quota(jilin)).used);
      const responses = await Promise.all(Array.from({ length: 10 }, () => issue(jilin.token, exampleBody(buyer.taxId))));
      const numbers = responses.map((r) => expect201(r).number as string);
      expect(new Set(numbers).size).toBe(10);
      expect(Number((await quota(jilin)).used) - before).toBeCloseTo(100000, 2); // pre-tax amounts, 10 x 10000.00
    });

    it('takes the year from the clock in Beijing time: 23 at 2023-12-31T23:59:59, 24 at 2024-01-01T00:00:00', async () => {
      try {
        await setClock(t, '2023-12-31T23:59:59+08:00');
        const december = await issueOk(jilin.token, exampleBody(buyer.taxId));
        expect(december.issuedAt).toBe('2023-12-31T23:59:59+08:00');
        expect((december.number as string).slice(0, 5)).toBe('23222');
        await setClock(t, '2024-01-01T00:00:00+08:00');
        const january = await issueOk(jilin.token, exampleBody(buyer.taxId));
        expect(january.issuedAt).toBe('2024-01-01T00:00:00+08:00');
        expect((january.number as string).slice(0, 5)).toBe('24222');
        expect(january.number).not.toBe(december.number);
      } finally {
        await setClock(t, T0);
      }
    });
  });

  // SPEC 2: "A line's tax = amount x rate rounded to 分 (half up); a supplied tax may differ from
  // that by at most 0.06. When the client sends tax-inclusive amounts, amount =
  // round(inclusive / (1 + rate)) and tax = inclusive - amount. Totals are sums of the lines."
  // Rates 13%, 9%, 6%, 5%, 3%, 1.5%, 1%, 0%; tax-free lines carry 优惠政策标识 and a zero tax.
  // API.md "Error codes": 422 TAX_MISMATCH.
  describe('tax math', () => {
    let seller: Party;
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party();
      buyer = await party({}, '41');
    });

    it('splits a tax-inclusive amount: 11300.00 at 0.13 is 10000.00 + 1300.00', async () => {
      const body = await issueOk(
        seller.token,
        exampleBody(buyer.taxId, {
          priceIncludesTax: true,
          lines: [exampleLine({ unitPrice: '5650.00', amount: '11300.00' })],
        }),
      );
      expect(body).toMatchObject({
        priceIncludesTax: true,
        totalAmount: '10000.00',
        totalTax: '1300.00',
        totalWithTax: '11300.00',
        totalWithTaxInWords: '壹万壹仟叁佰圆整',
      });
      const [line] = body.lines as Json[];
      expect(line).toMatchObject({ amount: '10000.00', taxAmount: '1300.00' });
      // the printed quantity x unit price agrees with the pre-tax amount
      expect(Math.abs(Number(line.quantity) * Number(line.unitPrice) - 10000)).toBeLessThanOrEqual(0.01);
    });

    it('rounds an inclusive amount half up: 100.00 at 0.13 is 88.50 + 11.50', async () => {
      // 100 / 1.13 = 88.4955... -> 88.50
      const body = await issueOk(
        seller.token,
        ordinaryBody(buyer.taxId, '100.00', { priceIncludesTax: true, lines: [amountLine('100.00', { taxRate: '0.13' })] }),
      );
      expect(body).toMatchObject({ totalAmount: '88.50', totalTax: '11.50', totalWithTax: '100.00', totalWithTaxInWords: '壹佰圆整' });
    });

    it.each([['1300.06'], ['1299.94'], ['1300.00']])('accepts and keeps a supplied tax of %s (within 0.06 of 1300.00)', async (tax) => {
      const body = await issueOk(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ taxAmount: tax })] }));
      expect((body.lines as Json[])[0]).toMatchObject({ amount: '10000.00', taxAmount: tax });
      expect(body).toMatchObject({ totalAmount: '10000.00', totalTax: tax });
      expect(body.totalWithTax).toBe((10000 + Number(tax)).toFixed(2));
    });

    it.each([['1300.07'], ['1299.93'], ['0.00']])('refuses a supplied tax of %s with 422 TAX_MISMATCH naming lines[0].taxAmount', async (tax) => {
      const res = await issue(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ taxAmount: tax })] }));
      expectProblem(res, 422, 'TAX_MISMATCH', 'lines[0].taxAmount');
    });

    it("names the right line when the second line's tax is off", async () => {
      const res = await issue(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine(), exampleLine({ taxAmount: '1400.00' })] }));
      expectProblem(res, 422, 'TAX_MISMATCH', 'lines[1].taxAmount');
      expect(res.body.errors.map((e: Json) => e.field)).not.toContain('lines[0].taxAmount');
    });

    it('keeps what the buyer pays when a supplied tax comes with an inclusive amount', async () => {
      const body = await issueOk(
        seller.token,
        exampleBody(buyer.taxId, {
          priceIncludesTax: true,
          lines: [exampleLine({ unitPrice: '5650.00', amount: '11300.00', taxAmount: '1300.05' })],
        }),
      );
      expect((body.lines as Json[])[0]).toMatchObject({ taxAmount: '1300.05' });
      expect(body).toMatchObject({ totalTax: '1300.05', totalWithTax: '11300.00' });
      expect(Number(body.totalAmount) + Number(body.totalTax)).toBeCloseTo(11300, 2);
    });

    it('accepts quantity x unitPrice within 0.01 of the amount', async () => {
      const body = await issueOk(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ amount: '10000.01' })] }));
      expect(body).toMatchObject({ totalAmount: '10000.01', totalTax: '1300.00' }); // 1300.0013 -> 1300.00
    });

    it.each([['10000.02'], ['9999.98'], ['20000.00']])(
      'refuses quantity 2 x unitPrice 5000.00 against amount %s with 400 naming lines[0].amount',
      async (amount) => {
        const res = await issue(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ amount })] }));
        expectProblem(res, 400, 'VALIDATION_FAILED', 'lines[0].amount');
      },
    );

    it('carries a unit price with 13 decimals, as the real platform prints it', async () => {
      // 3 x 15841.5841584158 = 47524.7524752474 -> 47524.75; tax 6178.2175 -> 6178.22
      const body = await issueOk(
        seller.token,
        exampleBody(buyer.taxId, {
          lines: [exampleLine({ quantity: '3', unitPrice: '15841.5841584158', amount: '47524.75' })],
        }),
      );
      expect((body.lines as Json[])[0]).toMatchObject({ quantity: '3', unitPrice: '15841.5841584158', amount: '47524.75', taxAmount: '6178.22' });
      expect(body).toMatchObject({ totalWithTax: '53702.97', totalWithTaxInWords: '伍万叁仟柒佰零贰圆玖角柒分' });
    });

    it("accepts every rate in the set and sums the lines' taxes", async () => {
      const rates = ['0.13', '0.09', '0.06', '0.05', '0.03', '0.015', '0.01', '0'];
      const body = await issueOk(seller.token, ordinaryBody(buyer.taxId, '1000.00', { lines: rates.map((taxRate) => amountLine('1000.00', { taxRate })) }));
      expect((body.lines as Json[]).map((l) => [l.lineNo, l.taxRate, l.taxAmount])).toEqual([
        [1, '0.13', '130.00'],
        [2, '0.09', '90.00'],
        [3, '0.06', '60.00'],
        [4, '0.05', '50.00'],
        [5, '0.03', '30.00'],
        [6, '0.015', '15.00'],
        [7, '0.01', '10.00'],
        [8, '0', '0.00'],
      ]);
      expect(body).toMatchObject({ totalAmount: '8000.00', totalTax: '385.00', totalWithTax: '8385.00', totalWithTaxInWords: '捌仟叁佰捌拾伍圆整' });
    });

    it("rounds each line's tax half up to the fen and totals the rounded lines", async () => {
      // 100.05 x 0.13 = 13.0065 -> 13.01; 33.33 x 0.06 = 1.9998 -> 2.00; 0.50 x 0.05 = 0.025 -> 0.03
      const body = await issueOk(
        seller.token,
        ordinaryBody(buyer.taxId, '1.00', {
          lines: [amountLine('100.05', { taxRate: '0.13' }), amountLine('33.33', { taxRate: '0.06' }), amountLine('0.50', { taxRate: '0.05' })],
        }),
      );
      expect((body.lines as Json[]).map((l) => l.taxAmount)).toEqual(['13.01', '2.00', '0.03']);
      expect(body).toMatchObject({ totalAmount: '133.88', totalTax: '15.04', totalWithTax: '148.92', totalWithTaxInWords: '壹佰肆拾捌圆玖角贰分' });
    });

    it.each([['0.17'], ['0.1'], ['13%'], ['0.130']])('refuses the rate %s with 400 naming lines[0].taxRate', async (taxRate) => {
      const res = await issue(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ taxRate })] }));
      expectProblem(res, 400, 'VALIDATION_FAILED', 'lines[0].taxRate');
    });

    it('refuses a rate sent as a JSON number', async () => {
      const res = await issue(seller.token, exampleBody(buyer.taxId, { lines: [exampleLine({ taxRate: 0.13 })] }));
      expectProblem(res, 400, 'VALIDATION_FAILED', 'lines[0].taxRate');
    });

    it.each([
      ['03', '免税'],
      ['04', '不征税'],
    ])('a line with preferentialPolicy %s (%s) and rate 0 carries a zero tax', async (policy) => {
      const body = await issueOk(
        seller.token,
        ordinaryBody(buyer.taxId, '500.00', {
          lines: [amountLine('500.00', { taxRate: '0', preferentialPolicy: policy }), amountLine('100.00')],
        }),
      );
      expect((body.lines as Json[])[0]).toMatchObject({ amount: '500.00', taxRate: '0', taxAmount: '0.00', preferentialPolicy: policy });
      expect(body).toMatchObject({ totalAmount: '600.00', totalTax: '6.00', totalWithTax: '606.00' });
    });

    it('refuses a tax-free line with a rate other than 0', async () => {
      const res = await issue(
        seller.token,
        ordinaryBody(buyer.taxId, '500.00', { lines: [amountLine('500.00', { taxRate: '0.13', preferentialPolicy: '03' })] }),
      );
      expectProblem(res, 400, 'VALIDATION_FAILED', 'lines[0].taxRate');
    });

    it('refuses an unknown preferential-policy flag', async () => {
      const res = await issue(seller.token, ordinaryBody(buyer.taxId, '500.00', { lines: [amountLine('500.00', { taxRate: '0', preferentialPolicy: '99' })] }));
      expectProblem(res, 400, 'VALIDATION_FAILED', 'lines[0].preferentialPolicy');
    });
  });

  // API.md "Conventions": money is a decimal string ("a client that sends a JSON number for money
  // gets a 400"); errors are problem details with `errors` per field, never a 500 for bad input.
  // API.md "Invoices" / SPEC 1-2: special invoices need the buyer's tax id (a natural person has
  // none and gets an ordinary one); 19-digit tax classification codes; up to 2000 lines.
  describe('validation', () => {
    let seller: Party;
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party();
      buyer = await party({}, '41');
    });

    const wrongCheck = () => {
      const valid = makeTaxId('41');
      const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
      return valid.slice(0, 17) + alphabet[(alphabet.indexOf(valid[17]) + 1) % alphabet.length];
    };

    const cases: [string, (b: string, s: string) => Json, string][] = [
      ['money as a JSON number', (b) => exampleBody(b, { lines: [exampleLine({ amount: 10000 })] }), 'lines[0].amount'],
      ['a tax as a JSON number', (b) => exampleBody(b, { lines: [exampleLine({ taxAmount: 1300 })] }), 'lines[0].taxAmount'],
      ['money with one decimal', (b) => exampleBody(b, { lines: [exampleLine({ amount: '10000.0' })] }), 'lines[0].amount'],
      ['money of 0.00', (b) => exampleBody(b, { lines: [amountLine('0.00')] }), 'lines[0].amount'],
      ['negative money', (b) => exampleBody(b, { lines: [amountLine('-100.00')] }), 'lines[0].amount'],
      ['a quantity as a JSON number', (b) => exampleBody(b, { lines: [exampleLine({ quantity: 2 })] }), 'lines[0].quantity'],
      ['a quantity of 0', (b) => exampleBody(b, { lines: [exampleLine({ quantity: '0', amount: '0.01' })] }), 'lines[0].quantity'],
      ['a quantity without a unit price', (b) => exampleBody(b, { lines: [exampleLine({ unitPrice: undefined })] }), 'lines[0].unitPrice'],
      ['a unit price with 14 decimals', (b) => exampleBody(b, { lines: [exampleLine({ unitPrice: '5000.00000000000001' })] }), 'lines[0].unitPrice'],
      ['an unknown top-level field', (b) => exampleBody(b, { discount: '1.00' }), 'discount'],
      ['an unknown line field', (b) => exampleBody(b, { lines: [exampleLine({ discount: '1.00' })] }), 'lines[0].discount'],
      ['an unknown buyer field', (b) => exampleBody(b, { buyer: { taxId: b, name: 'x', nickname: 'y' } }), 'buyer.nickname'],
      ['no lines', (b) => exampleBody(b, { lines: [] }), 'lines'],
      ['2001 lines', (b) => exampleBody(b, { lines: Array.from({ length: 2001 }, () => amountLine('1.00')) }), 'lines'],
      ['lines that are not a list', (b) => exampleBody(b, { lines: 'many' }), 'lines'],
      [
        'a tax classification code of 18 digits',
        (b) => exampleBody(b, { lines: [exampleLine({ taxClassificationCode: '109051103000000000' })] }),
        'lines[0].taxClassificationCode',
      ],
      [
        'a tax classification code of 20 digits',
        (b) => exampleBody(b, { lines: [exampleLine({ taxClassificationCode: '10905110300000000000' })] }),
        'lines[0].taxClassificationCode',
      ],
      [
        'a tax classification code with a letter',
        (b) => exampleBody(b, { lines: [exampleLine({ taxClassificationCode: '109051103000000000A' })] }),
        'lines[0].taxClassificationCode',
      ],
      ['a name that starts with *', (b) => exampleBody(b, { lines: [exampleLine({ name: '*计算机*笔记本电脑' })] }), 'lines[0].name'],
      ['a special invoice without buyer.taxId', () => exampleBody(undefined), 'buyer.taxId'],
      ['a buyer tax id with a wrong check character', () => exampleBody(wrongCheck()), 'buyer.taxId'],
      ['a buyer tax id of 17 characters', (b) => exampleBody(b.slice(0, 17)), 'buyer.taxId'],
      ['the seller as its own buyer', (_b, s) => exampleBody(s), 'buyer.taxId'],
      ['no buyer', (b) => ({ ...exampleBody(b), buyer: undefined }), 'buyer'],
      ['a buyer without a name', (b) => exampleBody(b, { buyer: { taxId: b } }), 'buyer.name'],
      ['an unknown type', (b) => exampleBody(b, { type: 'vat' }), 'type'],
      ['an unknown medium', (b) => exampleBody(b, { medium: 'fax' }), 'medium'],
      ['priceIncludesTax as a string', (b) => exampleBody(b, { priceIncludesTax: 'true' }), 'priceIncludesTax'],
      ['a line that is null', (b) => exampleBody(b, { lines: [null] }), 'lines[0]'],
      ['a buyer that is a list', (b) => exampleBody(b, { buyer: [b] }), 'buyer'],
      ['a total above 9999999999999.99', (b) => exampleBody(b, { lines: [amountLine('9999999999999.99', { taxRate: '0.13' })] }), 'lines'],
    ];

    it.each(cases)('refuses %s with 400 VALIDATION_FAILED naming the field', async (_what, make, field) => {
      const res = await issue(seller.token, make(buyer.taxId, seller.taxId));
      expectProblem(res, 400, 'VALIDATION_FAILED', field);
    });

    it('refused requests issue nothing', async () => {
      // its own seller, refused every case above, so that it holds whatever ran before it
      const refused = await party();
      for (const [, make] of cases) expect((await issue(refused.token, make(buyer.taxId, refused.taxId))).status).toBe(400);
      expect(await numbersOf(refused.token)).toEqual([]);
      expect((await quota(refused)).used).toBe('0.00');
    });

    // The DTO marks these optional (class-validator's @IsOptional lets null through) and the
    // invoice view itself answers `quantity: null`, `unitPrice: null` and `buyer.taxId: null`:
    // a client sending null back means "absent", and must never get a 500.
    it.each([
      [
        'quantity and unitPrice',
        (b: string) => exampleBody(b, { lines: [amountLine('100.00', { quantity: null, unitPrice: null })] }),
        { totalAmount: '100.00', totalTax: '6.00' },
      ],
      ['taxAmount', (b: string) => exampleBody(b, { lines: [amountLine('100.00', { taxAmount: null })] }), { totalAmount: '100.00', totalTax: '6.00' }],
      [
        'preferentialPolicy',
        (b: string) => exampleBody(b, { lines: [amountLine('100.00', { preferentialPolicy: null })] }),
        { totalAmount: '100.00', totalTax: '6.00' },
      ],
      [
        'buyer.taxId of a natural person',
        () => ordinaryBody(undefined, '100.00', { buyer: { taxId: null, name: '张三' } }),
        { buyer: expect.objectContaining({ taxId: null }) },
      ],
      [
        'remarks, drawer, medium and buyer.email',
        (b: string) => exampleBody(b, { remarks: null, drawer: null, medium: null, buyer: { taxId: b, name: '某某公司', email: null } }),
        { remarks: '', drawer: '', medium: 'electronic' },
      ],
    ])('treats null %s as absent', async (_what, make, expected) => {
      const res = await issue(seller.token, make(buyer.taxId));
      expect(res.status).toBeLessThan(500);
      expect(expect201(res)).toMatchObject(expected);
    });

    it('issues an ordinary invoice to a natural person without a tax id', async () => {
      const body = await issueOk(seller.token, ordinaryBody(undefined, '88.00'));
      expect(body).toMatchObject({ type: 'ordinary', buyer: { taxId: null, name: '张三' }, totalAmount: '88.00', totalTax: '5.28' });
      expect((await t.http(seller.token).get(`/v1/invoices/${body.number}`).expect(200)).body).toEqual(body);
    });

    it('issues an invoice of 2000 lines, the maximum', async () => {
      const body = await issueOk(
        seller.token,
        exampleBody(buyer.taxId, { lines: Array.from({ length: 2000 }, () => amountLine('1.00', { taxRate: '0.13' })) }),
      );
      expect(body).toMatchObject({ totalAmount: '2000.00', totalTax: '260.00', totalWithTax: '2260.00' });
      const read = (await t.http(buyer.token).get(`/v1/invoices/${body.number}`).expect(200)).body;
      expect(read.lines).toHaveLength(2000);
      expect(read.lines.map((l: Json) => l.lineNo)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    });
  });

  // SPEC 2: specific businesses (特定业务) 03 建筑服务, 04 货物运输服务, 06 不动产经营租赁 carry
  // extra structured fields; the OpenAPI description of specificBusiness lists the fields.
  describe('specific businesses', () => {
    let seller: Party;
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party();
      buyer = await party({}, '41');
    });

    const construction = { type: '03', location: '吉林省长春市南关区人民大街', projectName: '长春地铁6号线土建工程', crossCity: false };
    const transport = {
      type: '04',
      transports: [
        { transportType: '公路运输', plateNumber: '吉A12345', origin: '吉林省长春市', destination: '河南省郑州市', goods: '电子产品' },
        { transportType: '铁路运输', plateNumber: 'X2401', origin: '河南省郑州市', destination: '广东省广州市', goods: '电子产品' },
      ],
    };
    const lease = {
      type: '06',
      propertyCertificateNumber: '吉(2023)长春市不动产权第0000001号',
      propertyAddress: '吉林省长春市朝阳区工农大路8号',
      leaseStart: '2023-07-01',
      leaseEnd: '2024-06-30',
      crossCity: true,
      areaUnit: '平方米',
    };

    it.each([
      ['03 建筑服务', construction],
      ['04 货物运输服务', transport],
      ['06 不动产经营租赁', lease],
    ])('accepts %s, echoes it and stores it', async (_what, specificBusiness) => {
      const body = await issueOk(seller.token, exampleBody(buyer.taxId, { specificBusiness }));
      expect(body.specificBusiness).toEqual(specificBusiness);
      const read = await t.http(seller.token).get(`/v1/invoices/${body.number}`).expect(200);
      expect(read.body.specificBusiness).toEqual(specificBusiness);
      expect(read.body).toEqual(body);
    });

    it('06 without an area unit is stored with the default 平方米', async () => {
      const { areaUnit: _unit, ...withoutUnit } = lease;
      const body = await issueOk(seller.token, exampleBody(buyer.taxId, { specificBusiness: withoutUnit }));
      expect(body.specificBusiness).toEqual({ ...withoutUnit, areaUnit: '平方米' });
    });

    it('stores a transport invoice with 100 legs of the longest fields it accepts', async () => {
      const leg = (i: number) => ({
        transportType: '公路运输',
        plateNumber: `吉A${String(i).padStart(5, '0')}`.padEnd(40, 'X'),
        origin: '长'.repeat(80),
        destination: '郑'.repeat(80),
        goods: '货'.repeat(80),
      });
      const specificBusiness = { type: '04', transports: Array.from({ length: 100 }, (_, i) => leg(i)) };
      const res = await issue(seller.token, exampleBody(buyer.taxId, { specificBusiness }));
      const body = expect201(res);
      expect(body.specificBusiness).toEqual(specificBusiness);
      const read = await t.http(seller.token).get(`/v1/invoices/${body.number}`).expect(200);
      expect(read.body.specificBusiness).toEqual(specificBusiness);
    });

    it.each([
      ['an unsupported type 07', { type: '07', propertyAddress: 'x' }, 'specificBusiness.type'],
      ['a type that is an Object.prototype member', { type: 'constructor' }, 'specificBusiness.type'],
      ['no type', { location: 'x' }, 'specificBusiness.type'],
      ['03 without projectName', { ...construction, projectName: undefined }, 'specificBusiness.projectName'],
      ['03 with crossCity as a string', { ...construction, crossCity: 'no' }, 'specificBusiness.crossCity'],
      ['03 with an unknown field', { ...construction, budget: '1' }, 'specificBusiness.budget'],
      ['03 with an unknown field named like an Object.prototype member', { ...construction, toString: 'x' }, 'specificBusiness.toString'],
      ['04 without transports', { type: '04' }, 'specificBusiness.transports'],
      [
        '04 with a leg without plateNumber',
        { type: '04', transports: [{ ...transport.transports[0], plateNumber: undefined }] },
        'specificBusiness.transports[0].plateNumber',
      ],
      [
        '04 with an unknown transport type',
        { type: '04', transports: [transport.transports[0], { ...transport.transports[1], transportType: '火箭' }] },
        'specificBusiness.transports[1].transportType',
      ],
      ['06 without propertyAddress', { ...lease, propertyAddress: undefined }, 'specificBusiness.propertyAddress'],
      ['06 with a lease ending before it starts', { ...lease, leaseStart: '2024-07-01' }, 'specificBusiness.leaseEnd'],
      ['06 with a day that does not exist', { ...lease, leaseStart: '2023-02-30' }, 'specificBusiness.leaseStart'],
    ])('refuses %s with 400 naming the field', async (_what, specificBusiness, field) => {
      const res = await issue(seller.token, exampleBody(buyer.taxId, { specificBusiness }));
      expectProblem(res, 400, 'VALIDATION_FAILED', field);
    });
  });

  // API.md "Principals and roles" (taxpayer issues; auditors read only; tax officers read all),
  // "Conventions" (404 for another taxpayer's object, 403 for actions), "Invoices" (GET by its
  // seller, its buyer, auditors, tax officers); SPEC 1 (a non-pilot does not use this platform).
  describe('roles and tenancy', () => {
    let seller: Party;
    let buyer: Party;
    let stranger: Party;
    let nonPilot: Party;
    let invoice: Json;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party();
      buyer = await party({}, '41');
      stranger = await party({}, '44');
      nonPilot = await party({ pilot: false, initialQuota: undefined }, '41');
      invoice = await issueOk(seller.token, exampleBody(buyer.taxId));
    });

    it.each([
      ['a tax officer', () => officer],
      ['an unscoped auditor', () => unscopedAuditor],
      ['an auditor scoped to the seller', () => apiKey(t, 'auditor', seller.taxId)],
      ['an admin', () => ADMIN_TOKEN],
    ])('%s cannot issue (403 FORBIDDEN)', async (_who, token) => {
      const res = await issue(await token(), exampleBody(buyer.taxId));
      expectProblem(res, 403, 'FORBIDDEN');
      const batch = await t
        .http(await token())
        .post('/v1/invoices/batch')
        .send({ invoices: [exampleBody(buyer.taxId)] });
      expectProblem(batch, 403, 'FORBIDDEN');
    });

    it('no token is 401', async () => {
      expectProblem(await t.http().post('/v1/invoices').send(exampleBody(buyer.taxId)), 401, 'UNAUTHENTICATED');
      expectProblem(await t.http().get(`/v1/invoices/${invoice.number}`), 401, 'UNAUTHENTICATED');
    });

    it('a non-pilot taxpayer cannot issue (409 INVALID_STATE)', async () => {
      expect(nonPilot.body.pilot).toBe(false);
      expectProblem(await issue(nonPilot.token, exampleBody(buyer.taxId)), 409, 'INVALID_STATE');
      const batch = await t
        .http(nonPilot.token)
        .post('/v1/invoices/batch')
        .send({ invoices: [exampleBody(buyer.taxId)] });
      expectProblem(batch, 409, 'INVALID_STATE');
    });

    it('a non-pilot taxpayer is a buyer like any other', async () => {
      const body = await issueOk(seller.token, exampleBody(nonPilot.taxId));
      expect((await t.http(nonPilot.token).get(`/v1/invoices/${body.number}`).expect(200)).body).toEqual(body);
    });

    it.each([
      ['its seller', () => seller.token],
      ['its buyer', () => buyer.token],
      ['an unscoped auditor', () => unscopedAuditor],
      ['an auditor scoped to the buyer', () => apiKey(t, 'auditor', buyer.taxId)],
      ['a tax officer', () => officer],
      ['an admin', () => ADMIN_TOKEN],
    ])('%s reads it', async (_who, token) => {
      const res = await t
        .http(await token())
        .get(`/v1/invoices/${invoice.number}`)
        .expect(200);
      expect(res.body).toEqual(invoice);
    });

    it.each([
      ['an unrelated taxpayer', () => stranger.token],
      ['an auditor scoped to an unrelated taxpayer', () => apiKey(t, 'auditor', stranger.taxId)],
    ])('%s gets 404, as for a number that does not exist', async (_who, token) => {
      const res = await t.http(await token()).get(`/v1/invoices/${invoice.number}`);
      expectProblem(res, 404, 'NOT_FOUND');
      const missing = await t.http(await token()).get('/v1/invoices/23222999999999999999');
      expectProblem(missing, 404, 'NOT_FOUND');
      expect(Object.keys(res.body).sort()).toEqual(Object.keys(missing.body).sort());
    });

    it.each([['abc'], ['123'], ['2322200000000000000X'], ['232220000000000000001'], ['%20']])('a malformed number %s is 404', async (number) => {
      expectProblem(await t.http(seller.token).get(`/v1/invoices/${number}`), 404, 'NOT_FOUND');
    });

    it('an unrelated taxpayer does not see it in any list', async () => {
      expect(await numbersOf(stranger.token)).toEqual([]);
      expect(await numbersOf(stranger.token, 'direction=received')).toEqual([]);
      expect(await numbersOf(stranger.token, `taxId=${seller.taxId}`)).toEqual([]);
    });
  });

  // API.md "Invoices": GET /v1/invoices?direction=issued|received&from=&to=&color=&type=&status=;
  // "Conventions": lists take limit (default 50, max 500) and an opaque cursor and answer
  // { items, nextCursor }; SPEC preamble: business time is Beijing time.
  describe('listing', () => {
    let seller: Party;
    let buyer: Party;
    const n: Record<string, string> = {};
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party();
      buyer = await party({}, '41');
      const at = async (time: string, key: string, token: string, body: Json) => {
        await setClock(t, time);
        n[key] = (await issueOk(token, body)).number as string;
      };
      await at('2023-07-20T09:00:00+08:00', 'sp1', seller.token, exampleBody(buyer.taxId));
      await at('2023-07-20T09:00:00+08:00', 'or1', seller.token, ordinaryBody(buyer.taxId, '100.00'));
      await at('2023-07-21T12:00:00+08:00', 'back', buyer.token, ordinaryBody(seller.taxId, '50.00'));
      await at('2023-07-21T23:30:00+08:00', 'or2', seller.token, ordinaryBody(undefined, '200.00'));
      await at('2023-07-22T00:30:00+08:00', 'pp1', seller.token, exampleBody(buyer.taxId, { medium: 'paper' }));
      await at('2023-07-23T10:00:00+08:00', 'pp2', seller.token, ordinaryBody(buyer.taxId, '300.00', { medium: 'paper' }));
      await t.http(seller.token).post(`/v1/invoices/${n.pp2}/void`).expect(200);
      await setClock(t, T0);
    });

    it('lists issued invoices by default, newest first, with their full view', async () => {
      const page = await list(seller.token);
      expect(page.nextCursor).toBeNull();
      const numbers = page.items.map((i) => i.number as string);
      expect(numbers.slice(0, 3)).toEqual([n.pp2, n.pp1, n.or2]);
      expect(setOf(numbers.slice(3))).toEqual(setOf([n.sp1, n.or1])); // issued at the same instant
      expect(setOf(page.items.map((i) => i.number as string))).toEqual(setOf([n.sp1, n.or1, n.or2, n.pp1, n.pp2]));
      const times = page.items.map((i) => Date.parse(i.issuedAt as string));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const sp1 = page.items.find((i) => i.number === n.sp1)!;
      expect(sp1).toEqual((await t.http(seller.token).get(`/v1/invoices/${n.sp1}`).expect(200)).body);
      expect(await numbersOf(seller.token, 'direction=issued')).toEqual(page.items.map((i) => i.number));
    });

    it('direction=received lists what the caller bought', async () => {
      expect(await numbersOf(seller.token, 'direction=received')).toEqual([n.back]);
      expect(setOf(await numbersOf(buyer.token, 'direction=received'))).toEqual(setOf([n.sp1, n.or1, n.pp1, n.pp2]));
      expect(await numbersOf(buyer.token)).toEqual([n.back]);
      expectProblem(await t.http(seller.token).get('/v1/invoices?direction=sideways'), 400, 'VALIDATION_FAILED', 'direction');
    });

    it.each([
      ['color=blue', ['sp1', 'or1', 'or2', 'pp1', 'pp2']],
      ['color=red', []],
      ['type=special', ['sp1', 'pp1']],
      ['type=ordinary', ['or1', 'or2', 'pp2']],
      ['status=issued', ['sp1', 'or1', 'or2', 'pp1']],
      ['status=voided', ['pp2']],
      ['medium=paper', ['pp1', 'pp2']],
      ['medium=electronic', ['sp1', 'or1', 'or2']],
      ['type=ordinary&medium=paper', ['pp2']],
    ])('filters %s', async (query, keys) => {
      expect(setOf(await numbersOf(seller.token, query))).toEqual(setOf(keys.map((k) => n[k])));
    });

    it.each([
      ['color=green', 'color'],
      ['type=vat', 'type'],
      ['status=lost', 'status'],
      ['medium=fax', 'medium'],
    ])('refuses %s with 400', async (query, field) => {
      expectProblem(await t.http(seller.token).get(`/v1/invoices?${query}`), 400, 'VALIDATION_FAILED', field);
    });

    it.each([
      // 2023-07-22T00:30+08:00 is 2023-07-21T16:30Z: a UTC day would put it on the 21st
      ['from=2023-07-21&to=2023-07-21', ['or2']],
      ['from=2023-07-22', ['pp1', 'pp2']],
      ['to=2023-07-20', ['sp1', 'or1']],
      ['from=2023-07-20&to=2023-07-23', ['sp1', 'or1', 'or2', 'pp1', 'pp2']],
      ['from=2023-07-24', []],
    ])('filters by Beijing dates: %s', async (query, keys) => {
      expect(setOf(await numbersOf(seller.token, query))).toEqual(setOf(keys.map((k) => n[k])));
    });

    it.each([
      ['2023-07-21T23:30:00+08:00', '2023-07-22T00:30:00+08:00', ['or2', 'pp1']],
      ['2023-07-21T15:30:00Z', '2023-07-21T16:30:00Z', ['or2', 'pp1']],
      ['2023-07-21T15:30:00.001Z', undefined, ['pp1', 'pp2']],
      [undefined, '2023-07-20T08:59:59+08:00', []],
      [undefined, '2023-07-20T09:00:00+08:00', ['sp1', 'or1']],
    ])('filters by instants, inclusive: from %s to %s', async (from, to, keys) => {
      const query = [from && `from=${encodeURIComponent(from)}`, to && `to=${encodeURIComponent(to)}`].filter(Boolean).join('&');
      expect(setOf(await numbersOf(seller.token, query))).toEqual(setOf(keys.map((k) => n[k])));
    });

    it.each([
      ['from=yesterday', 'from'],
      ['from=2023-02-30', 'from'],
      ['to=2023-07-20T09:00:00', 'to'],
      ['to=20230720', 'to'],
    ])('refuses %s with 400', async (query, field) => {
      expectProblem(await t.http(seller.token).get(`/v1/invoices?${query}`), 400, 'VALIDATION_FAILED', field);
    });

    it('pages with limit=2: every item exactly once, newest first, nextCursor null at the end', async () => {
      const all = await numbersOf(seller.token, 'limit=500');
      expect(all).toHaveLength(5);
      const seen: Json[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: Json[]; nextCursor: string | null } = await list(seller.token, `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.items.length).toBeGreaterThan(0);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(cursor).toBeNull();
      expect(pages).toBe(3);
      expect(seen.map((i) => i.number)).toEqual(all);
      const times = seen.map((i) => Date.parse(i.issuedAt as string));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('pages filtered lists too, one item at a time', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Json[]; nextCursor: string | null } = await list(
          seller.token,
          `type=ordinary&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        seen.push(...page.items.map((i) => i.number as string));
        cursor = page.nextCursor;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(await numbersOf(seller.token, 'type=ordinary'));
      expect(seen).toHaveLength(3);
    });

    it.each([
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=two', 'limit'],
      ['cursor=garbage', 'cursor'],
      ['cursor=' + Buffer.from('{"a":1}').toString('base64url'), 'cursor'],
      // well-formed JSON of the right shape, but not a cursor this list issued
      ['cursor=' + Buffer.from('["x","y"]').toString('base64url'), 'cursor'],
      ['cursor=' + Buffer.from('[1e300,"y"]').toString('base64url'), 'cursor'],
    ])('refuses %s with 400', async (query, field) => {
      expectProblem(await t.http(seller.token).get(`/v1/invoices?${query}`), 400, 'VALIDATION_FAILED', field);
    });

    it("a tax officer, an unscoped auditor and the seller's auditor list the seller's invoices", async () => {
      const own = setOf(await numbersOf(seller.token));
      expect(setOf(await numbersOf(officer, `taxId=${seller.taxId}`))).toEqual(own);
      expect(setOf(await numbersOf(unscopedAuditor, `taxId=${seller.taxId}&limit=500`))).toEqual(own);
      const scoped = await apiKey(t, 'auditor', seller.taxId);
      expect(setOf(await numbersOf(scoped))).toEqual(own);
      expect(await numbersOf(scoped, `taxId=${buyer.taxId}`)).toEqual([]);
    });
  });

  // SPEC 4: "A paper invoice issued through the platform may not exceed the taxpayer's
  // single-invoice maximum for paper"; "Voiding (作废) a paper blue invoice in its own month
  // restores its amount"; every change to used is a ledger entry. API.md "Invoices": void
  // (the seller): paper invoices only; "Error codes": 409 INVALID_STATE for voiding twice,
  // 422 PAPER_LIMIT_EXCEEDED.
  describe('paper invoices and voiding', () => {
    let seller: Party;
    let buyer: Party;
    let stranger: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party({ paperMaxAmountPerInvoice: '100000.00', riskLevel: 'medium' });
      buyer = await party({}, '41');
      stranger = await party({}, '44');
    });
    beforeEach(() => setClock(t, T0));
    afterAll(() => setClock(t, T0));

    const paper = (amount: string, extra: Json = {}) =>
      exampleBody(buyer.taxId, { medium: 'paper', lines: [amountLine(amount, { taxRate: '0.13' })], ...extra });

    it('accepts a paper invoice of exactly the single-invoice maximum (pre-tax)', async () => {
      const body = await issueOk(seller.token, paper('100000.00'));
      expect(body).toMatchObject({ medium: 'paper', status: 'issued', totalAmount: '100000.00', totalTax: '13000.00' });
      expect(body.number).toMatch(/^23222\d{15}$/);
    });

    it('refuses a paper invoice of 100000.01 with 422 PAPER_LIMIT_EXCEEDED, and consumes nothing', async () => {
      const before = await quota(seller);
      expectProblem(await issue(seller.token, paper('100000.01')), 422, 'PAPER_LIMIT_EXCEEDED');
      // the maximum is on the pre-tax amount: 113000.02 inclusive is 100000.02 pre-tax
      expectProblem(await issue(seller.token, paper('113000.02', { priceIncludesTax: true })), 422, 'PAPER_LIMIT_EXCEEDED');
      expect((await quota(seller)).used).toBe(before.used);
    });

    it('applies the maximum to the pre-tax amount of a tax-inclusive paper invoice', async () => {
      const body = await issueOk(seller.token, paper('113000.00', { priceIncludesTax: true }));
      expect(body).toMatchObject({ totalAmount: '100000.00', totalTax: '13000.00' });
    });

    it('does not limit electronic invoices', async () => {
      const body = await issueOk(seller.token, exampleBody(buyer.taxId, { lines: [amountLine('100000.01', { taxRate: '0.13' })] }));
      expect(body.totalAmount).toBe('100000.01');
    });

    it('voids a paper invoice in its own month: 200 voided, used goes back down, a paper_void_restore ledger entry', async () => {
      await setClock(t, '2023-07-25T10:00:00+08:00');
      const invoice = await issueOk(seller.token, paper('40000.00'));
      const before = await quota(seller);
      await setClock(t, '2023-07-31T23:59:59+08:00');
      const res = await t.http(seller.token).post(`/v1/invoices/${invoice.number}/void`).expect(200);
      expect(res.body).toMatchObject({ number: invoice.number, status: 'voided', medium: 'paper', totalAmount: '40000.00' });
      const after = await quota(seller);
      expect(Number(before.used) - Number(after.used)).toBeCloseTo(40000, 2);
      expect(after.total).toBe(before.total);
      const read = await t.http(buyer.token).get(`/v1/invoices/${invoice.number}`).expect(200);
      expect(read.body.status).toBe('voided');
      const ledger = (await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2023-07/ledger?limit=500`).expect(200)).body.items as Json[];
      const restores = ledger.filter((e) => e.kind === 'paper_void_restore');
      expect(restores).toHaveLength(1);
      expect(restores[0]).toMatchObject({ ref: invoice.number, usedAfter: after.used, at: '2023-07-31T23:59:59+08:00' });
      expect(Math.abs(Number(restores[0].delta))).toBeCloseTo(40000, 2);
      const issues = ledger.filter((e) => e.kind === 'issue' && e.ref === invoice.number);
      expect(issues).toHaveLength(1);

      // voiding twice is 409 and restores nothing more
      expectProblem(await t.http(seller.token).post(`/v1/invoices/${invoice.number}/void`), 409, 'INVALID_STATE');
      expect((await quota(seller)).used).toBe(after.used);
    });

    it('refuses to void an electronic invoice (409 INVALID_STATE)', async () => {
      await setClock(t, T0);
      const invoice = await issueOk(seller.token, exampleBody(buyer.taxId));
      const before = await quota(seller);
      expectProblem(await t.http(seller.token).post(`/v1/invoices/${invoice.number}/void`), 409, 'INVALID_STATE');
      expect((await t.http(seller.token).get(`/v1/invoices/${invoice.number}`).expect(200)).body.status).toBe('issued');
      expect((await quota(seller)).used).toBe(before.used);
    });

    it('the buyer cannot void (403 FORBIDDEN), an unrelated taxpayer gets 404; nothing changes', async () => {
      await setClock(t, T0);
      const invoice = await issueOk(seller.token, paper('1000.00'));
      const before = await quota(seller);
      expectProblem(await t.http(buyer.token).post(`/v1/invoices/${invoice.number}/void`), 403, 'FORBIDDEN');
      expectProblem(await t.http(stranger.token).post(`/v1/invoices/${invoice.number}/void`), 404, 'NOT_FOUND');
      expectProblem(await t.http(officer).post(`/v1/invoices/${invoice.number}/void`), 403, 'FORBIDDEN');
      expect((await t.http(seller.token).get(`/v1/invoices/${invoice.number}`).expect(200)).body.status).toBe('issued');
      expect((await quota(seller)).used).toBe(before.used);
      expectProblem(await t.http(seller.token).post('/v1/invoices/23222999999999999999/void'), 404, 'NOT_FOUND');
    });

    it('refuses to void after the month has changed (409 INVALID_STATE), and July keeps its usage', async () => {
      await setClock(t, '2023-07-31T23:59:59+08:00');
      const invoice = await issueOk(seller.token, paper('2000.00'));
      const july = await quota(seller, '2023-07');
      await setClock(t, '2023-08-01T00:00:00+08:00');
      expectProblem(await t.http(seller.token).post(`/v1/invoices/${invoice.number}/void`), 409, 'INVALID_STATE');
      expect((await t.http(seller.token).get(`/v1/invoices/${invoice.number}`).expect(200)).body.status).toBe('issued');
      expect((await quota(seller, '2023-07')).used).toBe(july.used);
      expect((await quota(seller, '2023-08')).used).toBe('0.00');
    });
  });

  // API.md "Conventions": Idempotency-Key (up to 255 chars) on every POST that creates something;
  // the same key with the same body from the same principal returns the first response (same
  // status and body, Idempotent-Replayed: true); a different body is 409 IDEMPOTENCY_KEY_REUSED;
  // a concurrent duplicate never creates twice.
  describe('Idempotency-Key', () => {
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      buyer = await party({}, '41');
    });
    // Each test has its own sellers: keys are per principal, so none sees another test's keys.
    const newSeller = () => party({ riskLevel: 'medium' });
    /** A seller that has issued the example once under the key order-1001. */
    async function sellerWithOrder1001() {
      const seller = await newSeller();
      const first = await issue(seller.token, exampleBody(buyer.taxId), 'order-1001');
      expect(first.status).toBe(201);
      return { seller, first };
    }

    it('replays the first response for the same key and body, without issuing again', async () => {
      const seller = await newSeller();
      const body = exampleBody(buyer.taxId);
      const first = await issue(seller.token, body, 'order-1001');
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await issue(seller.token, body, 'order-1001');
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      // the same JSON with its members in another order is the same body
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const third = await issue(seller.token, reordered, 'order-1001');
      expect(third.status).toBe(201);
      expect(third.body).toEqual(first.body);
      expect(await numbersOf(seller.token)).toEqual([first.body.number]);
      expect((await quota(seller)).used).toBe('10000.00');
    });

    it('the same key with a different body is 409 IDEMPOTENCY_KEY_REUSED and issues nothing', async () => {
      const { seller } = await sellerWithOrder1001();
      const res = await issue(seller.token, exampleBody(buyer.taxId, { drawer: '李四' }), 'order-1001');
      expectProblem(res, 409, 'IDEMPOTENCY_KEY_REUSED');
      expect((await quota(seller)).used).toBe('10000.00');
    });

    it('the same key from another principal is independent', async () => {
      const { seller } = await sellerWithOrder1001();
      const other = await newSeller();
      const res = await issue(other.token, exampleBody(buyer.taxId), 'order-1001');
      expect(res.status).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body.seller.taxId).toBe(other.taxId);
      expect(await numbersOf(other.token)).toEqual([res.body.number]);
      expect(await numbersOf(seller.token)).toHaveLength(1);
    });

    it('a key of 256 characters is 400; 255 is accepted', async () => {
      const { seller } = await sellerWithOrder1001();
      const res = await issue(seller.token, exampleBody(buyer.taxId), 'k'.repeat(256));
      expectProblem(res, 400, 'VALIDATION_FAILED', 'Idempotency-Key');
      expect((await quota(seller)).used).toBe('10000.00');
      const ok = await issue(seller.token, exampleBody(buyer.taxId), 'k'.repeat(255));
      expect(ok.status).toBe(201);
      const again = await issue(seller.token, exampleBody(buyer.taxId), 'k'.repeat(255));
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.number).toBe(ok.body.number);
      expect((await quota(seller)).used).toBe('20000.00');
    });

    it('10 concurrent requests with one key create exactly one invoice and all answer its number', async () => {
      const { seller } = await sellerWithOrder1001();
      const before = await numbersOf(seller.token, 'limit=500');
      const usedBefore = Number((await quota(seller)).used);
      const body = exampleBody(buyer.taxId, { remarks: 'concurrent' });
      const responses = await Promise.all(Array.from({ length: 10 }, () => issue(seller.token, body, 'concurrent-key')));
      for (const res of responses) expect([res.status, res.body.code]).toEqual([201, undefined]);
      const numbers = new Set(responses.map((r) => r.body.number));
      expect(numbers.size).toBe(1);
      for (const res of responses) expect(res.body).toEqual(responses[0].body);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === undefined).length).toBeLessThanOrEqual(1);
      const after = await numbersOf(seller.token, 'limit=500');
      expect(after.length).toBe(before.length + 1);
      expect(after).toContain(responses[0].body.number);
      expect(Number((await quota(seller)).used) - usedBefore).toBeCloseTo(10000, 2);
    });

    it('replays a refusal: QUOTA_EXCEEDED answers the same 422 again for the same key', async () => {
      const tiny = await party({ initialQuota: '100.00' });
      const body = exampleBody(buyer.taxId);
      const first = await issue(tiny.token, body, 'too-big');
      expectProblem(first, 422, 'QUOTA_EXCEEDED');
      expect(first.body.available).toBe('100.00');
      const again = await issue(tiny.token, body, 'too-big');
      expectProblem(again, 422, 'QUOTA_EXCEEDED');
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await quota(tiny)).used).toBe('0.00');
      // and a small invoice with a new key still fits
      await issueOk(tiny.token, ordinaryBody(buyer.taxId, '100.00'));
    });

    it('replays a batch for the same key', async () => {
      const other = await newSeller();
      const body = { invoices: [ordinaryBody(buyer.taxId, '10.00'), ordinaryBody(buyer.taxId, '20.00')] };
      const first = await t.http(other.token).post('/v1/invoices/batch').set('Idempotency-Key', 'batch-1').send(body).expect(200);
      const usedAfterFirst = (await quota(other)).used;
      const again = await t.http(other.token).post('/v1/invoices/batch').set('Idempotency-Key', 'batch-1').send(body).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await quota(other)).used).toBe(usedAfterFirst);
      const reused = await t
        .http(other.token)
        .post('/v1/invoices/batch')
        .set('Idempotency-Key', 'batch-1')
        .send({ invoices: [ordinaryBody(buyer.taxId, '30.00')] });
      expectProblem(reused, 409, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  // API.md "Invoices": POST /v1/invoices/batch issues up to 1000 invoices; each item succeeds or
  // fails on its own; 200 { results: [ { number } | { error: problem } ] }. SPEC 4: each invoice
  // consumes its pre-tax amount; QUOTA_EXCEEDED carries `available`; the temporary adjustment.
  describe('batch', () => {
    let seller: Party;
    let buyer: Party;
    beforeAll(async () => {
      await setClock(t, T0);
      seller = await party({ riskLevel: 'medium' });
      buyer = await party({}, '41');
    });

    const batch = (token: string, invoices: unknown[]) => t.http(token).post('/v1/invoices/batch').send({ invoices });

    it('issues the valid items and reports the invalid one in its place', async () => {
      const usedBefore = Number((await quota(seller)).used);
      const res = await batch(seller.token, [exampleBody(buyer.taxId), exampleBody(buyer.taxId, { lines: [] }), ordinaryBody(buyer.taxId, '500.00')]).expect(
        200,
      );
      expect(res.body.results).toHaveLength(3);
      const [a, b, c] = res.body.results;
      expect(Object.keys(a)).toEqual(['number']);
      expect(Object.keys(c)).toEqual(['number']);
      expect(a.number).toMatch(/^23222\d{15}$/);
      expect(c.number).toMatch(/^23222\d{15}$/);
      expect(a.number).not.toBe(c.number);
      expect(Object.keys(b)).toEqual(['error']);
      expect(b.error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, type: expect.any(String), title: expect.any(String) });
      expect(b.error.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'lines' })]));

      const first = (await t.http(seller.token).get(`/v1/invoices/${a.number}`).expect(200)).body;
      expect(first).toMatchObject({ type: 'special', totalAmount: '10000.00', totalTax: '1300.00', totalWithTaxInWords: '壹万壹仟叁佰圆整', issuedAt: T0 });
      expect(first.lines[0].name).toBe('*计算机*笔记本电脑');
      const third = (await t.http(buyer.token).get(`/v1/invoices/${c.number}`).expect(200)).body;
      expect(third).toMatchObject({ type: 'ordinary', totalAmount: '500.00', totalTax: '30.00' });
      expect(Number((await quota(seller)).used) - usedBefore).toBeCloseTo(10500, 2);
    });

    it('reports each kind of refusal on its own item', async () => {
      const res = await batch(seller.token, [
        exampleBody(buyer.taxId, { lines: [exampleLine({ taxAmount: '1300.07' })] }),
        exampleBody(buyer.taxId, { medium: 'paper', lines: [amountLine('100000.01')] }),
        exampleBody(buyer.taxId, { extra: 1 }),
        exampleBody(buyer.taxId, { lines: [exampleLine({ amount: 10000 })] }),
        exampleBody(seller.taxId),
        exampleBody(buyer.taxId, { specificBusiness: { type: '07' } }),
        ordinaryBody(undefined, '1.00'),
      ]).expect(200);
      const codes = res.body.results.map((r: { error?: { code: string } }) => r.error?.code ?? 'ok');
      expect(codes).toEqual(['TAX_MISMATCH', 'PAPER_LIMIT_EXCEEDED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'ok']);
      const fields = (i: number) => res.body.results[i].error.errors.map((e: Json) => e.field);
      expect(fields(0)).toContain('lines[0].taxAmount');
      expect(fields(2)).toContain('extra');
      expect(fields(3)).toContain('lines[0].amount');
      expect(fields(4)).toContain('buyer.taxId');
      expect(fields(5)).toContain('specificBusiness.type');
    });

    it('fails the items that exceed the quota individually, with `available`', async () => {
      const small = await party({ initialQuota: '25000.00', riskLevel: 'medium' });
      const item = () => ordinaryBody(buyer.taxId, '10000.00');
      const res = await batch(small.token, [item(), item(), item(), ordinaryBody(buyer.taxId, '5000.00')]).expect(200);
      const [a, b, c, d] = res.body.results;
      expect(a.number).toMatch(/^\d{20}$/);
      expect(b.number).toMatch(/^\d{20}$/);
      expect(c.error).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 422, available: '5000.00' });
      expect(d.number).toMatch(/^\d{20}$/); // a later, smaller item still fits
      const q = await quota(small);
      expect(q).toMatchObject({ total: '25000.00', used: '25000.00', remaining: '0.00', temporaryAdjusted: false });
      expect(setOf(await numbersOf(small.token))).toEqual(setOf([a.number, b.number, d.number]));
      for (const n of [a.number, b.number]) {
        expect((await t.http(small.token).get(`/v1/invoices/${n}`).expect(200)).body.totalAmount).toBe('10000.00');
      }
    });

    it("raises a low-risk taxpayer's total once when usage first reaches 80%, as a single issue would (SPEC 4.2)", async () => {
      // 25000 total: the second 10000 brings usage to 20000 = 80%, the total becomes 30000, the third fits
      const low = await party({ initialQuota: '25000.00', riskLevel: 'low', creditRating: 'A' });
      const item = () => ordinaryBody(buyer.taxId, '10000.00');
      const res = await batch(low.token, [item(), item(), item(), ordinaryBody(buyer.taxId, '0.01')]).expect(200);
      const outcome = res.body.results.map((r: Json) => ('number' in r ? 'number' : (r.error as Json).code));
      expect(outcome).toEqual(['number', 'number', 'number', 'QUOTA_EXCEEDED']);
      expect(res.body.results[3].error.available).toBe('0.00');
      expect(await quota(low)).toMatchObject({ total: '30000.00', used: '30000.00', temporaryAdjusted: true });
    });

    it('answers 200 when every item fails, and consumes nothing', async () => {
      const before = (await quota(seller)).used;
      const res = await batch(seller.token, [exampleBody(undefined), exampleBody(buyer.taxId, { lines: [] })]).expect(200);
      expect(res.body.results.map((r: Json) => (r.error as Json).code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
      expect((await quota(seller)).used).toBe(before);
    });

    it('an item with a null optional field does not sink the batch', async () => {
      const res = await batch(seller.token, [
        ordinaryBody(buyer.taxId, '1.00'),
        exampleBody(buyer.taxId, { lines: [amountLine('100.00', { taxAmount: null })] }),
        ordinaryBody(buyer.taxId, '2.00'),
      ]);
      expect(res.status).toBe(200);
      expect(res.body.results[0].number).toMatch(/^\d{20}$/);
      expect(res.body.results[2].number).toMatch(/^\d{20}$/);
    });

    it('refuses 1001 items and an empty batch with 400', async () => {
      const many = Array.from({ length: 1001 }, () => ordinaryBody(buyer.taxId, '1.00'));
      expectProblem(await batch(seller.token, many), 400, 'VALIDATION_FAILED', 'invoices');
      expectProblem(await batch(seller.token, []), 400, 'VALIDATION_FAILED', 'invoices');
      expectProblem(await t.http(seller.token).post('/v1/invoices/batch').send({}), 400, 'VALIDATION_FAILED', 'invoices');
      expectProblem(await batch(seller.token, [exampleBody(buyer.taxId), 'not an invoice']), 400, 'VALIDATION_FAILED');
    });

    it('issues 1000 items, each readable, and consumes exactly their sum', async () => {
      const bulk = await party({ riskLevel: 'medium' });
      const res = await batch(
        bulk.token,
        Array.from({ length: 1000 }, (_, i) => ordinaryBody(buyer.taxId, `${i + 1}.00`)),
      ).expect(200);
      const numbers = res.body.results.map((r: Json) => r.number as string);
      expect(numbers.every((x: string) => /^23222\d{15}$/.test(x))).toBe(true);
      expect(new Set(numbers).size).toBe(1000);
      expect((await quota(bulk)).used).toBe(`${(1000 * 1001) / 2}.00`);
      const sample = (await t.http(bulk.token).get(`/v1/invoices/${numbers[499]}`).expect(200)).body;
      expect(sample).toMatchObject({ totalAmount: '500.00', totalTax: '30.00' });
      expect((await list(bulk.token, 'limit=500')).nextCursor).not.toBeNull();
    });
  });
});
