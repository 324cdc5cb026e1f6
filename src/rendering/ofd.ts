/**
 * The OFD painter: draws a FaceDocument as an OFD package (GB/T 33190-2016), a zip of XML parts:
 *
 *   OFD.xml                          entry: DocInfo (with CustomDatas: the six invoice facts of SPEC section 9) + DocRoot
 *   Doc_0/Document.xml               CommonData (MaxUnitID, PageArea, PublicRes, TemplatePage, DefaultCS), Pages, CustomTags, Attachments
 *   Doc_0/PublicRes.xml              colour space (RGB) and the font; BaseLoc "Res"
 *   Doc_0/Res/font_<id>.ttf          the embedded (caller-subset) font, when there is one
 *   Doc_0/Tpls/Tpl_0/Content.xml     the template page: the first page's static labels and boxes
 *   Doc_0/Pages/Page_<n>/Content.xml one per page, referring to the template
 *   Doc_0/Tags/CustomTags.xml        <ofd:CustomTag NameSpace="http://www.ofdspec.org/2016"> -> CustomTag.xml (real files
 *                                    write TypeID="root" instead, which GB/T 33190's CustomTags.xsd does not allow and
 *                                    ofd-check refuses; NameSpace is required there: the index's own namespace, OFD's)
 *   Doc_0/Tags/CustomTag.xml         the invoice index as real files carry it (SPEC section 9): <ofd:root> holding
 *                                    InvoiceNo, IssueDate, Buyer{BuyerName, BuyerTaxID}, Seller{...}, the totals,
 *                                    InvoiceClerk, and per line Item, TaxScheme, Amount, TaxAmount, Price, Quantity,
 *                                    then Note; each an <ofd:ObjectRef PageRef="page ID">TextObject ID</ofd:ObjectRef>
 *                                    pointing at the TextObject that shows the value (a text tagged so in the face)
 *   Doc_0/Attachs/Attachments.xml    the attachments (the invoice's XML data file) -> files beside it
 *
 * Mapping of the primitives (face-model.ts: mm, origin top-left, y down, which is OFD's own
 * coordinate system, so no transformation is needed):
 * - text -> TextObject: Boundary around its rows, one TextCode per row (a wrapped value has several),
 *   X/Y = the row's baseline start relative to the Boundary, DeltaX = `advances` (code point per
 *   character, as the layout measures them); a tagged text that shows nothing (a line without
 *   quantity) is a TextObject with an empty TextCode in its cell, so every line column of the index
 *   has exactly one ObjectRef per line, in line order, and a reader concatenating an object's
 *   TextCodes reads the whole value;
 * - line -> PathObject "M x1 y1 L x2 y2", stroked;
 * - rect -> PathObject "M .. L .. L .. L .. C", stroked and/or filled;
 * - qr -> one filled PathObject with one rectangle per run of dark modules (horizontal runs,
 *   merged downwards while identical runs repeat).
 *
 * The XML is built as strings (it is small and regular; a DOM builder would cost more than the whole
 * budget): every text and attribute value goes through `escapeXml()` (src/common/xml-text.ts, the
 * codebase's one escaper), which escapes markup and drops
 * characters XML 1.0 does not allow. The output is deterministic: identical input, identical bytes.
 *
 * The zip: fflate's Zip writes the container; the entries are deflated by Node's zlib (native, some
 * 5-10 times faster than fflate's JavaScript deflate, which alone would take the whole 5 ms budget
 * on a page and a font subset).
 */
import { Zip, ZipInputFile } from 'fflate';
import { crc32, deflateRawSync } from 'node:zlib';
import { allowedInXml, escapeXml, FORBIDDEN_IN_XML } from '../common/xml-text';
import { FACE_TAGS, FaceDocument, FaceItem, FaceLine, FaceMeta, FaceQr, FaceRect, FaceRun, FaceTag, FaceText, Rgb } from './face-model';

export interface OfdOptions {
  /** The CJK font: an embedded TrueType file (already subset by the caller) or none (referenced by name). */
  font: { fontName: string; familyName: string; file: Buffer | null };
  /** Files to attach (the invoice's XML data file). */
  attachments: { id: string; name: string; fileName: string; format: string; data: Buffer }[];
  /** ISO date for DocInfo CreationDate, e.g. 2023-07-20 */
  creationDate: string;
  /** DocInfo/DocID (32 hex characters is fine). */
  docId: string;
}

export const OFD_NAMESPACE = 'http://www.ofdspec.org/2016';
/** The index's fields that a face shows once (on every page): the index points at the first page's. */
const ONCE: ReadonlySet<FaceTag> = new Set(['InvoiceNo', 'IssueDate', 'BuyerName', 'BuyerTaxID', 'SellerName', 'SellerTaxID', 'InvoiceClerk']);

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = ` xmlns:ofd="${OFD_NAMESPACE}"`;
const DOC = 'Doc_0';

/**
 * A number in mm (or any measure) with at most 3 decimals, no exponent, no "-0". Built from
 * integers: number-to-string of doubles is the costliest step of the page XML otherwise.
 */
function num(v: number): string {
  const k = Math.round(v * 1000);
  if (!Number.isFinite(k) || k === 0) return '0';
  if (k % 1000 === 0) return String(k / 1000);
  const a = k < 0 ? -k : k;
  const f = a % 1000;
  const frac = f % 100 === 0 ? String(f / 100) : f % 10 === 0 ? (f < 100 ? '0' : '') + f / 10 : (f < 10 ? '00' : f < 100 ? '0' : '') + f;
  return `${k < 0 ? '-' : ''}${(a - f) / 1000}.${frac}`;
}

function colour(c: Rgb | null | undefined): string {
  const ch = (v: number | undefined) => (Number.isFinite(v) ? Math.min(255, Math.max(0, Math.round(v as number))) : 0);
  return c ? `${ch(c[0])} ${ch(c[1])} ${ch(c[2])}` : '0 0 0';
}

// ---------------------------------------------------------------------------------------------
// Drawing primitives

interface Ctx {
  nextId: number;
  fontId: number;
  /** The page being written (null on the template page), and the tagged TextObjects met so far. */
  pageId: number | null;
  refs: Map<FaceTag, { pageId: number; id: number }[]>;
}

/** The text's code points with forbidden characters dropped, and DeltaX adjusted to match. */
function prepareText(item: FaceRun): { text: string; deltaX: number[] | null; shift: number } {
  const text = item.text ?? '';
  const cps = Array.from(text);
  const given = Array.isArray(item.advances) ? item.advances : [];
  let adv: number[] | null = null;
  if (cps.length > 0 && given.length === cps.length - 1) {
    adv = given;
  } else if (cps.length !== text.length && given.length === text.length - 1) {
    // Advances per UTF-16 unit: sum them per code point.
    adv = [];
    let unit = 0;
    for (let i = 0; i < cps.length - 1; i++) {
      let a = 0;
      for (let k = 0; k < cps[i].length; k++) a += given[unit + k] ?? 0;
      unit += cps[i].length;
      adv.push(a);
    }
  }
  if (!FORBIDDEN_IN_XML.test(text)) {
    return { text, deltaX: adv, shift: 0 };
  }
  // Drop what XML cannot carry; the advance of a dropped character goes to the gap it leaves.
  let out = '';
  const outAdv: number[] = [];
  let pending = 0;
  let shift = 0;
  let started = false;
  for (let i = 0; i < cps.length; i++) {
    if (i > 0 && adv && Number.isFinite(adv[i - 1])) pending += adv[i - 1];
    if (!allowedInXml(cps[i].codePointAt(0)!)) continue;
    if (!started) {
      shift = adv ? pending : 0;
      started = true;
    } else if (adv) {
      outAdv.push(pending);
    }
    pending = 0;
    out += cps[i];
  }
  return { text: out, deltaX: adv ? outAdv : null, shift };
}

/** DeltaX with runs of 3+ equal values abbreviated as "g <count> <value>" (GB/T 33190 §11.3). */
function deltaXAttr(adv: number[]): string {
  const parts: string[] = [];
  const s = adv.map(num);
  for (let i = 0; i < s.length;) {
    let j = i + 1;
    while (j < s.length && s[j] === s[i]) j++;
    const count = j - i;
    if (count >= 3) parts.push(`g ${count} ${s[i]}`);
    else for (let k = i; k < j; k++) parts.push(s[k]);
    i = j;
  }
  return parts.join(' ');
}

/**
 * A text -> one TextObject with one TextCode per row (a wrapped value has several, each placed by
 * its own X/Y relative to the Boundary, which holds them all). A tagged text that shows nothing (a
 * line without quantity) still becomes a TextObject, with an empty TextCode where the value would
 * stand: the index then has one ObjectRef per line in every line column, and the face is unchanged.
 */
function textObject(ctx: Ctx, item: FaceText): string {
  const size = item.size > 0 && Number.isFinite(item.size) ? item.size : 1;
  const runs = [item, ...(Array.isArray(item.rows) ? item.rows : [])].map((run) => ({ run, ...prepareText(run) }));
  const shown = runs.filter((r) => r.text !== '');
  const indexed = item.tag !== undefined && ctx.pageId !== null;
  const kept = shown.length > 0 ? shown : indexed ? runs.slice(0, 1) : [];
  if (kept.length === 0) return '';
  // Boundary: around every row, from one em above each baseline to 0.3 em below it.
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const { run, text, deltaX, shift } of kept) {
    let width: number;
    if (deltaX) {
      width = shift + size;
      for (const a of deltaX) if (Number.isFinite(a)) width += a;
    } else {
      width = Array.from(text).length * size;
    }
    x0 = Math.min(x0, run.x);
    x1 = Math.max(x1, run.x + Math.max(width, size));
    y0 = Math.min(y0, run.y - size);
    y1 = Math.max(y1, run.y + size * 0.3);
  }
  const boundary = `${num(x0)} ${num(y0)} ${num(x1 - x0)} ${num(y1 - y0)}`;
  const id = ctx.nextId++;
  if (indexed) {
    const list = ctx.refs.get(item.tag!) ?? [];
    if (!(ONCE.has(item.tag!) && list.length > 0)) list.push({ pageId: ctx.pageId!, id });
    ctx.refs.set(item.tag!, list);
  }
  let codes = '';
  for (const { run, text, deltaX, shift } of kept) {
    const dx = deltaX && deltaX.length > 0 ? ` DeltaX="${deltaXAttr(deltaX)}"` : '';
    codes += `<ofd:TextCode X="${num(run.x - x0 + shift)}" Y="${num(run.y - y0)}"${dx}>${escapeXml(text)}</ofd:TextCode>`;
  }
  return (
    `<ofd:TextObject ID="${id}" Boundary="${boundary}" Font="${ctx.fontId}" Size="${num(size)}">` +
    `<ofd:FillColor Value="${colour(item.color)}"/>${codes}</ofd:TextObject>\n`
  );
}

function lineObject(ctx: Ctx, item: FaceLine): string {
  const lw = Number.isFinite(item.width) && item.width > 0 ? item.width : 0;
  const pad = Math.max(lw / 2, 0.05);
  const x0 = Math.min(item.x1, item.x2) - pad;
  const y0 = Math.min(item.y1, item.y2) - pad;
  const w = Math.abs(item.x2 - item.x1) + 2 * pad;
  const h = Math.abs(item.y2 - item.y1) + 2 * pad;
  if (![x0, y0, w, h].every(Number.isFinite)) return '';
  return (
    `<ofd:PathObject ID="${ctx.nextId++}" Boundary="${num(x0)} ${num(y0)} ${num(w)} ${num(h)}" LineWidth="${num(lw)}">` +
    `<ofd:StrokeColor Value="${colour(item.color)}"/>` +
    `<ofd:AbbreviatedData>M ${num(item.x1 - x0)} ${num(item.y1 - y0)} L ${num(item.x2 - x0)} ${num(item.y2 - y0)}</ofd:AbbreviatedData></ofd:PathObject>\n`
  );
}

function rectObject(ctx: Ctx, item: FaceRect): string {
  const stroke = item.stroke != null;
  const fill = item.fill != null;
  if (!stroke && !fill) return '';
  const x = Math.min(item.x, item.x + item.w);
  const y = Math.min(item.y, item.y + item.h);
  const w = Math.abs(item.w);
  const h = Math.abs(item.h);
  if (![x, y, w, h].every(Number.isFinite)) return '';
  const lw = stroke && Number.isFinite(item.lineWidth) && item.lineWidth > 0 ? item.lineWidth : 0;
  const pad = stroke ? Math.max(lw / 2, 0.05) : 0;
  const a = num(pad);
  const r = num(pad + w);
  const b = num(pad + h);
  const attrs = (stroke ? ` LineWidth="${num(lw)}"` : ' Stroke="false"') + (fill ? ' Fill="true"' : '');
  return (
    `<ofd:PathObject ID="${ctx.nextId++}" Boundary="${num(x - pad)} ${num(y - pad)} ${num(w + 2 * pad)} ${num(h + 2 * pad)}"${attrs}>` +
    (stroke ? `<ofd:StrokeColor Value="${colour(item.stroke)}"/>` : '') +
    (fill ? `<ofd:FillColor Value="${colour(item.fill)}"/>` : '') +
    `<ofd:AbbreviatedData>M ${a} ${a} L ${r} ${a} L ${r} ${b} L ${a} ${b} C</ofd:AbbreviatedData></ofd:PathObject>\n`
  );
}

function qrObject(ctx: Ctx, item: FaceQr): string {
  const rows = Array.isArray(item.modules) ? item.modules : [];
  const n = rows.length;
  if (n === 0 || !(item.size > 0)) return '';
  const m = item.size / n;
  const data: string[] = [];
  const rect = (c0: number, c1: number, r0: number, r1: number) => {
    const x0 = num(c0 * m);
    const x1 = num(c1 * m);
    const y0 = num(r0 * m);
    const y1 = num(r1 * m);
    data.push(`M ${x0} ${y0} L ${x1} ${y0} L ${x1} ${y1} L ${x0} ${y1} C`);
  };
  // Runs of dark modules per row; a run repeated unchanged on the next row grows downwards.
  let open = new Map<number, number>(); // start * 65536 + end -> first row
  let cols = n;
  for (let r = 0; r < n; r++) {
    const row = rows[r] ?? [];
    cols = Math.max(cols, row.length);
    const next = new Map<number, number>();
    for (let c = 0; c < row.length;) {
      if (!row[c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < row.length && row[c]) c++;
      const key = start * 65536 + c;
      const first = open.get(key);
      if (first !== undefined) open.delete(key);
      next.set(key, first ?? r);
    }
    for (const [key, first] of open) rect(Math.floor(key / 65536), key % 65536, first, r);
    open = next;
  }
  for (const [key, first] of open) rect(Math.floor(key / 65536), key % 65536, first, n);
  if (data.length === 0) return '';
  return (
    `<ofd:PathObject ID="${ctx.nextId++}" Boundary="${num(item.x)} ${num(item.y)} ${num(cols * m)} ${num(item.size)}" Stroke="false" Fill="true">` +
    `<ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>${data.join(' ')}</ofd:AbbreviatedData></ofd:PathObject>\n`
  );
}

function drawItem(ctx: Ctx, item: FaceItem): string {
  switch (item.kind) {
    case 'text':
      return textObject(ctx, item);
    case 'line':
      return lineObject(ctx, item);
    case 'rect':
      return rectObject(ctx, item);
    case 'qr':
      return qrObject(ctx, item);
    default:
      return '';
  }
}

/** A page (or template page) part: optional template reference, area, one layer with the items. */
function pageXml(ctx: Ctx, items: FaceItem[], physicalBox: string, templateId: number | null): string {
  const layerId = ctx.nextId++;
  let body = '';
  for (const item of items) body += drawItem(ctx, item);
  return (
    `${XML_DECL}<ofd:Page${NS}>` +
    (templateId !== null ? `<ofd:Template TemplateID="${templateId}" ZOrder="Background"/>` : '') +
    `<ofd:Area><ofd:PhysicalBox>${physicalBox}</ofd:PhysicalBox></ofd:Area>` +
    `<ofd:Content><ofd:Layer ID="${layerId}">\n${body}</ofd:Layer></ofd:Content></ofd:Page>\n`
  );
}

// ---------------------------------------------------------------------------------------------
// Package parts

/** yyyy-MM-dd when `iso` starts with a real calendar date, else null. */
function isoDate(iso: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? m[0] : null;
}

/** An xs:ID (NCName, ASCII subset) from the caller's attachment id, unique among `taken`. */
function attachmentId(id: string, taken: Set<string>): string {
  let s = (id ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `att_${s}`;
  let unique = s;
  for (let i = 2; taken.has(unique); i++) unique = `${s}_${i}`;
  taken.add(unique);
  return unique;
}

/** A safe zip entry name (one path segment) for an attachment, unique (case-insensitively) in `taken`. */
function attachmentFileName(fileName: string, index: number, taken: Set<string>): string {
  const base = (fileName ?? '').split(/[/\\]/).pop() ?? '';
  let s = Array.from(base)
    .filter((ch) => allowedInXml(ch.codePointAt(0)!))
    .join('')
    .replace(/[\u0000-\u001F\u007F:*?"<>|#%\s]/g, '_');
  if (s === '' || /^\.+$/.test(s)) s = `attachment_${index}`;
  const dot = s.lastIndexOf('.');
  const stem = dot > 0 ? s.slice(0, dot) : s;
  const ext = dot > 0 ? s.slice(dot) : '';
  let unique = s;
  for (let i = 2; taken.has(unique.toLowerCase()); i++) unique = `${stem}_${i}${ext}`;
  taken.add(unique.toLowerCase());
  return unique;
}

/** Doc_0/Tags/CustomTag.xml: every field of SPEC section 9, each pointing at the TextObjects that show it. */
function customTagXml(refs: Ctx['refs']): string {
  const field = (tag: FaceTag) =>
    `<ofd:${tag}>` + (refs.get(tag) ?? []).map((r) => `<ofd:ObjectRef PageRef="${r.pageId}">${r.id}</ofd:ObjectRef>`).join('') + `</ofd:${tag}>`;
  let out = `${XML_DECL}<ofd:root${NS} version="1.0">`;
  out += field('InvoiceNo') + field('IssueDate');
  out += `<ofd:Buyer>${field('BuyerName')}${field('BuyerTaxID')}</ofd:Buyer>`;
  out += `<ofd:Seller>${field('SellerName')}${field('SellerTaxID')}</ofd:Seller>`;
  for (const tag of FACE_TAGS.slice(FACE_TAGS.indexOf('TaxExclusiveTotalAmount'))) out += field(tag);
  return `${out}</ofd:root>\n`;
}

/** OFD.xml DocInfo/CustomDatas: the six facts real readers take from it (SPEC section 9), plain figures. */
function customDatasXml(meta: FaceMeta): string {
  const data: [string, string | null][] = [
    ['发票号码', meta.number],
    ['销售方纳税人识别号', meta.sellerTaxId],
    ['购买方纳税人识别号', meta.buyerTaxId],
    ['合计金额', meta.totalAmount],
    ['合计税额', meta.totalTax],
    ['开票日期', meta.issueDate],
  ];
  const entries = data.map(([name, value]) => `<ofd:CustomData Name="${name}">${escapeXml(value ?? '')}</ofd:CustomData>`);
  return `<ofd:CustomDatas>${entries.join('')}</ofd:CustomDatas>`;
}

/**
 * The zip of `parts` (in order), every entry deflated (method 8; fflate's streaming writer puts
 * CRC and sizes in a data descriptor, which readers only accept after deflated entries). Levels
 * for the time budget: XML at 4 (within 3% of level 6's size in half its time on a page), other
 * files (the font) at 1 (within 3% of level 6, 25% faster).
 */
function zipParts(parts: Map<string, Uint8Array>, mtime: Date): Buffer {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else chunks.push(chunk);
  });
  for (const [filename, data] of parts) {
    const file: ZipInputFile = { filename, size: data.length, crc: crc32(data), compression: 8, mtime };
    zip.add(file);
    file.ondata!(null, deflateRawSync(data, { level: filename.endsWith('.xml') ? 4 : 1 }), true);
  }
  zip.end();
  if (failure) throw failure;
  return Buffer.concat(chunks);
}

/** Paints `face` as an OFD package (a zip), returned as one buffer. */
export function paintOfd(face: FaceDocument, options: OfdOptions): Buffer {
  if (!face.pages || face.pages.length === 0) throw new Error('paintOfd: the document has no pages');
  const enc = (s: string) => Buffer.from(s, 'utf8');
  // The package's parts in zip order: the entry parts first, filled in once MaxUnitID is known.
  const files: Record<string, Uint8Array> = { 'OFD.xml': new Uint8Array(0), [`${DOC}/Document.xml`]: new Uint8Array(0) };
  const ctx: Ctx = { nextId: 1, fontId: 0, pageId: null, refs: new Map() };
  const physicalBox = `0 0 ${num(face.width)} ${num(face.height)}`;

  // Resources: the RGB colour space every Value refers to by default, and the font.
  const colourSpaceId = ctx.nextId++;
  ctx.fontId = ctx.nextId++;
  const fontFile = options.font.file;
  let fontFileName = '';
  if (fontFile && fontFile.length > 0) {
    const otf = fontFile.length >= 4 && fontFile.toString('latin1', 0, 4) === 'OTTO';
    fontFileName = `font_${ctx.fontId}${otf ? '.otf' : '.ttf'}`;
    files[`${DOC}/Res/${fontFileName}`] = fontFile;
  }
  files[`${DOC}/PublicRes.xml`] = enc(
    `${XML_DECL}<ofd:Res${NS} BaseLoc="Res">` +
      `<ofd:ColorSpaces><ofd:ColorSpace ID="${colourSpaceId}" Type="RGB" BitsPerComponent="8"/></ofd:ColorSpaces>` +
      `<ofd:Fonts><ofd:Font ID="${ctx.fontId}" FontName="${escapeXml(options.font.fontName)}" FamilyName="${escapeXml(options.font.familyName)}">` +
      (fontFileName ? `<ofd:FontFile>${fontFileName}</ofd:FontFile>` : '') +
      `</ofd:Font></ofd:Fonts></ofd:Res>\n`,
  );

  // The template page: the first page's static items (identical on every page).
  const templateItems = face.pages[0].template ?? [];
  let templateId: number | null = null;
  if (templateItems.length > 0) {
    templateId = ctx.nextId++;
    files[`${DOC}/Tpls/Tpl_0/Content.xml`] = enc(pageXml(ctx, templateItems, physicalBox, null));
  }

  // Pages.
  let pagesXml = '';
  face.pages.forEach((page, i) => {
    const pageId = ctx.nextId++;
    ctx.pageId = pageId;
    files[`${DOC}/Pages/Page_${i}/Content.xml`] = enc(pageXml(ctx, page.content ?? [], physicalBox, templateId));
    pagesXml += `<ofd:Page ID="${pageId}" BaseLoc="Pages/Page_${i}/Content.xml"/>`;
  });

  // Custom tags: the invoice index, pointing at the TextObjects of the pages.
  files[`${DOC}/Tags/CustomTags.xml`] = enc(
    `${XML_DECL}<ofd:CustomTags${NS}><ofd:CustomTag NameSpace="${OFD_NAMESPACE}"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>\n`,
  );
  files[`${DOC}/Tags/CustomTag.xml`] = enc(customTagXml(ctx.refs));

  // Attachments.
  const date = isoDate(options.creationDate);
  const attachments = options.attachments ?? [];
  if (attachments.length > 0) {
    const ids = new Set<string>();
    const names = new Set<string>(['attachments.xml']);
    let list = '';
    attachments.forEach((a, i) => {
      const fileName = attachmentFileName(a.fileName, i, names);
      files[`${DOC}/Attachs/${fileName}`] = a.data;
      list +=
        `<ofd:Attachment ID="${attachmentId(a.id, ids)}" Name="${escapeXml(a.name || fileName)}"` +
        (a.format ? ` Format="${escapeXml(a.format)}"` : '') +
        (date ? ` CreationDate="${date}T00:00:00"` : '') +
        ` Size="${num(a.data.length / 1024)}"><ofd:FileLoc>${escapeXml(fileName)}</ofd:FileLoc></ofd:Attachment>`;
    });
    files[`${DOC}/Attachs/Attachments.xml`] = enc(`${XML_DECL}<ofd:Attachments${NS}>${list}</ofd:Attachments>\n`);
  }

  // Document.xml (written last: MaxUnitID is known now).
  files[`${DOC}/Document.xml`] = enc(
    `${XML_DECL}<ofd:Document${NS}><ofd:CommonData>` +
      `<ofd:MaxUnitID>${ctx.nextId - 1}</ofd:MaxUnitID>` +
      `<ofd:PageArea><ofd:PhysicalBox>${physicalBox}</ofd:PhysicalBox></ofd:PageArea>` +
      `<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>` +
      (templateId !== null ? `<ofd:TemplatePage ID="${templateId}" BaseLoc="Tpls/Tpl_0/Content.xml" ZOrder="Background"/>` : '') +
      `<ofd:DefaultCS>${colourSpaceId}</ofd:DefaultCS>` +
      `</ofd:CommonData><ofd:Pages>${pagesXml}</ofd:Pages>` +
      `<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>` +
      (attachments.length > 0 ? `<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>` : '') +
      `</ofd:Document>\n`,
  );

  files['OFD.xml'] = enc(
    `${XML_DECL}<ofd:OFD${NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>` +
      `<ofd:DocID>${escapeXml(options.docId)}</ofd:DocID>` +
      (face.meta.title ? `<ofd:Title>${escapeXml(face.meta.title)}</ofd:Title>` : '') +
      (date ? `<ofd:CreationDate>${date}</ofd:CreationDate>` : '') +
      customDatasXml(face.meta) +
      `</ofd:DocInfo><ofd:DocRoot>${DOC}/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n`,
  );

  // Fixed timestamps (the creation date) keep the output deterministic.
  const [y, mo, d] = (date ?? '1980-01-01').split('-').map(Number);
  const mtime = y >= 1980 && y <= 2099 ? new Date(y, mo - 1, d) : new Date(1980, 0, 1);
  return zipParts(new Map(Object.entries(files)), mtime);
}
