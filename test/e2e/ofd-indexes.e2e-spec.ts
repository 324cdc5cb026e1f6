import { strFromU8, unzipSync } from 'fflate';
import { hasOfdCheck, ofdCheck, pdfText } from '../support/extract';
import {
  bootApp,
  buyer as newBuyer,
  canonicalLines,
  enterAccounting,
  fileSlip,
  getBytes,
  INSTALL,
  invoiceBody,
  issueOk,
  Json,
  LAPTOP,
  Party,
  redInvoice,
  seller as newSeller,
  slipAction,
} from '../support/drivers';
import { TestApp } from '../support/test-app';

// Issue 13 / SPEC section 9: readers of real 数电票 OFDs take the invoice from OFD.xml's
// DocInfo/CustomDatas and from Doc_0/Tags/CustomTag.xml, whose fields are ObjectRefs to the
// TextObjects the face shows (one per line for line columns); dates YYYY年MM月DD日; the XML data
// file at Doc_0/Attachs/original_invoice.xml. Paper invoices print the 20-digit number and the
// verification platform's address in the old cipher area (密码区).
// A reader pairs the line columns by position: every line column holds exactly one ObjectRef per
// invoice line, in line order, also where the value is empty (a TextObject with an empty TextCode
// in the cell); a value the face wraps (a long name) is one TextObject with one TextCode per row,
// which a reader concatenates.

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
  // Pages: ID -> its TextObjects (ID -> the text of its TextCodes, concatenated in order) and each
  // object's first baseline (Boundary y + the first TextCode's Y), to see which cells share a row.
  const pages = new Map<string, Map<string, string>>();
  const baselines = new Map<string, number>();
  for (const m of doc.matchAll(/<ofd:Page ID="(\d+)" BaseLoc="([^"]+)"\/>/g)) {
    const objects = new Map<string, string>();
    for (const o of part(dir + m[2]).matchAll(/<ofd:TextObject ID="(\d+)" Boundary="([^"]+)"[^>]*>(.*?)<\/ofd:TextObject>/g)) {
      const codes = [...o[3].matchAll(/<ofd:TextCode X="[^"]*" Y="([^"]*)"[^>]*>([^<]*)<\/ofd:TextCode>/g)];
      expect([o[1], codes.length]).not.toEqual([o[1], 0]);
      objects.set(o[1], codes.map((c) => unescape(c[2])).join(''));
      baselines.set(o[1], Math.round((Number(o[2].split(' ')[1]) + Number(codes[0][1])) * 100) / 100);
    }
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
  return { parts, customDatas, pages, baselines, refs, values, attachment: parts['Doc_0/Attachs/original_invoice.xml'] };
}

const BUYER_40 = '广州南沙某某国际供应链管理与跨境电子商务综合服务及进出口贸易代理集团股份有限公司';
const SELLER_35 = '深圳前海某某新一代信息技术与智能制造装备研究开发及应用推广有限责任公司';
const LONG_ITEM = '高性能工业级多功能智能数据采集终端设备（含配套安装调试服务及三年上门维保服务，适用于大型制造企业生产线与仓储物流中心）';

const rateText = (l: Record<string, any>) => `${Number(l.taxRate) * 100}%`;
const LINE_COLUMNS = ['Item', 'TaxScheme', 'Amount', 'TaxAmount', 'Price', 'Quantity'] as const;

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
    // One ObjectRef per line in every line column, in line order, empty values included.
    for (const column of LINE_COLUMNS) expect([column, o.refs(column).length]).toEqual([column, lines.length]);
    expect(o.values('Item')).toEqual(lines.map((l) => l.name));
    expect(o.values('TaxScheme')).toEqual(lines.map(rateText));
    expect(o.values('Amount')).toEqual(lines.map((l) => l.amount));
    expect(o.values('TaxAmount')).toEqual(lines.map((l) => l.taxAmount));
    expect(o.values('Price')).toEqual(lines.map((l) => l.unitPrice ?? ''));
    expect(o.values('Quantity')).toEqual(lines.map((l) => l.quantity ?? ''));
    // The i-th ref of every column is line i's cell: same page, same row (baseline) as its Item.
    const items = o.refs('Item');
    for (const column of LINE_COLUMNS) {
      const cells = o.refs(column).map((r) => [r.page, o.baselines.get(r.id)]);
      expect([column, cells]).toEqual([column, items.map((r) => [r.page, o.baselines.get(r.id)])]);
    }
    // Rows go down the page in line order.
    for (let i = 1; i < items.length; i++)
      if (items[i].page === items[i - 1].page) expect(o.baselines.get(items[i].id)!).toBeGreaterThan(o.baselines.get(items[i - 1].id)!);
    note(o.values('Note').join(''));
    // The signed XML data file where older readers look for it.
    expect(Buffer.from(o.attachment).equals(await get(inv.number, 'xml'))).toBe(true);
    if (hasOfdCheck) {
      const check = ofdCheck(ofd);
      expect([inv.number, check.status, check.output.split('\n').filter((l) => l.startsWith('ofd-check:'))]).toEqual([inv.number, 0, []]);
    }
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

  it('red, reason 04 (销售折让): amounts only; Quantity and Price still hold one (empty) entry per line, in line order', async () => {
    const blue = await issue({ lines: [{ ...INSTALL }, { ...LAPTOP }, { ...INSTALL, name: '维护服务' }] });
    expect((await enterAccounting(t, buyer.token, blue.number, true)).status).toBe(200);
    const slip = (
      await fileSlip(t, seller, {
        blueInvoiceNumber: blue.number,
        reason: '04',
        lines: [
          { blueLineNo: 1, amount: '-100.00' },
          { blueLineNo: 2, amount: '-1000.00' },
          { blueLineNo: 3, amount: '-50.00' },
        ],
      }).expect(201)
    ).body;
    await slipAction(t, buyer.token, slip.id, 'confirm').expect(200);
    const red = (await redInvoice(t, seller.token, slip.id).expect(201)).body;
    expect(red.lines.map((l: Json) => [l.quantity, l.unitPrice, l.amount])).toEqual([
      [null, null, '-100.00'],
      [null, null, '-1000.00'],
      [null, null, '-50.00'],
    ]);
    const o = await expectIndexes(red, (note) => expect(note).toBe(red.remarks));
    expect(o.values('Quantity')).toEqual(['', '', '']);
    expect(o.values('Price')).toEqual(['', '', '']);
  });

  it('multi-page: one Item (and Amount ...) per line, each on the page that shows it; header fields once, on the first page', async () => {
    // 31 lines alternating with and without quantity / unit price.
    const inv = await issue({}, 31);
    const o = await expectIndexes(inv, (note) => expect(note).toBe(inv.remarks));
    const pageIds = [...o.pages.keys()];
    expect(pageIds.length).toBeGreaterThan(1);
    const itemPages = o.refs('Item').map((r) => r.page);
    expect(itemPages).toHaveLength(31);
    // Lines without quantity / price sit between lines with them, on every page: one entry each.
    expect(o.values('Quantity').filter((q) => q === '').length).toBe(15);
    expect(o.values('Price').map((p, i) => [i, p === ''])).toEqual(inv.lines.map((l: Json, i: number) => [i, l.unitPrice === null]));
    for (const column of LINE_COLUMNS) expect(o.refs(column).map((r) => r.page)).toEqual(itemPages);
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

  it('specific business (05 不动产销售): the sale fields in the remarks; the line with area and price per area', async () => {
    const inv = await issue({
      type: 'ordinary',
      lines: [
        {
          name: '住宅',
          taxClassificationCode: '5010101000000000000',
          categoryShortName: '不动产',
          unit: '平方米',
          quantity: '100',
          unitPrice: '1000',
          amount: '100000.00',
          taxRate: '0.09',
        },
      ],
      specificBusiness: {
        type: '05',
        propertyAddress: '广州市天河区某路1号3栋101',
        propertyCertificateNumber: '粤(2023)广州市不动产权第0000002号',
        crossCity: false,
        realEstateUnitCode: '440106001001GB00001F00010001',
        assessedTaxPrice: '100000.00',
        actualTransactionAmount: '109000.00',
        areaUnit: '平方米',
      },
    });
    const o = await expectIndexes(inv, (note) => {
      expect(note.startsWith(inv.remarks)).toBe(true);
      expect(note).toContain('不动产地址：广州市天河区某路1号3栋101');
      expect(note).toContain('不动产权证号：粤(2023)广州市不动产权第0000002号');
    });
    expect(o.values('Quantity')).toEqual(['100']);
  });

  it('specific business (09 旅客运输): one passenger row each in the remarks; the amount-only line has empty Quantity / Price entries', async () => {
    const passenger = {
      traveler: '张三',
      idType: '居民身份证',
      idNumber: '220102198801010011',
      travelDate: '2023-07-18',
      departure: '广州',
      destination: '北京',
      grade: '经济舱',
      vehicleType: '飞机',
    };
    const inv = await issue({
      type: 'ordinary',
      lines: [
        { name: '国内航空旅客运输服务', taxClassificationCode: '3010101020101000000', categoryShortName: '运输服务', amount: '1000.00', taxRate: '0.09' },
      ],
      specificBusiness: { type: '09', passengers: [passenger, { ...passenger, traveler: '李四', idNumber: '220102199002020022', destination: '上海' }] },
    });
    const o = await expectIndexes(inv, (note) => {
      expect(note.startsWith(inv.remarks)).toBe(true);
      expect(note).toContain('出行人：张三');
      expect(note).toContain('出行人：李四');
    });
    expect([o.values('Quantity'), o.values('Price')]).toEqual([[''], ['']]);
  });

  it('long names: a wrapped item name and a 40-character buyer name are indexed whole (one object, one TextCode per row); the PDF shows them too', async () => {
    const longSeller = await newSeller(t, { name: SELLER_35 }, '44');
    const inv = await issueOk(
      t,
      longSeller,
      invoiceBody(buyer, {
        buyer: { taxId: buyer.taxId, name: BUYER_40 },
        lines: [{ ...LAPTOP }, { ...INSTALL, name: LONG_ITEM }, { ...INSTALL }],
        remarks: '长名称',
      }),
    );
    expect([...inv.buyer.name]).toHaveLength(40);
    const ofd = (await getBytes(t, longSeller.token, `/v1/invoices/${inv.number}/ofd`).expect(200)).body as Buffer;
    const o = readOfd(ofd);
    expect(o.values('BuyerName')).toEqual([BUYER_40]);
    expect(o.values('SellerName')).toEqual([SELLER_35]);
    expect(o.values('Item')).toEqual(inv.lines.map((l: Json) => l.name));
    expect(o.values('Item')[1]).toBe(`*信息技术服务*${LONG_ITEM}`);
    // The item name wraps: its one TextObject has several TextCodes (one per row), placed one under another.
    const page = strFromU8(o.parts['Doc_0/Pages/Page_0/Content.xml']);
    const object = (id: string) => new RegExp(`<ofd:TextObject ID="${id}" [^>]*>(.*?)</ofd:TextObject>`).exec(page)![1];
    const codes = (id: string) => [...object(id).matchAll(/<ofd:TextCode X="([^"]+)" Y="([^"]+)"[^>]*>([^<]*)</g)];
    const rows = (id: string) => codes(id).map((m) => Number(m[2]));
    const itemRows = rows(o.refs('Item')[1].id);
    expect(itemRows.length).toBeGreaterThan(2);
    for (let i = 1; i < itemRows.length; i++) expect(itemRows[i]).toBeGreaterThan(itemRows[i - 1]);
    // The next line starts below the wrapped one, and its cells share its row.
    expect(o.baselines.get(o.refs('Item')[2].id)!).toBeGreaterThan(o.baselines.get(o.refs('Item')[1].id)! + (itemRows.length - 1) * 3.9);
    expect(o.baselines.get(o.refs('Amount')[2].id)).toBe(o.baselines.get(o.refs('Item')[2].id));
    // Nothing cut: no ellipsis anywhere on the page.
    expect(page).not.toContain('…');
    // The buyer's name does not fit one row even at the smallest size: two rows, as one object.
    expect(rows(o.refs('BuyerName')[0].id)).toHaveLength(2);
    // The PDF draws the same rows as the OFD (pdftotext reads each; the layout is shared).
    const pdfBytes = (await getBytes(t, longSeller.token, `/v1/invoices/${inv.number}/pdf`).expect(200)).body as Buffer;
    const pdf = pdfText(pdfBytes).replace(/\s+/g, '');
    for (const field of ['BuyerName', 'SellerName', 'Item'] as const)
      for (const ref of o.refs(field)) for (const code of codes(ref.id)) expect([field, pdf.includes(code[3])]).toEqual([field, true]);
    if (hasOfdCheck) expect(ofdCheck(ofd).status).toBe(0);
  });

  it('a buyer name too long for the box even at the smallest size (3 rows) is cut with … on the face and in the index; the XML data file carries it whole', async () => {
    const name = `${BUYER_40}${BUYER_40}${BUYER_40}`.slice(0, 110);
    const inv = await issue({ buyer: { taxId: buyer.taxId, name } });
    const o = readOfd(await get(inv.number, 'ofd'));
    const [shown] = o.values('BuyerName');
    expect(shown.endsWith('…')).toBe(true);
    expect(name.startsWith(shown.slice(0, -1))).toBe(true);
    expect(shown.length).toBeGreaterThan(80);
    expect((await get(inv.number, 'xml')).toString('utf8')).toContain(`<BuyerName>${name}</BuyerName>`);
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
