import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { strFromU8, unzipSync } from 'fflate';
import { FaceDocument, FaceItem, FaceText, Rgb } from '../../src/rendering/face-model';
import { escapeXml } from '../../src/common/xml-text';
import { OfdOptions, paintOfd } from '../../src/rendering/ofd';

// The checker shared with CI (an implementation independent of ours: xmllint + the standard's XSDs).
const CHECKER = path.resolve(__dirname, '../../../shared/tools/ofd-check');
const FONT_FILE = path.resolve(__dirname, '../../node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');

const BLACK: Rgb = [0, 0, 0];
const BROWN: Rgb = [128, 64, 0];

/** A text item with advances like the layout's: 1 em for CJK, half an em otherwise. */
function text(s: string, x: number, y: number, size = 3.5, color: Rgb = BLACK): FaceText {
  const cps = Array.from(s);
  const advances = cps.slice(0, -1).map((ch) => (ch.codePointAt(0)! > 0x2e80 ? size : size / 2));
  return { kind: 'text', x, y, size, text: s, color, advances };
}

const HOSTILE = `A<&>"'B\u0001C\u0000]]>`;
const HOSTILE_CLEAN = `A<&>"'BC]]>`;

/** A QR-like matrix: three finder patterns and a deterministic pseudo-random data area. */
function qrMatrix(n: number): boolean[][] {
  const finder = (r: number, c: number) => Math.max(Math.abs(r - 3), Math.abs(c - 3)) !== 2;
  const m: boolean[][] = [];
  for (let r = 0; r < n; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < n; c++) {
      if (r < 7 && c < 7) row.push(finder(r, c));
      else if (r < 7 && c >= n - 7) row.push(finder(r, c - (n - 7)));
      else if (r >= n - 7 && c < 7) row.push(finder(r - (n - 7), c));
      else row.push((r * 7 + c * 3 + ((r * c) % 5)) % 5 < 2);
    }
    m.push(row);
  }
  return m;
}

function template(): FaceItem[] {
  return [
    text('电子发票（增值税专用发票）', 70, 15, 6, BROWN),
    { kind: 'line', x1: 70, y1: 17, x2: 140, y2: 17, width: 0.3, color: BROWN },
    { kind: 'rect', x: 5, y: 30, w: 200, h: 100, lineWidth: 0.4, stroke: BROWN, fill: null },
    { kind: 'rect', x: 10, y: 32, w: 8, h: 20, lineWidth: 0, stroke: null, fill: [240, 240, 240] },
    text('购买方信息', 11, 40, 3, BROWN),
    text('项目名称', 12, 60, 3, BROWN),
    text('合计', 12, 110, 3, BROWN),
    text('价税合计（大写）', 12, 120, 3, BROWN),
  ];
}

function faceDocument(): FaceDocument {
  return {
    width: 210,
    height: 140,
    pages: [
      {
        template: template(),
        content: [
          { kind: 'qr', x: 5, y: 5, size: 20, modules: qrMatrix(21) },
          { ...text('23442000000012345678', 150, 12), tag: 'InvoiceNo' },
          { ...text('*计算机*笔记本电脑', 12, 66), tag: 'Item' },
          text('壹万壹仟叁佰圆整', 50, 120),
          text('¥11300.00', 150, 120),
          text(HOSTILE, 12, 72),
          text('𠮷野家 Co.', 12, 78), // a character outside the BMP
          { kind: 'line', x1: 5, y1: 100, x2: 205, y2: 100, width: 0.2, color: BROWN },
          { kind: 'rect', x: 150, y: 125, w: 20, h: -5, lineWidth: 0.2, stroke: BLACK, fill: [255, 255, 0] },
        ],
      },
      {
        template: template(),
        content: [
          text('第2页/共2页', 100, 135),
          { ...text('23442000000012345678', 150, 12), tag: 'InvoiceNo' },
          { ...text('*计算机*鼠标', 12, 66), tag: 'Item' },
          { kind: 'line', x1: 5, y1: 90, x2: 205, y2: 90, width: 0.2, color: BROWN },
        ],
      },
    ],
    meta: {
      number: '23442000000012345678',
      issueDate: '2023年07月20日',
      sellerTaxId: '91440300MA5XXXXX1X',
      sellerName: '深圳市某某科技有限公司 & <Partners>',
      buyerTaxId: null,
      buyerName: '张三',
      totalAmount: '10000.00',
      totalTax: '1300.00',
      totalWithTax: '11300.00',
      title: '电子发票（增值税专用发票）',
    },
  };
}

const INVOICE_XML = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<EInvoice><InvoiceNumber>23442000000012345678</InvoiceNumber></EInvoice>\n');

function options(font: Buffer | null): OfdOptions {
  return {
    font: { fontName: 'NotoSansSC-Regular', familyName: 'Noto Sans SC', file: font },
    attachments: [{ id: '23442000000012345678', name: '原始数据', fileName: '23442000000012345678.xml', format: 'xml', data: INVOICE_XML }],
    creationDate: '2023-07-20',
    docId: '0123456789abcdef0123456789abcdef',
  };
}

/** Every text drawn, as the package must carry it (template texts and content texts). */
function drawnTexts(face: FaceDocument): string[] {
  const all = [...face.pages[0].template, ...face.pages.flatMap((p) => p.content)];
  return all.filter((i): i is FaceText => i.kind === 'text').map((t) => (t.text === HOSTILE ? HOSTILE_CLEAN : t.text));
}

function parts(ofd: Buffer): Record<string, string> {
  const files = unzipSync(new Uint8Array(ofd));
  const out: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) out[name] = name.endsWith('.ttf') ? `<${data.length} bytes>` : strFromU8(data);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ofd-spec-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs ofd-check on `ofd`; returns its --text output, or null when the checker is not here. */
function check(ofd: Buffer, name: string): string | null {
  if (!fs.existsSync(CHECKER)) {
    console.warn(`ofd-check not found at ${CHECKER}: skipped the independent validation of ${name}`);
    return null;
  }
  const file = path.join(tmp, name);
  fs.writeFileSync(file, ofd);
  const r = spawnSync(CHECKER, [file, '--text'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ofd-check failed (${r.status}) on ${name}:\n${r.stderr}${r.error ?? ''}`);
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('paintOfd', () => {
  let font: Buffer;
  beforeAll(() => {
    font = fs.readFileSync(FONT_FILE);
  });

  describe.each([
    ['embedded font', true],
    ['font referenced by name', false],
  ])('with %s', (label, embedded) => {
    let ofd: Buffer;
    let p: Record<string, string>;
    const face = faceDocument();
    beforeAll(() => {
      ofd = paintOfd(face, options(embedded ? font : null));
      p = parts(ofd);
    });

    it('passes ofd-check, and carries every text drawn (template texts included)', () => {
      // Our own reading of the TextCodes (template, then pages), whether or not the checker is here.
      const unescape = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
      const own = ['Doc_0/Tpls/Tpl_0/Content.xml', 'Doc_0/Pages/Page_0/Content.xml', 'Doc_0/Pages/Page_1/Content.xml'].flatMap((part) =>
        [...p[part].matchAll(/<ofd:TextCode[^>]*>([^<]*)<\/ofd:TextCode>/g)].map((m) => unescape(m[1])),
      );
      expect(own).toEqual(drawnTexts(face));

      const out = check(ofd, `${embedded ? 'embedded' : 'named'}.ofd`);
      if (out === null) return;
      const lines = out.split('\n');
      for (const t of drawnTexts(face)) expect(lines).toContain(t);
      // The template is shown on both pages: its texts come once per page.
      expect(lines.filter((l) => l === '电子发票（增值税专用发票）')).toHaveLength(2);
    });

    it('holds the parts of a real package', () => {
      const names = Object.keys(p);
      expect(names[0]).toBe('OFD.xml');
      expect(names).toEqual(
        expect.arrayContaining([
          'OFD.xml',
          'Doc_0/Document.xml',
          'Doc_0/PublicRes.xml',
          'Doc_0/Tpls/Tpl_0/Content.xml',
          'Doc_0/Pages/Page_0/Content.xml',
          'Doc_0/Pages/Page_1/Content.xml',
          'Doc_0/Tags/CustomTags.xml',
          'Doc_0/Tags/CustomTag.xml',
          'Doc_0/Attachs/Attachments.xml',
          'Doc_0/Attachs/23442000000012345678.xml',
        ]),
      );
      expect(names.some((n) => n.startsWith('Doc_0/Res/font_'))).toBe(embedded);
      expect(Buffer.from(unzipSync(new Uint8Array(ofd))['Doc_0/Attachs/23442000000012345678.xml'])).toEqual(INVOICE_XML);
      if (embedded) {
        const fontPart = names.find((n) => n.startsWith('Doc_0/Res/font_'))!;
        expect(Buffer.from(unzipSync(new Uint8Array(ofd))[fontPart]).equals(font)).toBe(true);
        expect(p['Doc_0/PublicRes.xml']).toContain(`<ofd:FontFile>${path.basename(fontPart)}</ofd:FontFile>`);
      } else {
        expect(p['Doc_0/PublicRes.xml']).not.toContain('FontFile');
      }
      expect(p['OFD.xml']).toMatch(/<ofd:OFD xmlns:ofd="http:\/\/www\.ofdspec\.org\/2016" Version="1\.0" DocType="OFD">/);
      expect(p['OFD.xml']).toContain('<ofd:DocID>0123456789abcdef0123456789abcdef</ofd:DocID>');
      expect(p['OFD.xml']).toContain('<ofd:CreationDate>2023-07-20</ofd:CreationDate>');
      expect(p['OFD.xml']).toContain('<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>');
    });

    it('gives every element a unique numeric ID, all within MaxUnitID, and every reference resolves', () => {
      const ids: number[] = [];
      for (const [name, content] of Object.entries(p)) {
        if (!name.endsWith('.xml')) continue;
        for (const m of content.matchAll(/<ofd:(\w+) [^>]*?\bID="([^"]+)"/g)) {
          if (m[1] === 'Attachment')
            expect(m[2]).toMatch(/^[A-Za-z_][\w.-]*$/); // xs:ID
          else ids.push(Number(m[2]));
        }
      }
      expect(ids.every((i) => Number.isInteger(i) && i > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const max = Number(/<ofd:MaxUnitID>(\d+)<\/ofd:MaxUnitID>/.exec(p['Doc_0/Document.xml'])![1]);
      expect(max).toBeGreaterThanOrEqual(Math.max(...ids));

      const doc = p['Doc_0/Document.xml'];
      const templateId = /<ofd:TemplatePage ID="(\d+)" BaseLoc="Tpls\/Tpl_0\/Content\.xml"/.exec(doc)![1];
      const fontId = /<ofd:Font ID="(\d+)"/.exec(p['Doc_0/PublicRes.xml'])![1];
      for (const page of ['Doc_0/Pages/Page_0/Content.xml', 'Doc_0/Pages/Page_1/Content.xml']) {
        expect(doc).toContain(`BaseLoc="${page.slice('Doc_0/'.length)}"`);
        expect(p[page]).toContain(`<ofd:Template TemplateID="${templateId}" ZOrder="Background"/>`);
        expect(p[page]).toContain('<ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox>');
      }
      for (const m of Object.values(p)
        .join('')
        .matchAll(/<ofd:TextObject [^>]*Font="(\d+)"/g))
        expect(m[1]).toBe(fontId);
    });

    // SPEC section 9: CustomTags.xml -> CustomTag.xml (<ofd:root>), ObjectRefs to the TextObjects that show each value.
    it('indexes the tagged texts in CustomTag.xml by page and TextObject ID, once for header fields and per line for line fields', () => {
      expect(p['Doc_0/Tags/CustomTags.xml']).toContain(
        '<ofd:CustomTag NameSpace="http://www.ofdspec.org/2016"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag>',
      );
      const tags = p['Doc_0/Tags/CustomTag.xml'];
      expect(tags).toContain('<ofd:root xmlns:ofd="http://www.ofdspec.org/2016" version="1.0">');
      const doc = p['Doc_0/Document.xml'];
      const pageIds = [...doc.matchAll(/<ofd:Page ID="(\d+)" BaseLoc="Pages\/Page_(\d)\/Content\.xml"\/>/g)].map((m) => m[1]);
      const objectId = (page: number, s: string) =>
        new RegExp(`<ofd:TextObject ID="(\\d+)"[^>]*>(?:(?!</ofd:TextObject>).)*>${s.replace(/[*]/g, '\\*')}</ofd:TextCode>`).exec(
          p[`Doc_0/Pages/Page_${page}/Content.xml`],
        )![1];
      // The number is on both pages: the index names the first page's only.
      expect(tags).toContain(`<ofd:InvoiceNo><ofd:ObjectRef PageRef="${pageIds[0]}">${objectId(0, '23442000000012345678')}</ofd:ObjectRef></ofd:InvoiceNo>`);
      expect(tags).toContain(
        `<ofd:Item><ofd:ObjectRef PageRef="${pageIds[0]}">${objectId(0, '*计算机*笔记本电脑')}</ofd:ObjectRef><ofd:ObjectRef PageRef="${pageIds[1]}">${objectId(1, '*计算机*鼠标')}</ofd:ObjectRef></ofd:Item>`,
      );
      // Every field of SPEC section 9 is there, in order, even when the face shows nothing for it.
      expect([...tags.matchAll(/<ofd:(\w+)>/g)].map((m) => m[1])).toEqual([
        'InvoiceNo',
        'IssueDate',
        'Buyer',
        'BuyerName',
        'BuyerTaxID',
        'Seller',
        'SellerName',
        'SellerTaxID',
        'TaxExclusiveTotalAmount',
        'TaxTotalAmount',
        'TaxInclusiveTotalAmount',
        'InvoiceClerk',
        'Item',
        'TaxScheme',
        'Amount',
        'TaxAmount',
        'Price',
        'Quantity',
        'Note',
      ]);
    });

    it('carries the six CustomData of SPEC section 9 in OFD.xml DocInfo', () => {
      expect(p['OFD.xml']).toContain(
        '<ofd:CustomDatas><ofd:CustomData Name="发票号码">23442000000012345678</ofd:CustomData><ofd:CustomData Name="销售方纳税人识别号">91440300MA5XXXXX1X</ofd:CustomData>' +
          '<ofd:CustomData Name="购买方纳税人识别号"></ofd:CustomData><ofd:CustomData Name="合计金额">10000.00</ofd:CustomData><ofd:CustomData Name="合计税额">1300.00</ofd:CustomData>' +
          '<ofd:CustomData Name="开票日期">2023年07月20日</ofd:CustomData></ofd:CustomDatas>',
      );
    });
  });

  it('maps text to a TextObject with Boundary, Size, colour and DeltaX from the advances', () => {
    const face = faceDocument();
    face.pages[0].content = [{ kind: 'text', x: 12, y: 66, size: 3, text: '*计算机*笔记本电脑', color: [1, 2, 3], advances: [1.5, 3, 3, 3, 1.5, 3, 3, 3, 3] }];
    const page = parts(paintOfd(face, options(null)))['Doc_0/Pages/Page_0/Content.xml'];
    expect(page).toMatch(
      /<ofd:TextObject ID="\d+" Boundary="12 63 [\d.]+ 3\.9" Font="\d+" Size="3"><ofd:FillColor Value="1 2 3"\/><ofd:TextCode X="0" Y="3" DeltaX="1\.5 g 3 3 1\.5 g 4 3">\*计算机\*笔记本电脑<\/ofd:TextCode><\/ofd:TextObject>/,
    );
    // The boundary holds the whole run: the advances plus the last character.
    expect(/Boundary="12 63 ([\d.]+)/.exec(page)![1]).toBe('27');
  });

  it('writes a value wrapped over several rows as one TextObject with one TextCode per row, which the index points at once', () => {
    const face = faceDocument();
    const first = text('*计算机*高性能', 12, 66, 3);
    const second = text('笔记本电脑', 12, 70, 3);
    face.pages[0].content = [{ ...first, tag: 'Item', rows: [{ x: second.x, y: second.y, text: second.text, advances: second.advances }] }];
    face.pages = [face.pages[0]];
    const ofd = paintOfd(face, options(null));
    const p = parts(ofd);
    const page = p['Doc_0/Pages/Page_0/Content.xml'];
    const objects = [...page.matchAll(/<ofd:TextObject ID="(\d+)" Boundary="([^"]+)"[^>]*>(.*?)<\/ofd:TextObject>/g)];
    expect(objects).toHaveLength(1);
    const [, id, boundary, body] = objects[0];
    // The Boundary holds both rows: from the first row's top (66 - 3) to 0.3 em below the second baseline.
    expect(boundary).toBe('12 63 21 7.9');
    expect(body).toContain(
      '<ofd:TextCode X="0" Y="3" DeltaX="1.5 g 3 3 1.5 3 3">*计算机*高性能</ofd:TextCode><ofd:TextCode X="0" Y="7" DeltaX="g 4 3">笔记本电脑</ofd:TextCode>',
    );
    expect(p['Doc_0/Tags/CustomTag.xml']).toMatch(new RegExp(`<ofd:Item><ofd:ObjectRef PageRef="\\d+">${id}</ofd:ObjectRef></ofd:Item>`));
    check(ofd, 'rows.ofd');
  });

  it('writes an empty tagged value as a TextObject with an empty TextCode (indexed, shows nothing); an empty untagged text not at all', () => {
    const face = faceDocument();
    face.pages = [face.pages[0]];
    face.pages[0].template = [...face.pages[0].template, { ...text('', 50, 50), tag: 'Quantity' }];
    face.pages[0].content = [
      { ...text('2', 60, 66, 3), tag: 'Quantity' },
      { ...text('', 60, 70, 3), tag: 'Quantity' },
      text('', 80, 70, 3),
      { ...text('\u0001', 60, 74, 3), tag: 'Quantity' }, // nothing XML can carry: empty too
    ];
    const ofd = paintOfd(face, options(null));
    const p = parts(ofd);
    const page = p['Doc_0/Pages/Page_0/Content.xml'];
    const objects = [...page.matchAll(/<ofd:TextObject ID="(\d+)" Boundary="([^"]+)"[^>]*>(.*?)<\/ofd:TextObject>/g)];
    expect(objects.map((o) => [o[2], o[3].replace(/^.*?(<ofd:TextCode)/, '$1')])).toEqual([
      ['60 63 3 3.9', '<ofd:TextCode X="0" Y="3">2</ofd:TextCode>'],
      ['60 67 3 3.9', '<ofd:TextCode X="0" Y="3"></ofd:TextCode>'],
      ['60 71 3 3.9', '<ofd:TextCode X="0" Y="3"></ofd:TextCode>'],
    ]);
    const refs = [.../<ofd:Quantity>(.*?)<\/ofd:Quantity>/.exec(p['Doc_0/Tags/CustomTag.xml'])![1].matchAll(/>(\d+)</g)].map((m) => m[1]);
    expect(refs).toEqual(objects.map((o) => o[1]));
    // The template's tagged empty text is not indexed and not written.
    expect(p['Doc_0/Tpls/Tpl_0/Content.xml']).not.toContain('<ofd:TextCode X="0" Y="3.5"></ofd:TextCode>');
    const out = check(ofd, 'empty.ofd');
    if (out !== null) expect(out.split('\n')).toContain('2');
  });

  it('drops characters XML cannot carry and keeps DeltaX in step', () => {
    const face = faceDocument();
    face.pages[0].content = [{ kind: 'text', x: 10, y: 20, size: 2, text: '\u0001A\u0002B\uD800C', color: BLACK, advances: [1, 2, 3, 4, 5] }];
    const page = parts(paintOfd(face, options(null)))['Doc_0/Pages/Page_0/Content.xml'];
    // A starts 1 mm in; A->B = 2 + 3; B->C = 4 + 5.
    expect(page).toContain('<ofd:TextCode X="1" Y="2" DeltaX="5 9">ABC</ofd:TextCode>');
  });

  it('takes advances per UTF-16 unit too (characters outside the BMP)', () => {
    const face = faceDocument();
    face.pages[0].content = [
      { kind: 'text', x: 10, y: 20, size: 2, text: '𠮷野a', color: BLACK, advances: [2, 2] }, // per code point
      { kind: 'text', x: 10, y: 30, size: 2, text: '𠮷野a', color: BLACK, advances: [0, 2, 2] }, // per UTF-16 unit
      { kind: 'text', x: 10, y: 40, size: 2, text: '𠮷野a', color: BLACK, advances: [] }, // none: no DeltaX
    ];
    const page = parts(paintOfd(face, options(null)))['Doc_0/Pages/Page_0/Content.xml'];
    expect(page.match(/<ofd:TextCode X="0" Y="2" DeltaX="2 2">𠮷野a<\/ofd:TextCode>/g)).toHaveLength(2);
    expect(page).toContain('<ofd:TextCode X="0" Y="2">𠮷野a</ofd:TextCode>');
  });

  it('escapes hostile text everywhere', () => {
    expect(escapeXml(HOSTILE)).toBe('A&lt;&amp;&gt;&quot;&apos;BC]]&gt;');
    expect(escapeXml('a\tb\nc\rd\uFFFEe\uFFFF😀')).toBe('a&#9;b&#10;c&#13;de😀');
    const face = faceDocument();
    face.meta.title = HOSTILE;
    const o = options(null);
    o.docId = HOSTILE;
    o.font.fontName = HOSTILE;
    o.attachments[0].name = HOSTILE;
    const p = parts(paintOfd(face, o));
    for (const part of Object.values(p)) expect(part).not.toMatch(/[\u0000-\u0008]/);
    expect(p['OFD.xml']).toContain(`<ofd:DocID>${escapeXml(HOSTILE)}</ofd:DocID>`);
    expect(p['Doc_0/PublicRes.xml']).toContain(`FontName="${escapeXml(HOSTILE)}"`);
    expect(p['Doc_0/Pages/Page_0/Content.xml']).toContain(`>${escapeXml(HOSTILE)}</ofd:TextCode>`);
    check(paintOfd(face, o), 'hostile.ofd');
  });

  it('maps lines and rects to PathObjects, and the QR code to one path of merged runs', () => {
    const face = faceDocument();
    const modules = [
      [true, true, true, false],
      [true, true, true, false],
      [false, true, false, true],
      [true, false, false, true],
    ];
    face.pages[0].content = [
      { kind: 'line', x1: 10, y1: 20, x2: 110, y2: 20, width: 0.4, color: BROWN },
      { kind: 'rect', x: 5, y: 6, w: 10, h: 4, lineWidth: 0.2, stroke: BLACK, fill: [9, 9, 9] },
      { kind: 'rect', x: 5, y: 6, w: 10, h: 4, lineWidth: 0, stroke: null, fill: [9, 9, 9] },
      { kind: 'qr', x: 100, y: 10, size: 8, modules },
    ];
    const page = parts(paintOfd(face, options(null)))['Doc_0/Pages/Page_0/Content.xml'];
    expect(page).toMatch(
      /<ofd:PathObject ID="\d+" Boundary="9\.8 19\.8 100\.4 0\.4" LineWidth="0\.4"><ofd:StrokeColor Value="128 64 0"\/><ofd:AbbreviatedData>M 0\.2 0\.2 L 100\.2 0\.2<\/ofd:AbbreviatedData><\/ofd:PathObject>/,
    );
    expect(page).toMatch(
      /<ofd:PathObject ID="\d+" Boundary="4\.9 5\.9 10\.2 4\.2" LineWidth="0\.2" Fill="true"><ofd:StrokeColor Value="0 0 0"\/><ofd:FillColor Value="9 9 9"\/><ofd:AbbreviatedData>M 0\.1 0\.1 L 10\.1 0\.1 L 10\.1 4\.1 L 0\.1 4\.1 C<\/ofd:AbbreviatedData>/,
    );
    expect(page).toMatch(
      /<ofd:PathObject ID="\d+" Boundary="5 6 10 4" Stroke="false" Fill="true"><ofd:FillColor Value="9 9 9"\/><ofd:AbbreviatedData>M 0 0 L 10 0 L 10 4 L 0 4 C</,
    );
    const qr = /Boundary="100 10 8 8" Stroke="false" Fill="true"><ofd:FillColor Value="0 0 0"\/><ofd:AbbreviatedData>([^<]*)</.exec(page)![1];
    const rects = qr
      .split(' C')
      .filter((s) => s.trim())
      .map((s) => s.trim());
    // Rows 0-1: one run, one 3x2 rectangle; column 1 of row 2; column 0 of row 3; column 3 of
    // rows 2-3 (the same run twice): 4 rectangles.
    expect(rects).toHaveLength(4);
    expect(rects).toContain('M 0 0 L 6 0 L 6 4 L 0 4');
    expect(rects).toContain('M 6 4 L 8 4 L 8 8 L 6 8'); // column 3, rows 2-3
    // Painted area equals the dark modules' area.
    const area = rects.reduce((sum, r) => {
      const n = r.replace(/[MLC]/g, ' ').trim().split(/\s+/).map(Number);
      return sum + (n[2] - n[0]) * (n[5] - n[1]);
    }, 0);
    expect(area).toBe(modules.flat().filter(Boolean).length * 4);
  });

  it('makes attachment IDs valid xs:IDs and file names safe and unique', () => {
    const o = options(null);
    o.attachments = [
      { id: '1', name: 'a', fileName: '../../etc/passwd', format: 'xml', data: Buffer.from('<a/>') },
      { id: '1', name: 'b', fileName: 'Attachments.xml', format: 'xml', data: Buffer.from('<b/>') },
      { id: 'x y', name: 'c', fileName: '发票 数据.xml', format: 'xml', data: Buffer.from('<c/>') },
      { id: 'ok', name: 'd', fileName: '发票 数据.xml', format: 'xml', data: Buffer.from('<d/>') },
    ];
    const ofd = paintOfd(faceDocument(), o);
    const p = parts(ofd);
    const list = p['Doc_0/Attachs/Attachments.xml'];
    expect([...list.matchAll(/<ofd:Attachment ID="([^"]+)"/g)].map((m) => m[1])).toEqual(['att_1', 'att_1_2', 'x_y', 'ok']);
    const locs = [...list.matchAll(/<ofd:FileLoc>([^<]+)</g)].map((m) => m[1]);
    expect(locs).toEqual(['passwd', 'Attachments_2.xml', '发票_数据.xml', '发票_数据_2.xml']);
    for (const loc of locs) expect(p[`Doc_0/Attachs/${loc}`]).toBeDefined();
    expect(list).toContain('CreationDate="2023-07-20T00:00:00"');
    check(ofd, 'attachments.ofd');
  });

  it('writes one template for all pages and is deterministic', () => {
    const face = faceDocument();
    const a = paintOfd(face, options(null));
    const b = paintOfd(face, options(null));
    expect(a.equals(b)).toBe(true);
    const p = parts(a);
    expect(Object.keys(p).filter((n) => n.includes('/Tpls/'))).toEqual(['Doc_0/Tpls/Tpl_0/Content.xml']);
    expect(() => paintOfd({ ...face, pages: [] }, options(null))).toThrow(/no pages/);
  });

  it('paints a one-page invoice quickly (timing printed, not asserted)', () => {
    const content: FaceItem[] = [{ kind: 'qr', x: 5, y: 5, size: 20, modules: qrMatrix(29) }];
    for (let i = 0; i < 52; i++) content.push(text(`*计算机*笔记本电脑 ${i} 台 5000.00 ${i * 13}.00`, 12 + (i % 4) * 45, 60 + Math.floor(i / 4) * 4, 2.5));
    for (let i = 0; i < 10; i++) content.push({ kind: 'line', x1: 5, y1: 60 + i * 5, x2: 205, y2: 60 + i * 5, width: 0.2, color: BROWN });
    const face: FaceDocument = { ...faceDocument(), pages: [{ template: template(), content }] };
    const texts = [...face.pages[0].template, ...content].filter((i) => i.kind === 'text').length;
    // The caller embeds a subset of the face font: make one like it (fontkit, as src/rendering/font.ts
    // does), or, should fontkit be unavailable, use a slice of the font of a subset's size.
    let subset: Buffer;
    try {
      const fontkit = require('fontkit') as {
        create(b: Buffer): { glyphsForString(s: string): unknown[]; createSubset(): { includeGlyph(g: unknown): void; encode(): Uint8Array } };
      };
      const f = fontkit.create(font);
      const s = f.createSubset();
      const used = new Set<unknown>();
      for (const item of [...face.pages[0].template, ...content]) if (item.kind === 'text') for (const g of f.glyphsForString(item.text)) used.add(g);
      for (const g of used) s.includeGlyph(g);
      subset = Buffer.from(s.encode());
    } catch {
      subset = font.subarray(0, 30 * 1024);
    }
    const median = (f: Buffer | null) => {
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        paintOfd(face, options(f));
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      return times[25];
    };
    median(null); // warm-up
    const named = median(null);
    const embedded = median(subset);
    console.log(
      `paintOfd, 1 page, ${texts} text objects: median of 50 = ${named.toFixed(2)} ms (font by name), ` +
        `${embedded.toFixed(2)} ms (with a ${Math.round(subset.length / 1024)} KB font subset embedded)`,
    );
    expect(named).toBeGreaterThan(0);
  });
});
