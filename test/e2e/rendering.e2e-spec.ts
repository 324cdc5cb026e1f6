import { unzipSync } from 'fflate';
import { hasOfdCheck, ofdCheck, OFD_CHECK, pdfText } from '../support/extract';
import { bootApp, buyer as newBuyer, canonicalLines, invoiceBody, issueOk, Json, Party, rawBody, seller as newSeller } from '../support/drivers';
import { registerTaxpayer, TestApp } from '../support/test-app';

// SPEC section 7: XML, PDF and OFD "must agree"; section 8: the XML data file; issue 5.
/** The canonical lines (repeated to `lines`), to a buyer without bank details, remarks with XML's special characters. */
const body = (b: Party, lines = 2) =>
  invoiceBody(b, { buyer: { taxId: b.taxId, name: '河南某某贸易有限公司' }, lines: canonicalLines(lines), remarks: '合同号 HT-2023-0715 <&>' });

const binary = (res: { body: unknown; text?: string }) => res.body as Buffer;
describe('renderings: XML, PDF and OFD agree', () => {
  let t: TestApp;
  let seller: Party;
  let buyer: Party;
  let blue: Json;
  let red: Json;

  beforeAll(async () => {
    t = await bootApp();
    seller = await newSeller(t, {}, '44');
    buyer = await newBuyer(t);
    blue = await issueOk(t, seller, body(buyer));
    const slip = (await t.http(seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: blue.number, reason: '01' }).expect(201)).body;
    red = (await t.http(seller.token).post(`/v1/red-confirmations/${slip.id}/red-invoice`).send({}).expect(201)).body;
  });
  afterAll(() => t.close());

  const fetch = (token: string, url: string, accept?: string) => {
    const req = t
      .http(token)
      .get(url)
      .buffer(true)
      .parse(rawBody as never);
    return accept ? req.set('Accept', accept) : req;
  };

  /** What every format must show: number, date, both tax ids, every line's amount, the words. */
  const expectations = (inv: Record<string, any>) => [
    inv.number,
    seller.taxId,
    buyer.taxId,
    inv.totalWithTaxInWords,
    ...inv.lines.map((l: { amount: string }) => l.amount),
  ];

  for (const which of ['blue', 'red'] as const) {
    describe(`${which} invoice`, () => {
      const inv = () => (which === 'blue' ? blue : red);

      it('XML: the data file has the values of the invoice', async () => {
        const res = await fetch(seller.token, `/v1/invoices/${inv().number}/xml`).expect(200);
        expect(res.headers['content-type']).toMatch(/^application\/xml/);
        const xml = binary(res).toString('utf8');
        for (const value of expectations(inv())) expect(xml).toContain(value);
        expect(xml).toContain(`<IssueTime>2023-07-20</IssueTime>`);
        expect(xml).toContain('<TaxBureauCode>14400000000</TaxBureauCode>');
        expect(xml).toContain(`<LabelCode>${which === 'blue' ? 'Y' : 'N'}</LabelCode>`);
        if (which === 'blue') expect(xml).toContain('&lt;&amp;&gt;');
        if (which === 'red') expect(xml).toContain(`<OriginalInvoiceCode>${blue.number}</OriginalInvoiceCode>`);
      });

      it('PDF: pdftotext finds the number, the date, both tax ids, every line amount and the words', async () => {
        const res = await fetch(seller.token, `/v1/invoices/${inv().number}/pdf`).expect(200);
        expect(res.headers['content-type']).toBe('application/pdf');
        const pdf = binary(res);
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        expect(pdf.length).toBeLessThan(100 * 1024);
        const text = pdfText(pdf).replace(/\s+/g, '');
        for (const value of [...expectations(inv()), '2023年07月20日']) expect(text).toContain(value.replace(/\s+/g, ''));
        if (which === 'red') expect(text).toContain('销项负数');
      });

      it('OFD: a valid package (ofd-check) whose text has the same values, with the XML attached', async () => {
        const res = await fetch(seller.token, `/v1/invoices/${inv().number}/ofd`).expect(200);
        expect(res.headers['content-type']).toBe('application/ofd');
        const ofd = binary(res);
        const parts = unzipSync(new Uint8Array(ofd));
        expect(Object.keys(parts)).toEqual(expect.arrayContaining(['OFD.xml']));
        const attached = Object.entries(parts).find(([name]) => name === 'Doc_0/Attachs/original_invoice.xml'); // SPEC section 9
        expect(attached).toBeDefined();
        const xml = await fetch(seller.token, `/v1/invoices/${inv().number}/xml`).expect(200);
        expect(Buffer.from(attached![1]).equals(binary(xml))).toBe(true);
        if (!hasOfdCheck) {
          console.warn(`ofd-check not found at ${OFD_CHECK}: the independent OFD validation was not run`);
          return;
        }
        const check = ofdCheck(ofd);
        expect(check.output).not.toMatch(/schema:|missing|duplicate|exceeds/);
        expect(check.status).toBe(0);
        const text = check.output.replace(/\s+/g, '');
        for (const value of [...expectations(inv()), '2023年07月20日']) expect(text).toContain(value.replace(/\s+/g, ''));
      });
    });
  }

  it('Accept on the invoice URL chooses the representation; 406 for none of them', async () => {
    const json = await t.http(seller.token).get(`/v1/invoices/${blue.number}`).expect(200);
    expect(json.body.number).toBe(blue.number);
    expect((await fetch(seller.token, `/v1/invoices/${blue.number}`, 'application/pdf').expect(200)).headers['content-type']).toBe('application/pdf');
    expect((await fetch(seller.token, `/v1/invoices/${blue.number}`, 'application/ofd').expect(200)).headers['content-type']).toBe('application/ofd');
    expect((await fetch(seller.token, `/v1/invoices/${blue.number}`, 'application/xml').expect(200)).headers['content-type']).toMatch(/^application\/xml/);
    expect((await fetch(seller.token, `/v1/invoices/${blue.number}`, 'application/pdf;q=0.5, application/ofd').expect(200)).headers['content-type']).toBe(
      'application/ofd',
    );
    const none = await t.http(seller.token).get(`/v1/invoices/${blue.number}`).set('Accept', 'image/png').expect(406);
    expect(none.body.code).toBe('NOT_ACCEPTABLE');
  });

  it('the buyer reads the renderings; an unrelated taxpayer gets 404', async () => {
    await fetch(buyer.token, `/v1/invoices/${blue.number}/pdf`).expect(200);
    const other = await registerTaxpayer(t);
    for (const format of ['xml', 'pdf', 'ofd']) await t.http(other.token).get(`/v1/invoices/${blue.number}/${format}`).expect(404);
  });

  it('a long line table continues on further pages, in PDF and OFD alike', async () => {
    const long = await issueOk(t, seller, body(buyer, 30));
    const pdf = binary(await fetch(seller.token, `/v1/invoices/${long.number}/pdf`).expect(200));
    const pages = (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    expect(pages).toBeGreaterThan(1);
    const parts = unzipSync(new Uint8Array(binary(await fetch(seller.token, `/v1/invoices/${long.number}/ofd`).expect(200))));
    const ofdPages = Object.keys(parts).filter((name) => /Pages\/Page_\d+\/Content\.xml$/.test(name)).length;
    expect(ofdPages).toBe(pages);
    const text = pdfText(pdf).replace(/\s+/g, '');
    expect(text).toContain(long.totalWithTaxInWords);
    expect((text.match(/10000\.00/g) ?? []).length).toBeGreaterThanOrEqual(15);
  });
});
