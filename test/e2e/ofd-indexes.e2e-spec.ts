import { strFromU8, unzipSync } from 'fflate';
import { hasOfdCheck, ofdCheck, pdfText } from '../support/extract';
import { bootApp, buyer as newBuyer, canonicalLines, getBytes, invoiceBody, issueOk, Json, Party, seller as newSeller } from '../support/drivers';
import { TestApp } from '../support/test-app';

// Issue 13 / SPEC section 9: readers of real 数电票 OFDs take the invoice from OFD.xml's
// DocInfo/CustomDatas and from Doc_0/Tags/CustomTag.xml, whose fields are ObjectRefs to the
// TextObjects the face shows (one per line for line columns); dates YYYY年MM月DD日; the XML data
// file at Doc_0/Attachs/original_invoice.xml. Paper invoices print the 20-digit number and the
// verification platform's address in the old cipher area (密码区).

/** `lines` canonical lines, each name numbered, to a buyer without bank details; remarks with XML's special characters. */
const body = (b: Party, lines = 2, extra: Json = {}) =>
  invoiceBody(b, { buyer: { taxId: b.taxId, name: '河南某某贸易有限公司' }, lines: canonicalLines(lines, true), remarks: '合同号 HT-2023-0715 <&>', ...extra });

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_m, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : ENTITIES[e]));

/** Reads an OFD the way invoice tools do: CustomDatas, and every CustomTag field resolved to the TextObjects' texts. */
function readOfd(ofd: Buffer) {
  const parts = unzipSync(new Uint8Array(ofd));
  const part = (name: string) => {
    expect(parts[name]).toBeDefined();
    return strFromU8(parts[name]);
  };
  const entry = part('OFD.xml');
  const docRoot = /<ofd:DocRoot>([^<]+)<\/ofd:DocRoot>/.exec(entry)![1];
  const doc = part(docRoot);
  const dir = docRoot.replace(/[^/]+$/, '');
  const customDatas = Object.fromEntries([...entry.matchAll(/<ofd:CustomData Name="([^"]+)">([^<]*)<\/ofd:CustomData>/g)].map((m) => [m[1], unescape(m[2])]));
  // Pages: ID -> its TextObjects (ID -> text).
  const pages = new Map<string, Map<string, string>>();
  for (const m of doc.matchAll(/<ofd:Page ID="(\d+)" BaseLoc="([^"]+)"\/>/g)) {
    const objects = new Map<string, string>();
    for (const o of part(dir + m[2]).matchAll(/<ofd:TextObject ID="(\d+)"[^>]*>.*?<ofd:TextCode[^>]*>([^<]*)<\/ofd:TextCode><\/ofd:TextObject>/g))
      objects.set(o[1], unescape(o[2]));
    pages.set(m[1], objects);
  }
  // Document.xml -> CustomTags.xml -> CustomTag.xml, as a reader follows them.
  const tagsLoc = dir + /<ofd:CustomTags>([^<]+)<\/ofd:CustomTags>/.exec(doc)![1];
  const tagFile = tagsLoc.replace(/[^/]+$/, '') + /<ofd:FileLoc>([^<]+)<\/ofd:FileLoc>/.exec(part(tagsLoc))![1];
  const tags = part(tagFile);
  expect(tags).toMatch(/^<\?xml[^>]*>\s*<ofd:root xmlns:ofd="http:\/\/www\.ofdspec\.org\/2016" version="1\.0">/);
  const refs = (field: string) => {
    const m = new RegExp(`<ofd:${field}>(.*?)</ofd:${field}>`).exec(tags);
    expect([field, m]).not.toEqual([field, null]);
    return [...m![1].matchAll(/<ofd:ObjectRef PageRef="(\d+)">(\d+)<\/ofd:ObjectRef>/g)].map((r) => ({ page: r[1], id: r[2] }));
  };
  /** The texts a field's ObjectRefs point at (each ref must resolve). */
  const values = (field: string) =>
    refs(field).map(({ page, id }) => {
      const text = pages.get(page)?.get(id);
      expect([field, page, id, text]).toEqual([field, page, id, expect.any(String)]);
      return text!;
    });
  return { parts, customDatas, pages, refs, values, attachment: parts['Doc_0/Attachs/original_invoice.xml'] };
}

const rateText = (l: Record<string, any>) => `${Number(l.taxRate) * 100}%`;

describe("the OFD's invoice indexes (SPEC 9) and the paper cipher area", () => {
  let t: TestApp;
  let seller: Party;
  let buyer: Party;

  const get = async (number: string, format: 'ofd' | 'pdf' | 'xml') =>
    (await getBytes(t, seller.token, `/v1/invoices/${number}/${format}`).expect(200)).body as Buffer;
  const issue = (extra: Json = {}, lines = 2) => issueOk(t, seller, body(buyer, lines, extra));

  beforeAll(async () => {
    t = await bootApp();
    seller = await newSeller(t, {}, '44');
    buyer = await newBuyer(t);
  });
  afterAll(() => t.close());

  /** Every index entry against the invoice (its JSON view). */
  async function expectIndexes(inv: Record<string, any>, note: (joined: string) => void) {
    const ofd = await get(inv.number, 'ofd');
    const o = readOfd(ofd);
    expect(o.customDatas).toEqual({
      发票号码: inv.number,
      销售方纳税人识别号: inv.seller.taxId,
      购买方纳税人识别号: inv.buyer.taxId ?? '',
      合计金额: inv.totalAmount,
      合计税额: inv.totalTax,
      开票日期: '2023年07月20日',
    });
    expect(o.values('InvoiceNo')).toEqual([inv.number]);
    expect(o.values('IssueDate')).toEqual(['2023年07月20日']);
    expect(o.values('BuyerName')).toEqual([inv.buyer.name]);
    expect(o.values('BuyerTaxID')).toEqual([inv.buyer.taxId]);
    expect(o.values('SellerName')).toEqual([inv.seller.name]);
    expect(o.values('SellerTaxID')).toEqual([inv.seller.taxId]);
    expect(o.values('TaxExclusiveTotalAmount')).toEqual([`¥${inv.totalAmount}`]);
    expect(o.values('TaxTotalAmount')).toEqual([`¥${inv.totalTax}`]);
    expect(o.values('TaxInclusiveTotalAmount')).toEqual([`¥${inv.totalWithTax}`]);
    expect(o.values('InvoiceClerk')).toEqual([inv.drawer]);
    const lines = inv.lines as Record<string, any>[];
    expect(o.values('Item')).toEqual(lines.map((l) => l.name));
    expect(o.values('TaxScheme')).toEqual(lines.map(rateText));
    expect(o.values('Amount')).toEqual(lines.map((l) => l.amount));
    expect(o.values('TaxAmount')).toEqual(lines.map((l) => l.taxAmount));
    expect(o.values('Price')).toEqual(lines.filter((l) => l.unitPrice).map((l) => l.unitPrice));
    expect(o.values('Quantity')).toEqual(lines.filter((l) => l.quantity).map((l) => l.quantity));
    note(o.values('Note').join(''));
    // The signed XML data file where older readers look for it.
    expect(Buffer.from(o.attachment).equals(await get(inv.number, 'xml'))).toBe(true);
    if (hasOfdCheck) expect(ofdCheck(ofd).status).toBe(0);
    return o;
  }

  it("blue: every CustomTag field resolves to the TextObject showing the invoice's value; CustomDatas carry the six facts", async () => {
    const inv = await issue();
    await expectIndexes(inv, (note) => expect(note).toBe(inv.remarks));
  });

  it('red: negative amounts, the red remarks', async () => {
    const blue = await issue();
    const slip = (await t.http(seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: blue.number, reason: '01' }).expect(201)).body;
    const red = (await t.http(seller.token).post(`/v1/red-confirmations/${slip.id}/red-invoice`).send({}).expect(201)).body;
    expect(red.totalAmount.startsWith('-')).toBe(true);
    await expectIndexes(red, (note) => expect(note).toBe(red.remarks));
  });

  it('multi-page: one Item (and Amount ...) per line, each on the page that shows it; header fields once, on the first page', async () => {
    const inv = await issue({}, 30);
    const o = await expectIndexes(inv, (note) => expect(note).toBe(inv.remarks));
    const pageIds = [...o.pages.keys()];
    expect(pageIds.length).toBeGreaterThan(1);
    const itemPages = o.refs('Item').map((r) => r.page);
    expect(itemPages).toHaveLength(30);
    expect(new Set(itemPages).size).toBe(pageIds.length);
    expect(o.refs('InvoiceNo')).toEqual([{ page: pageIds[0], id: expect.any(String) }]);
    // Totals on the last page only.
    expect(o.refs('TaxInclusiveTotalAmount')[0].page).toBe(pageIds[pageIds.length - 1]);
  });

  it('specific business (03 建筑服务): its fields are printed in the remarks, which the Note rows index', async () => {
    const inv = await issue({
      specificBusiness: { type: '03', location: '吉林省长春市南关区人民大街', projectName: '长春地铁6号线土建工程', crossCity: false },
    });
    await expectIndexes(inv, (note) => {
      expect(note.startsWith(inv.remarks)).toBe(true);
      expect(note).toContain('建筑服务发生地：吉林省长春市南关区人民大街');
      expect(note).toContain('长春地铁6号线土建工程');
    });
  });

  it('paper: the old cipher area (密码区) shows the 20-digit number and https://inv-veri.chinatax.gov.cn, in PDF and OFD alike; an electronic invoice has no such area', async () => {
    const paper = await issue({ medium: 'paper' });
    const electronic = await issue();
    for (const [inv, expected] of [
      [paper, true],
      [electronic, false],
    ] as const) {
      const pdf = pdfText(await get(inv.number, 'pdf')).replace(/\s+/g, '');
      const ofd = readOfd(await get(inv.number, 'ofd'));
      const ofdTexts = [...ofd.pages.values()].flatMap((m) => [...m.values()]);
      const tpl = strFromU8(ofd.parts['Doc_0/Tpls/Tpl_0/Content.xml']);
      expect([inv.medium, pdf.includes('https://inv-veri.chinatax.gov.cn')]).toEqual([inv.medium, expected]);
      expect([inv.medium, pdf.includes(`数电票号码：${inv.number}`)]).toEqual([inv.medium, expected]);
      expect([inv.medium, pdf.includes('密码区') || pdf.includes('密码')]).toEqual([inv.medium, expected]);
      expect([inv.medium, ofdTexts.includes('https://inv-veri.chinatax.gov.cn')]).toEqual([inv.medium, expected]);
      expect([inv.medium, ofdTexts.includes(`数电票号码：${inv.number}`)]).toEqual([inv.medium, expected]);
      expect([inv.medium, tpl.includes('>密</ofd:TextCode>')]).toEqual([inv.medium, expected]);
    }
  });
});
