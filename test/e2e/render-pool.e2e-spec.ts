import { threadId } from 'node:worker_threads';
import { unzipSync } from 'fflate';
import { RenderingService } from '../../src/rendering/rendering.service';
import { SigningKeysService } from '../../src/rendering/signing-keys.service';
import { signatureKeyId, verifyXml } from '../../src/rendering/xml-signature';
import { bootApp, rawBody } from '../support/drivers';
import { registerTaxpayer, TestApp } from '../support/test-app';

const invoice = (buyerTaxId: string, lines: number) => ({
  type: 'special',
  buyer: { taxId: buyerTaxId, name: '河南某某贸易有限公司' },
  lines: Array.from({ length: lines }, (_, i) => ({
    name: `办公用品${i + 1}`,
    taxClassificationCode: '1090511030000000000',
    categoryShortName: '计算机',
    unit: '件',
    quantity: '1',
    unitPrice: '100.00',
    amount: '100.00',
    taxRate: '0.13',
  })),
});

/** Whether the file verifies under the key its KeyInfo names (the service's published key). */
async function verifies(t: TestApp, xml: Buffer): Promise<boolean> {
  const publicKeyHex = await t.app.get(SigningKeysService).publicKeyHex(signatureKeyId(xml)!);
  return publicKeyHex !== null && verifyXml(xml, publicKeyHex);
}

// Issue 11 item 10: PDF and OFD faces are painted in worker threads, not on the event loop, and a
// principal has a bounded number of renders in flight (README "Rendering"). Issue 13: the XML data
// file is written and signed in the same pool, once per invoice in a process.
describe('rendering in a pool of worker threads', () => {
  let t: TestApp;
  let seller: { taxId: string; token: string };
  let number: string;
  beforeAll(async () => {
    t = await bootApp({ RENDER_THREADS: '2', RENDER_PER_PRINCIPAL: '1', RENDER_QUEUE_PER_PRINCIPAL: '1' });
    seller = await registerTaxpayer(t, {}, '44');
    buyerTaxId = (await registerTaxpayer(t, {}, '41')).taxId;
    number = await issue(120);
  });
  afterAll(() => t.close());

  const fetch = (format: string, of = number) =>
    t
      .http(seller.token)
      .get(`/v1/invoices/${of}/${format}`)
      .buffer(true)
      .parse(rawBody as never);
  const issue = async (lines = 3) => (await t.http(seller.token).post('/v1/invoices').send(invoice(buyerTaxId, lines)).expect(201)).body.number as string;
  let buyerTaxId: string;

  it('paints PDF and OFD in a worker thread, not the main one', async () => {
    const rendering = t.app.get(RenderingService);
    rendering.paintedBy.clear(); // only this test's paintings (another test of this app may have painted)
    const fresh = await issue();
    const pdf = await fetch('pdf', fresh).expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const ofd = await fetch('ofd', fresh).expect(200);
    expect((ofd.body as Buffer).subarray(0, 2).toString('latin1')).toBe('PK');
    expect(rendering.paintedBy.size).toBeGreaterThan(0);
    expect([...rendering.paintedBy]).not.toContain(threadId);
    expect([...rendering.paintedBy]).not.toContain(0);
  });

  it('writes and signs the XML data file in a worker thread, not the main one', async () => {
    const rendering = t.app.get(RenderingService);
    const fresh = await issue(200);
    const signedBefore = rendering.signedFiles;
    const xml = (await fetch('xml', fresh).expect(200)).body as Buffer;
    expect(rendering.signedFiles).toBe(signedBefore + 1);
    expect(rendering.signedBy.size).toBeGreaterThan(0);
    expect([...rendering.signedBy]).not.toContain(threadId);
    expect([...rendering.signedBy]).not.toContain(0);
    expect(xml.toString('utf8')).toContain(`<EIid>${fresh}</EIid>`);
    expect(await verifies(t, xml)).toBe(true);
    // A stored file is read, not signed again.
    expect(((await fetch('xml', fresh).expect(200)).body as Buffer).equals(xml)).toBe(true);
    expect(rendering.signedFiles).toBe(signedBefore + 1);
  });

  it("a first XML download (it signs) counts against the principal's bound; one joining a signing in flight does not", async () => {
    const rendering = t.app.get(RenderingService);
    // Four different unsigned invoices at once: one signs, one waits, the others are refused.
    const fresh = [await issue(600), await issue(600), await issue(600), await issue(600)];
    const answers = await Promise.all(fresh.map((n) => fetch('xml', n)));
    const refused = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(JSON.parse((r.body as Buffer).toString('utf8'))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Four downloads of one unsigned invoice at once: one signing, which the other three join.
    const one = await issue(600);
    const before = rendering.signedFiles;
    const same = await Promise.all([1, 2, 3, 4].map(() => fetch('xml', one)));
    expect(same.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    for (const a of same) expect((a.body as Buffer).equals(same[0].body as Buffer)).toBe(true);
    expect(rendering.signedFiles).toBe(before + 1);
  });

  it('bounds one principal: one render running, one waiting, the next refused with 429 and Retry-After; others unaffected', async () => {
    const answers = await Promise.all([fetch('pdf'), fetch('pdf'), fetch('pdf'), fetch('pdf')]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(JSON.parse((r.body as Buffer).toString('utf8'))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Once done, the principal renders again; XML is not a painted face and is not bounded.
    await fetch('pdf').expect(200);
    await Promise.all([fetch('xml'), fetch('xml'), fetch('xml'), fetch('xml')].map((r) => r.expect(200)));
  });
});

// Issue 13: concurrent first renders of one invoice in a process (its XML and its OFD, by seller and
// buyer) sign it once and share that file; the OFD attaches exactly those bytes.
describe('signing an XML data file once per process', () => {
  let t: TestApp;
  let seller: { taxId: string; token: string };
  let buyer: { taxId: string; token: string };
  beforeAll(async () => {
    t = await bootApp({ RENDER_THREADS: '2' });
    seller = await registerTaxpayer(t, {}, '44');
    buyer = await registerTaxpayer(t, {}, '41');
  });
  afterAll(() => t.close());

  const get = (token: string, number: string, format: string) =>
    t
      .http(token)
      .get(`/v1/invoices/${number}/${format}`)
      .buffer(true)
      .parse(rawBody as never);

  it('N concurrent first downloads, XML and OFD mixed, sign exactly once and all carry the same signed bytes', async () => {
    const rendering = t.app.get(RenderingService);
    for (const lines of [2, 150]) {
      const number = (await t.http(seller.token).post('/v1/invoices').send(invoice(buyer.taxId, lines)).expect(201)).body.number as string;
      const before = rendering.signedFiles;
      const requests: [string, string][] = [
        [seller.token, 'ofd'],
        [seller.token, 'xml'],
        [buyer.token, 'xml'],
        [seller.token, 'ofd'],
        [buyer.token, 'ofd'],
        [seller.token, 'xml'],
        [buyer.token, 'xml'],
        [seller.token, 'xml'],
      ];
      const answers = await Promise.all(requests.map(([token, format]) => get(token, number, format).expect(200)));
      expect(rendering.signedFiles).toBe(before + 1);
      const xmls = answers.filter((_, i) => requests[i][1] === 'xml').map((a) => a.body as Buffer);
      const ofds = answers.filter((_, i) => requests[i][1] === 'ofd').map((a) => a.body as Buffer);
      for (const x of xmls) expect(x.equals(xmls[0])).toBe(true);
      for (const o of ofds) expect(Buffer.from(unzipSync(new Uint8Array(o))['Doc_0/Attachs/original_invoice.xml']).equals(xmls[0])).toBe(true);
      expect(await verifies(t, xmls[0])).toBe(true);
      const rows = await t.dataSource.query('SELECT COUNT(*) AS c FROM invoice_signed_xml WHERE invoice_number = ? AND chunk_no = 0', [number]);
      expect(Number(rows[0].c)).toBe(1);
    }
  });
});
