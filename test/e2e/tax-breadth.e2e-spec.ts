import * as d from '../support/drivers';
import { buyerOf, expectStatus, INSTALL, Json, LAPTOP, Party } from '../support/drivers';
import { hasOfdCheck, ofdCheck, pdfText } from '../support/extract';
import { expectProblem } from '../support/problems';
import { registerTaxpayer, setClock, TestApp } from '../support/test-app';

// Tax breadth over HTTP, on both databases: discount lines (SPEC section 2), 差额征税 (section 2),
// specific businesses 05 and 09 (section 2) in the XML (section 8) and on the face (section 7),
// red letters of discounted and 差额征税 invoices (section 6), exports, the batch path, and the VAT
// return figures of a period (section 10; API.md "Additions (2026-11-30)").

const GOODS = (amount: string, o: Json = {}) => ({
  name: '办公用品',
  taxClassificationCode: '1060301020000000000',
  categoryShortName: '纸制品',
  amount,
  taxRate: '0.13',
  ...o,
});
const TRAVEL_AGENCY = { name: '旅游服务费', taxClassificationCode: '3070401000000000000', categoryShortName: '旅游服务', amount: '100000.00', taxRate: '0.06' };
const DIFFERENTIAL = {
  kind: '02',
  deductions: [
    { voucherType: '01', voucherNumber: '26442000000012345678', voucherDate: '2026-09-01', amount: '45000.00' },
    { voucherType: '08', voucherNumber: 'JD-0002', voucherDate: '2026-09-02', amount: '15000.00' },
  ],
};
const SALE = {
  type: '05',
  propertyAddress: '长春市朝阳区某路1号3栋101',
  propertyCertificateNumber: '吉(2026)长春市不动产权第0000002号',
  crossCity: false,
  realEstateUnitCode: '220102001001GB00001F00010001',
  assessedTaxPrice: '1000000.00',
  actualTransactionAmount: '1090000.00',
  areaUnit: '平方米',
};
const PASSENGERS = {
  type: '09',
  passengers: [
    {
      traveler: '张三',
      idType: '居民身份证',
      idNumber: '220102198801010011',
      travelDate: '2026-10-08',
      departure: '长春',
      destination: '北京',
      grade: '经济舱',
      vehicleType: '飞机',
    },
    {
      traveler: '李四',
      idType: '居民身份证',
      idNumber: '220102199002020022',
      travelDate: '2026-10-09',
      departure: '长春',
      destination: '沈阳',
      grade: '二等座',
      vehicleType: '火车',
    },
  ],
};

const body = (buyer: Json, lines: Json[], o: Json = {}) => ({ type: 'special', buyer, lines, drawer: '张三', ...o });

/** The invoices of this file that more than one test issues (for its own seller). */
const BODIES = {
  /** A: the canonical lines, the first with a discount of 1000.00. */
  A: (b: Party) => body(buyerOf(b), [{ ...LAPTOP, discountAmount: '1000.00' }, INSTALL]),
  /** B: 差额征税 kind 02 of a travel agency. */
  B: (b: Party) => body(buyerOf(b), [TRAVEL_AGENCY], { type: 'ordinary', priceIncludesTax: true, differentialTaxation: DIFFERENTIAL, remarks: '团号 T-01' }),
  /** C05: the sale of a flat (不动产销售). */
  C05: (b: Party) =>
    body(
      buyerOf(b),
      [
        {
          name: '住宅',
          taxClassificationCode: '5010101000000000000',
          categoryShortName: '不动产',
          unit: '平方米',
          quantity: '100',
          unitPrice: '10000',
          amount: '1000000.00',
          taxRate: '0.09',
        },
      ],
      { type: 'ordinary', specificBusiness: SALE },
    ),
  /** C09: two air passengers (旅客运输). */
  C09: (b: Party) =>
    body(
      buyerOf(b),
      [{ name: '国内航空旅客运输服务', taxClassificationCode: '3010101020101000000', categoryShortName: '运输服务', amount: '1000.00', taxRate: '0.09' }],
      { type: 'ordinary', specificBusiness: PASSENGERS },
    ),
  /** E: a discounted line to a natural person. */
  E: () => body({ name: '个人' }, [GOODS('2000.00', { quantity: '4', unitPrice: '500', discountAmount: '200.00' })], { type: 'ordinary' }),
};
/** The business time every test of this file starts at. */
const BASE = '2026-09-10T10:00:00+08:00';

/** libxml2's reading of one XPath string value. */
function xpath(xml: string, expression: string): string {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('xmllint', ['--xpath', `string(${expression})`, '-'], { input: xml })
    .toString('utf8')
    .replace(/\n$/, '');
}

describe('tax breadth', () => {
  let t: TestApp;
  let officer: string;
  // Each test has its own taxpayers, registered at BASE before it runs.
  let seller: Party; // S1: general, monthly
  let other: Party; // S2: reds of 差额征税, the batch
  let buyer: Party; // general, monthly

  const issue = (p: Party, b: Json) => d.issueOk(t, p, b);
  const get = (token: string, number: string) => d.getInvoice(t, token, number);
  const xml = async (token: string, number: string) => (await d.getText(t, token, `/v1/invoices/${number}/xml`)).body as unknown as string;
  const binary = async (token: string, url: string) => (await d.getBytes(t, token, url)).body as Buffer;
  const slip = async (p: Party, b: Json) => expectStatus(await d.fileSlip(t, p, b), 201);
  const confirm = async (p: Party, id: string) => expectStatus(await d.slipAction(t, p.token, id, 'confirm'), 200);
  const red = async (p: Party, id: string) => expectStatus(await d.redInvoice(t, p.token, id), 201);
  const figures = async (token: string, taxId: string, period: string) =>
    expectStatus(await t.http(token).get(`/v1/taxpayers/${taxId}/vat-return-figures?period=${period}`), 200);

  beforeAll(async () => {
    t = await d.bootApp({}, BASE);
    officer = await d.officerKey(t);
  });
  beforeEach(async () => {
    await setClock(t, BASE);
    [seller, other, buyer] = [await d.seller(t), await d.seller(t), await d.buyer(t)];
  });
  afterAll(() => t.close());

  describe('discount lines (SPEC section 2)', () => {
    it('a discounted line is followed by its negative discount line; totals and the quota count the net amount', async () => {
      const before = expectStatus(await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2026-09`), 200).used;
      const inv = await issue(seller, BODIES.A(buyer));
      expect(inv.lines.map((l: Json) => [l.lineNo, l.name, l.lineNature, l.quantity, l.amount, l.taxRate, l.taxAmount, l.taxClassificationCode])).toEqual([
        [1, '*计算机*笔记本电脑', 'discounted', '2', '10000.00', '0.13', '1300.00', LAPTOP.taxClassificationCode],
        [2, '*计算机*笔记本电脑', 'discount', null, '-1000.00', '0.13', '-130.00', LAPTOP.taxClassificationCode],
        [3, '*信息技术服务*安装服务', 'normal', null, '300.00', '0.06', '18.00', INSTALL.taxClassificationCode],
      ]);
      expect([inv.totalAmount, inv.totalTax, inv.totalWithTax, inv.totalWithTaxInWords]).toEqual(['9300.00', '1188.00', '10488.00', '壹万零肆佰捌拾捌圆整']);
      const after = expectStatus(await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/quota/2026-09`), 200).used;
      expect(Math.round((Number(after) - Number(before)) * 100)).toBe(930000);
      expect(await get(buyer.token, inv.number)).toMatchObject({ lines: inv.lines, totalAmount: '9300.00' });
    });

    it("the XML marks each line's 发票行性质 (SPEC section 8)", async () => {
      const x = await xml(seller.token, (await issue(seller, BODIES.A(buyer))).number);
      expect([1, 2, 3].map((i) => xpath(x, `/EInvoice/EInvoiceData/IssuItemInformation[${i}]/InvoiceLineNature`))).toEqual(['2', '1', '0']);
      expect(xpath(x, '/EInvoice/EInvoiceData/IssuItemInformation[2]/Amount')).toBe('-1000.00');
      expect(xpath(x, '/EInvoice/EInvoiceData/BasicInformation/TotalAmWithoutTax')).toBe('9300.00');
    });

    it.each([
      ['10000.01', 'lines[0].discountAmount'],
      ['0.00', 'lines[0].discountAmount'],
      [100, 'lines[0].discountAmount'],
    ])('a discount of %j is a 400 naming %s', async (discountAmount, field) => {
      await expectProblem(
        await t
          .http(seller.token)
          .post('/v1/invoices')
          .send(body(buyerOf(buyer), [{ ...LAPTOP, discountAmount }])),
        400,
        'VALIDATION_FAILED',
        field,
      );
    });

    it('a tax-inclusive discount is split like the line', async () => {
      const inv = await issue(other, body(buyerOf(buyer), [GOODS('1130.00', { discountAmount: '113.00' })], { type: 'ordinary', priceIncludesTax: true }));
      expect(inv.lines.map((l: Json) => [l.lineNature, l.amount, l.taxAmount])).toEqual([
        ['discounted', '1000.00', '130.00'],
        ['discount', '-100.00', '-13.00'],
      ]);
    });
  });

  describe('差额征税 (SPEC section 2)', () => {
    it('kind 02: tax on the price less the deduction; the deduction in the response, the remarks, the XML and on the face', async () => {
      const inv = await issue(seller, BODIES.B(buyer));
      // round((100000.00 - 60000.00) x 0.06 / 1.06) = 2264.15
      expect([inv.totalAmount, inv.totalTax, inv.totalWithTax]).toEqual(['97735.85', '2264.15', '100000.00']);
      expect(inv.differentialTaxation).toEqual({ kind: '02', kindName: '差额开票', deductions: DIFFERENTIAL.deductions, deduction: '60000.00' });
      expect(inv.remarks).toBe('差额征税（差额开票）：扣除额60000.00。团号 T-01');
      const x = await xml(seller.token, inv.number);
      const dt = '/EInvoice/EInvoiceData/SpecificInformation/DifferentialTaxation';
      expect([
        xpath(x, `${dt}/DifferentialTaxationType`),
        xpath(x, `${dt}/DeductionAmount`),
        xpath(x, `count(${dt}/DeductionVoucher)`),
        xpath(x, `${dt}/DeductionVoucher[2]/VoucherNumber`),
      ]).toEqual(['02', '60000.00', '2', 'JD-0002']);
      expect(xpath(x, '/EInvoice/EInvoiceData/AdditionalInformation/Remark')).toBe(inv.remarks);
      const text = pdfText(await binary(seller.token, `/v1/invoices/${inv.number}/pdf`)).replace(/\s+/g, '');
      expect(text).toContain('差额征税（差额开票）扣除额：¥60000.00');
      expect(text).toContain('扣除凭证：01264420000000123456782026-09-01¥45000.00');
      if (hasOfdCheck) expect(ofdCheck(await binary(seller.token, `/v1/invoices/${inv.number}/ofd`)).output.replace(/\s+/g, '')).toContain('扣除额：¥60000.00');
    });

    it('kind 01 is issued in full and marks the business', async () => {
      const deductions = [{ ...DIFFERENTIAL.deductions[0], amount: '6000.00' }];
      const inv = await issue(
        other,
        body(buyerOf(buyer), [{ ...TRAVEL_AGENCY, amount: '10600.00' }], {
          type: 'ordinary',
          priceIncludesTax: true,
          differentialTaxation: { kind: '01', deductions },
        }),
      );
      expect([inv.totalAmount, inv.totalTax, inv.differentialTaxation.kind, inv.differentialTaxation.deduction]).toEqual([
        '10000.00',
        '600.00',
        '01',
        '6000.00',
      ]);
      expect(inv.remarks).toBe('差额征税（全额开票）：扣除额6000.00。');
    });

    it.each([
      [{ priceIncludesTax: false }, 'priceIncludesTax'],
      [{ lines: [TRAVEL_AGENCY, TRAVEL_AGENCY] }, 'lines'],
      [{ lines: [{ ...TRAVEL_AGENCY, discountAmount: '1.00' }] }, 'lines[0].discountAmount'],
      [{ specificBusiness: SALE }, 'specificBusiness'],
      [{ lines: [{ ...TRAVEL_AGENCY, amount: '59999.99' }] }, 'differentialTaxation.deductions'],
      [{ differentialTaxation: { kind: '03', deductions: DIFFERENTIAL.deductions } }, 'differentialTaxation.kind'],
      [{ differentialTaxation: { kind: '02', deductions: [] } }, 'differentialTaxation.deductions'],
      [
        { differentialTaxation: { kind: '02', deductions: [{ ...DIFFERENTIAL.deductions[0], voucherDate: '2026-9-1' }] } },
        'differentialTaxation.deductions[0].voucherDate',
      ],
      [{ differentialTaxation: { kind: '02', deductions: [{ ...DIFFERENTIAL.deductions[0], amount: 45000 }] } }, 'differentialTaxation.deductions[0].amount'],
    ])('%j is a 400 naming %s', async (o, field) => {
      const b = { ...body(buyerOf(buyer), [TRAVEL_AGENCY], { type: 'ordinary', priceIncludesTax: true, differentialTaxation: DIFFERENTIAL }), ...o };
      await expectProblem(await t.http(seller.token).post('/v1/invoices').send(b), 400, 'VALIDATION_FAILED', field);
    });

    it('reds reverse amounts and the deduction in proportion, the last red the remainder (partial and full)', async () => {
      const blue = await issue(other, body(buyerOf(buyer), [TRAVEL_AGENCY], { type: 'ordinary', priceIncludesTax: true, differentialTaxation: DIFFERENTIAL }));
      expectStatus(await t.http(buyer.token).post(`/v1/invoices/${blue.number}/accounting-entry`).send({ entered: true }), 200);
      const first = await slip(other, { blueInvoiceNumber: blue.number, reason: '03', lines: [{ blueLineNo: 1, amount: '-48867.93' }] });
      // tax in proportion: 2264.15 x 48867.93 / 97735.85 = 1132.075... -> 1132.08
      expect([first.totalAmount, first.totalTax]).toEqual(['-48867.93', '-1132.08']);
      await confirm(buyer, first.id);
      const red1 = await red(other, first.id);
      expect(red1.differentialTaxation).toMatchObject({ kind: '02', deduction: '-30000.00', deductions: [] });
      expect(red1.remarks).toContain('差额征税（差额开票）：扣除额-30000.00。');
      expect(xpath(await xml(other.token, red1.number), '/EInvoice/EInvoiceData/SpecificInformation/DifferentialTaxation/DeductionAmount')).toBe('-30000.00');
      await expectProblem(
        await t
          .http(other.token)
          .post('/v1/red-confirmations')
          .send({ blueInvoiceNumber: blue.number, reason: '03', lines: [{ blueLineNo: 1, amount: '-48867.93' }] }),
        422,
        'RED_NOT_ALLOWED',
        'lines[0].amount',
      );
      const second = await slip(other, { blueInvoiceNumber: blue.number, reason: '03', lines: [{ blueLineNo: 1, amount: '-48867.92' }] });
      expect([second.totalAmount, second.totalTax]).toEqual(['-48867.92', '-1132.07']);
      await confirm(buyer, second.id);
      const red2 = await red(other, second.id);
      expect(red2.differentialTaxation.deduction).toBe('-30000.00');
      expect((await get(other.token, blue.number)).status).toBe('red_full');
    });

    it('a full red takes back the whole deduction', async () => {
      const blue = await issue(
        other,
        body({ name: '个人' }, [{ ...TRAVEL_AGENCY, amount: '1000.00' }], {
          type: 'ordinary',
          priceIncludesTax: true,
          differentialTaxation: { kind: '02', deductions: [{ ...DIFFERENTIAL.deductions[0], amount: '333.33' }] },
        }),
      );
      const s = await slip(other, { blueInvoiceNumber: blue.number, reason: '01', autoIssue: true });
      const redInvoice = await get(other.token, s.redInvoiceNumber);
      expect([redInvoice.totalAmount, redInvoice.totalTax, redInvoice.differentialTaxation.deduction]).toEqual([
        `-${blue.totalAmount}`,
        `-${blue.totalTax}`,
        '-333.33',
      ]);
    });
  });

  describe('specific businesses 05 and 09 (SPEC section 2, section 8)', () => {
    it('05 不动产销售: its fields in the response, RealEstateSale in the XML, label and fields on the face', async () => {
      const inv = await issue(seller, BODIES.C05(buyer));
      expect(inv.specificBusiness).toEqual(SALE);
      const x = await xml(seller.token, inv.number);
      const s = '/EInvoice/EInvoiceData/SpecificInformation/RealEstateSale';
      expect(
        ['PropertyAddress', 'CrossCityFlag', 'RealEstateUnitCode', 'AssessedTaxablePrice', 'ActualTransactionAmount', 'AreaUnit'].map((e) =>
          xpath(x, `${s}/${e}`),
        ),
      ).toEqual([SALE.propertyAddress, 'N', SALE.realEstateUnitCode, '1000000.00', '1090000.00', '平方米']);
      const text = pdfText(await binary(seller.token, `/v1/invoices/${inv.number}/pdf`)).replace(/\s+/g, '');
      expect(text).toContain('不动产销售');
      expect(text).toContain(`不动产地址：${SALE.propertyAddress}`);
      expect(text).toContain('跨地（市）标志：否');
    });

    it('05 needs exactly one of the unit code and the filing number', async () => {
      const { realEstateUnitCode: _, ...noCode } = SALE;
      await expectProblem(
        await t
          .http(seller.token)
          .post('/v1/invoices')
          .send(body(buyerOf(buyer), [GOODS('1.00')], { specificBusiness: noCode })),
        400,
        'VALIDATION_FAILED',
        'specificBusiness.realEstateUnitCode',
      );
    });

    it('09 旅客运输: one PassengerTransportation per passenger with the real element names; the passengers on the face', async () => {
      const inv = await issue(seller, BODIES.C09(buyer));
      const x = await xml(seller.token, inv.number);
      const p = '/EInvoice/EInvoiceData/SpecificInformation/PassengerTransportation';
      expect(xpath(x, `count(${p})`)).toBe('2');
      expect(
        ['Traveler', 'ValidIDNumber', 'TypeOfPassengerDocument', 'TravelDate', 'Departure', 'Destination', 'Grade', 'Vehicletype'].map((e) =>
          xpath(x, `${p}[2]/${e}`),
        ),
      ).toEqual(['李四', '220102199002020022', '居民身份证', '2026-10-09', '长春', '沈阳', '二等座', '火车']);
      const text = pdfText(await binary(seller.token, `/v1/invoices/${inv.number}/pdf`)).replace(/\s+/g, '');
      expect(text).toContain('旅客运输服务');
      expect(text).toContain('出行人：张三');
      expect(text).toContain('交通工具类型：火车');
    });

    it('09 names the passenger field it refuses', async () => {
      const bad = { type: '09', passengers: [{ ...PASSENGERS.passengers[0], vehicleType: '马车' }] };
      await expectProblem(
        await t
          .http(seller.token)
          .post('/v1/invoices')
          .send(body(buyerOf(buyer), [GOODS('1.00')], { specificBusiness: bad })),
        400,
        'VALIDATION_FAILED',
        'specificBusiness.passengers[0].vehicleType',
      );
    });
  });

  describe('red letters of discounted invoices (SPEC section 6)', () => {
    it('a full red reverses each discounted line on its net amount, one red line per line', async () => {
      const blue = await issue(seller, BODIES.E());
      const s = await slip(seller, { blueInvoiceNumber: blue.number, reason: '01', autoIssue: true });
      expect(s.lines).toEqual([{ blueLineNo: 1, quantity: '-4', amount: '-1800.00', taxAmount: '-234.00' }]);
      const r = await get(seller.token, s.redInvoiceNumber);
      expect(r.lines.map((l: Json) => [l.lineNo, l.name, l.lineNature, l.quantity, l.unitPrice, l.amount, l.taxAmount])).toEqual([
        [1, '*纸制品*办公用品', 'normal', '-4', '450', '-1800.00', '-234.00'],
      ]);
      expect((await get(seller.token, blue.number)).status).toBe('red_full');
    });

    it('a partial red is limited per line by the net amount; the discount line is no line of its own', async () => {
      const number = (await issue(seller, BODIES.A(buyer))).number;
      await expectProblem(
        await t
          .http(seller.token)
          .post('/v1/red-confirmations')
          .send({ blueInvoiceNumber: number, reason: '03', lines: [{ blueLineNo: 2, amount: '-100.00' }] }),
        400,
        'VALIDATION_FAILED',
        'lines[0].blueLineNo',
      );
      // The buyer has confirmed nothing yet: only a full red is allowed without its confirmation, so first it confirms the usage.
      await setClock(t, '2026-09-15T10:00:00+08:00');
      expectStatus(await t.http(buyer.token).post(`/v1/invoices/${number}/usage-confirmation`).send({ purpose: 'deduction' }), 200);
      await expectProblem(
        await t
          .http(seller.token)
          .post('/v1/red-confirmations')
          .send({ blueInvoiceNumber: number, reason: '03', lines: [{ blueLineNo: 1, amount: '-9000.01' }] }),
        422,
        'RED_NOT_ALLOWED',
        'lines[0].amount',
      );
    });
  });

  describe('the batch path (group issuing keeps the new fields)', () => {
    it('issues discounted and 差额征税 invoices and refuses a bad discount on its own', async () => {
      const res = expectStatus(
        await t
          .http(other.token)
          .post('/v1/invoices/batch')
          .send({
            invoices: [
              body(buyerOf(buyer), [{ ...LAPTOP, discountAmount: '500.00' }, INSTALL]),
              body(buyerOf(buyer), [{ ...LAPTOP, discountAmount: '10000.01' }]),
              body(buyerOf(buyer), [TRAVEL_AGENCY], { type: 'ordinary', priceIncludesTax: true, differentialTaxation: DIFFERENTIAL }),
            ],
          }),
        200,
      );
      expect(res.results[1].error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'lines[0].discountAmount' })] });
      const first = await get(other.token, res.results[0].number);
      expect(first.lines.map((l: Json) => [l.lineNature, l.amount])).toEqual([
        ['discounted', '10000.00'],
        ['discount', '-500.00'],
        ['normal', '300.00'],
      ]);
      expect(first.totalAmount).toBe('9800.00');
      const third = await get(other.token, res.results[2].number);
      expect([third.totalTax, third.differentialTaxation.deduction]).toEqual(['2264.15', '60000.00']);
    });
  });

  describe('exports (API.md "Audit and export")', () => {
    it("csv and jsonl carry each line's nature and the invoice's deduction", async () => {
      const issued = { A: await issue(seller, BODIES.A(buyer)), B: await issue(seller, BODIES.B(buyer)) };
      const jsonl = expectStatus(await d.getText(t, seller.token, `/v1/exports/invoices?format=jsonl&direction=issued`), 200) as unknown as string;
      const records = (jsonl as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const a = records.filter((r) => r.number === issued.A.number);
      expect(a.map((r) => [r.lineNo, r.lineNature, r.amount, r.deduction])).toEqual([
        [1, 'discounted', '10000.00', null],
        [2, 'discount', '-1000.00', null],
        [3, 'normal', '300.00', null],
      ]);
      expect(records.find((r) => r.number === issued.B.number)).toMatchObject({ lineNature: 'normal', differentialKind: '02', deduction: '60000.00' });
      const csv = (await t.http(seller.token).get('/v1/exports/invoices?format=csv&direction=issued').buffer(true)).text;
      const [header, ...rows] = csv
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      const cols = header.split(',');
      expect(cols).toEqual(expect.arrayContaining(['lineNature', 'differentialKind', 'deduction']));
      const row = rows.map((r) => r.split(',')).find((r) => r[cols.indexOf('number')] === issued.B.number)!;
      expect([row[cols.indexOf('lineNature')], row[cols.indexOf('deduction')]]).toEqual(['normal', '60000.00']);
    });
  });

  describe('VAT return figures (SPEC section 10)', () => {
    /** A tax-free invoice (03), a 04 one, and the month's edges in Beijing time. */
    async function monthEdges(s: Party, b: Party) {
      await issue(s, body(buyerOf(b), [GOODS('500.00', { taxRate: '0', preferentialPolicy: '03' })], { type: 'ordinary' }));
      await issue(s, body(buyerOf(b), [GOODS('70.00', { taxRate: '0', preferentialPolicy: '04' })], { type: 'ordinary' }));
      await setClock(t, '2026-09-30T23:30:00+08:00'); // 15:30 UTC: still September in Beijing
      await issue(s, body(buyerOf(b), [GOODS('100.00')], { type: 'ordinary' }));
      await setClock(t, '2026-10-01T00:10:00+08:00'); // 2026-09-30 16:10 UTC: October in Beijing
      await issue(s, body(buyerOf(b), [GOODS('200.00')], { type: 'ordinary' }));
    }
    /** A (as issued at BASE), confirmed for deduction by the buyer on 15 September. */
    async function deductedA(s: Party, b: Party) {
      const a = await issue(s, BODIES.A(b));
      await setClock(t, '2026-09-15T10:00:00+08:00');
      expectStatus(await t.http(b.token).post(`/v1/invoices/${a.number}/usage-confirmation`).send({ purpose: 'deduction' }), 200);
      return a;
    }
    /** The buyer files September; in October the seller reds 900.00 of A's first line. */
    async function laterRed(s: Party, b: Party, a: Json) {
      await setClock(t, '2026-10-10T09:00:00+08:00');
      expectStatus(await t.http(b.token).post(`/v1/taxpayers/${b.taxId}/vat-filings`).send({ period: '2026-09' }), 201);
      await setClock(t, '2026-10-12T09:00:00+08:00');
      const sl = await slip(s, { blueInvoiceNumber: a.number, reason: '03', lines: [{ blueLineNo: 1, amount: '-900.00' }] });
      expect([sl.status, sl.totalAmount, sl.totalTax, sl.inputTaxTransferOut]).toEqual(['02', '-900.00', '-117.00', '117.00']);
      await confirm(b, sl.id);
      const r = await red(s, sl.id);
      expect(r.lines.map((l: Json) => [l.name, l.lineNature, l.amount, l.taxAmount])).toEqual([['*计算机*笔记本电脑', 'normal', '-900.00', '-117.00']]);
    }

    it("a tax-free invoice and the month's edges in Beijing time", async () => {
      await monthEdges(seller, buyer);
    });

    it("a red in a later period counts there; the buyer's transfer-out goes on line 20", async () => {
      await laterRed(seller, buyer, await deductedA(seller, buyer));
    });

    // The figures of one seller's September and October, and of its buyer's: every invoice the
    // tests above issue, issued here again for a seller and buyer of this describe's own.
    describe('of a busy September and October', () => {
      let s9: Party;
      let b9: Party;
      beforeAll(async () => {
        await setClock(t, BASE);
        [s9, b9] = [await d.seller(t), await d.buyer(t)];
        await issue(s9, BODIES.B(b9));
        await issue(s9, BODIES.C05(b9));
        await issue(s9, BODIES.C09(b9));
        const e = await issue(s9, BODIES.E());
        await slip(s9, { blueInvoiceNumber: e.number, reason: '01', autoIssue: true });
        const a = await deductedA(s9, b9);
        await monthEdges(s9, b9);
        await laterRed(s9, b9, a);
      });

      it.each([
        // who, period, expected
        [
          'seller',
          '2026-09',
          {
            period: '2026-09',
            taxpayerType: 'general',
            sales: [
              // A's line 1 net of its discount (10000 - 1000, 1300 - 130); E and its red cancel out; F1 at 23:30 on the 30th
              { taxRate: '0.13', specialInvoiceSales: '9000.00', specialInvoiceTax: '1170.00', otherInvoiceSales: '100.00', otherInvoiceTax: '13.00' },
              // 05 (1,000,000.00) and 09 (1,000.00)
              { taxRate: '0.09', specialInvoiceSales: '0.00', specialInvoiceTax: '0.00', otherInvoiceSales: '1001000.00', otherInvoiceTax: '90090.00' },
              // A's line 3; B (差额征税) at its amount and tax
              { taxRate: '0.06', specialInvoiceSales: '300.00', specialInvoiceTax: '18.00', otherInvoiceSales: '97735.85', otherInvoiceTax: '2264.15' },
            ],
            taxFreeSales: { specialInvoice: '0.00', otherInvoice: '500.00' },
            input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '0.00', line23bOtherTransferOut: '0.00' },
          },
        ],
        [
          'seller',
          '2026-10',
          {
            period: '2026-10',
            taxpayerType: 'general',
            // the red of A in October (-900.00 / -117.00), F2 after midnight
            sales: [{ taxRate: '0.13', specialInvoiceSales: '-900.00', specialInvoiceTax: '-117.00', otherInvoiceSales: '200.00', otherInvoiceTax: '26.00' }],
            taxFreeSales: { specialInvoice: '0.00', otherInvoice: '0.00' },
            input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '0.00', line23bOtherTransferOut: '0.00' },
          },
        ],
        [
          'buyer',
          '2026-09',
          {
            period: '2026-09',
            taxpayerType: 'general',
            sales: [],
            taxFreeSales: { specialInvoice: '0.00', otherInvoice: '0.00' },
            // A confirmed for deduction on 15 September, net of its discount
            input: {
              deductionConfirmed: { count: 1, amount: '9300.00', tax: '1188.00' },
              line20RedSpecialTransferOut: '0.00',
              line23bOtherTransferOut: '0.00',
            },
          },
        ],
        [
          'buyer',
          '2026-10',
          {
            period: '2026-10',
            taxpayerType: 'general',
            sales: [],
            taxFreeSales: { specialInvoice: '0.00', otherInvoice: '0.00' },
            input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '117.00', line23bOtherTransferOut: '0.00' },
          },
        ],
      ])('%s %s', async (who, period, expected) => {
        const p = who === 'seller' ? s9 : b9;
        expect(await figures(p.token, p.taxId, period)).toEqual(expected);
        expect(await figures(officer, p.taxId, period)).toEqual(expected);
      });
    });

    it('a transfer-out on a received 普票 goes on line 23b', async () => {
      await setClock(t, '2026-11-02T09:00:00+08:00');
      const blue = await issue(other, body(buyerOf(buyer), [GOODS('1000.00')], { type: 'ordinary' }));
      expectStatus(await t.http(buyer.token).post(`/v1/invoices/${blue.number}/usage-confirmation`).send({ purpose: 'deduction' }), 200);
      await setClock(t, '2026-12-02T09:00:00+08:00');
      expectStatus(await t.http(buyer.token).post(`/v1/taxpayers/${buyer.taxId}/vat-filings`).send({ period: '2026-11' }), 201);
      const s = await slip(buyer, { blueInvoiceNumber: blue.number, reason: '04', lines: [{ blueLineNo: 1, amount: '-100.00' }] });
      expect(s.inputTaxTransferOut).toBe('13.00');
      expect((await figures(buyer.token, buyer.taxId, '2026-11')).input).toEqual({
        deductionConfirmed: { count: 1, amount: '1000.00', tax: '130.00' },
        line20RedSpecialTransferOut: '0.00',
        line23bOtherTransferOut: '0.00',
      });
      expect((await figures(buyer.token, buyer.taxId, '2026-12')).input).toEqual({
        deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' },
        line20RedSpecialTransferOut: '0.00',
        line23bOtherTransferOut: '13.00',
      });
    });

    it('a small-scale quarterly filer gets the three sales figures of its quarter', async () => {
      await setClock(t, '2026-08-05T09:00:00+08:00');
      const small = (await registerTaxpayer(t, { taxpayerType: 'small_scale', filingFrequency: 'quarterly' }, '22')) as Party;
      await issue(small, body(buyerOf(buyer), [GOODS('1000.00', { taxRate: '0.03' })]));
      await setClock(t, '2026-09-05T09:00:00+08:00');
      await issue(small, body(buyerOf(buyer), [GOODS('200.00', { taxRate: '0.01', discountAmount: '20.00' })], { type: 'ordinary' }));
      await issue(small, body({ name: '个人' }, [GOODS('50.00', { taxRate: '0', preferentialPolicy: '03' })], { type: 'ordinary' }));
      expect(await figures(small.token, small.taxId, '2026-Q3')).toEqual({
        period: '2026-Q3',
        taxpayerType: 'small_scale',
        smallScale: { specialInvoiceSales: '1000.00', otherInvoiceSales: '180.00', taxFreeSales: '50.00' },
        taxFreeSales: { specialInvoice: '0.00', otherInvoice: '50.00' },
        input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '0.00', line23bOtherTransferOut: '0.00' },
      });
      await expectProblem(await t.http(small.token).get(`/v1/taxpayers/${small.taxId}/vat-return-figures?period=2026-09`), 400, 'VALIDATION_FAILED', 'period');
    });

    it.each(['', '?period=2026-13', '?period=2026-Q3'])('period %j is a 400 naming period', async (q) => {
      await expectProblem(await t.http(seller.token).get(`/v1/taxpayers/${seller.taxId}/vat-return-figures${q}`), 400, 'VALIDATION_FAILED', 'period');
    });

    it("another taxpayer's figures are a 404", async () => {
      await expectProblem(await t.http(buyer.token).get(`/v1/taxpayers/${seller.taxId}/vat-return-figures?period=2026-09`), 404, 'NOT_FOUND');
    });
  });
});
