/**
 * Lays an invoice out on its face: templates/invoice-face.json + an invoice -> FaceDocument, the
 * primitives both painters draw. Text is measured with the face font here, so wrapping and
 * alignment are decided once and both formats place every character alike.
 *
 * Input: the invoice's read model (src/invoices/invoice-read-model.ts): money in fen, printed here
 * with `formatMoney` (src/common/money.ts), rates as `TaxRate`, the issue instant as a `Date`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as QRCode from 'qrcode';
import { formatMoney } from '../common/money';
import { cstFields } from '../common/time';
import { amountInWords } from '../invoices/amount-words';
import type { InvoiceReadModel } from '../invoices/invoice-read-model';
import { SPECIFIC_BUSINESS_NAMES } from '../invoices/specific-business';
import type { TaxRate } from '../invoices/tax-math';
import { FaceDocument, FaceItem, FaceMeta, FacePage, FaceTag, FaceText, Rgb } from './face-model';
import { FaceFont, faceFont } from './font';

interface Column {
  key: string;
  label: string;
  w: number;
  align: 'left' | 'center' | 'right';
}
interface Layout {
  page: { width: number; height: number };
  colors: Record<'frame' | 'label' | 'value' | 'red', Rgb>;
  sizes: Record<'title' | 'label' | 'value' | 'table' | 'small' | 'mark', number>;
  frameWidth: number;
  qr: { x: number; y: number; size: number };
  title: { cx: number; y: number; texts: Record<string, string>; paperTexts: Record<string, string>; underline: { x1: number; x2: number; y: number }[] };
  businessLabel: { x: number; y: number };
  redMark: { x: number; y: number; text: string };
  header: { key: 'number' | 'issueDate'; label: string; x: number; y: number }[];
  parties: { key: 'buyer' | 'seller'; title: string; x: number; y: number; w: number; h: number }[];
  partyTitleWidth: number;
  partyFields: { key: 'name' | 'taxId'; label: string; dy: number }[];
  partyName: { minSize: number; maxRows: number; leading: number };
  table: {
    x: number;
    y: number;
    w: number;
    headerH: number;
    bodyH: number;
    totalH: number;
    lineH: number;
    padding: number;
    columns: Column[];
    totalLabel: string;
  };
  totalInWords: { y: number; h: number; label: string; wordsX: number; figureLabel: string; figureX: number };
  remarks: { y: number; h: number; title: string };
  paperCipherArea: { x: number; y: number; w: number; h: number; title: string; numberLabel: string; platformLabel: string; url: string };
  drawer: { x: number; y: number; label: string };
  pageNo: { x: number; y: number };
  businessFields: Record<string, { separator: string; list?: string; fields: [string, string][] }>;
  differential: { mark: string; kinds: Record<string, string>; deductionLabel: string; voucherLabel: string };
}

export const LAYOUT_FILE = path.resolve(__dirname, '../../templates/invoice-face.json');
let layoutCache: Layout | null = null;
export function layout(): Layout {
  layoutCache ??= JSON.parse(fs.readFileSync(LAYOUT_FILE, 'utf8')) as Layout;
  return layoutCache;
}

/** What the face shows beyond the invoice's own fields. */
export interface FaceContext {
  /** The slip's number on a red invoice (printed in the remarks already; kept for the QR). */
  redConfirmationNumber?: string | null;
}

const RATE_LABEL: Record<string, string> = { '03': '免税', '04': '不征税' };
/** A rate as the line table prints it. */
const RATE_PERCENT: Record<TaxRate, string> = {
  '0.13': '13%',
  '0.09': '9%',
  '0.06': '6%',
  '0.05': '5%',
  '0.03': '3%',
  '0.015': '1.5%',
  '0.01': '1%',
  '0': '0%',
};

/** What the OFD's CustomTag.xml calls each value the face shows (SPEC section 9). */
const PARTY_TAGS: Record<'buyer' | 'seller', Record<'name' | 'taxId', FaceTag>> = {
  buyer: { name: 'BuyerName', taxId: 'BuyerTaxID' },
  seller: { name: 'SellerName', taxId: 'SellerTaxID' },
};
const COLUMN_TAGS: Record<string, FaceTag | undefined> = {
  name: 'Item',
  quantity: 'Quantity',
  unitPrice: 'Price',
  amount: 'Amount',
  taxRate: 'TaxScheme',
  taxAmount: 'TaxAmount',
};

class Painter {
  readonly items: FaceItem[] = [];
  constructor(private readonly font: FaceFont) {}

  /**
   * One value at (x, y) (baseline), aligned in `width`. Empty text is skipped unless it is tagged:
   * an indexed value the invoice leaves empty (a line's quantity) still gets its (invisible) text,
   * so the OFD index keeps one entry per line.
   */
  text(text: string, x: number, y: number, size: number, color: Rgb, align: 'left' | 'center' | 'right' = 'left', width = 0, tag?: FaceTag): void {
    this.rows([text], x, y, 0, size, color, align, width, tag);
  }

  /**
   * One value painted over several rows (`rows[i]` on the baseline y + i * step), each row aligned
   * in `width`: one FaceText whose further rows are `rows`, so the index reads the whole value.
   */
  rows(
    rows: string[],
    x: number,
    y: number,
    step: number,
    size: number,
    color: Rgb,
    align: 'left' | 'center' | 'right' = 'left',
    width = 0,
    tag?: FaceTag,
  ): void {
    if (rows.length === 0 || (!tag && rows.every((r) => !r))) return;
    const run = (text: string, i: number) => {
      const w = this.font.width(text, size);
      const left = align === 'left' ? x : align === 'center' ? x + (width - w) / 2 : x + width - w;
      return { x: round(left), y: round(y + i * step), text, advances: this.font.advances(text, size) };
    };
    const item: FaceText = { kind: 'text', ...run(rows[0], 0), size, color };
    if (rows.length > 1) item.rows = rows.slice(1).map((text, i) => run(text, i + 1));
    if (tag) item.tag = tag;
    this.items.push(item);
  }

  fitName(text: string, width: number, size: number, fit: { minSize: number; maxRows: number }): { rows: string[]; size: number } {
    return fitText(this.font, text, width, size, fit);
  }

  line(x1: number, y1: number, x2: number, y2: number, width: number, color: Rgb): void {
    this.items.push({ kind: 'line', x1, y1, x2, y2, width, color });
  }

  rect(x: number, y: number, w: number, h: number, lineWidth: number, stroke: Rgb): void {
    this.items.push({ kind: 'rect', x, y, w, h, lineWidth, stroke, fill: null });
  }

  wrap(text: string, width: number, size: number, maxLines = Infinity): string[] {
    return wrapText(this.font, text, width, size, maxLines);
  }
}

/** Wraps `text` to `width` (mm) at `size`; at most `maxLines` lines (the last one then ends with …). */
export function wrapText(font: FaceFont, text: string, width: number, size: number, maxLines = Infinity): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let current = '';
    let used = 0;
    for (const ch of paragraph) {
      const w = font.width(ch, size);
      if (current && used + w > width + 1e-9) {
        lines.push(current);
        current = '';
        used = 0;
      }
      current += ch;
      used += w;
    }
    lines.push(current);
  }
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    let last = Array.from(kept[maxLines - 1]);
    while (last.length && font.width(`${last.join('')}…`, size) > width) last = last.slice(0, -1);
    kept[maxLines - 1] = `${last.join('')}…`;
    return kept;
  }
  return lines;
}

/**
 * A value (a party's name) in a box `width` wide: on one row at `size` if it fits, else on one row
 * at a smaller size (down to `minSize`, in steps of 0.1 mm), else on two rows, then up to `maxRows`,
 * each time at the largest size that fits, as real faces print long names; only a value longer
 * than `maxRows` rows at `minSize` is cut (its last row ends with …; the XML data file carries it whole).
 */
export function fitText(
  font: FaceFont,
  text: string,
  width: number,
  size: number,
  fit: { minSize: number; maxRows: number },
): { rows: string[]; size: number } {
  for (let rows = 1; rows <= fit.maxRows; rows++) {
    for (let s = size; s >= fit.minSize - 1e-9; s = round(s - 0.1)) {
      const lines = wrapText(font, text, width, s);
      if (lines.length <= rows) return { rows: lines, size: s };
    }
  }
  return { rows: wrapText(font, text, width, fit.minSize, fit.maxRows), size: fit.minSize };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** A specific business's value as the remarks print it: 是/否, money from fen, text as is. */
function fieldText(value: unknown): string {
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'bigint') return formatMoney(value);
  return String(value);
}

/** Fields printed by the layout's businessFields (05, 09): label + value, absent ones skipped. */
function layoutFieldsText(L: Layout, sb: Record<string, unknown>): string | null {
  const spec = L.businessFields[String(sb.type)];
  if (!spec) return null;
  const row = (item: Record<string, unknown>) =>
    spec.fields
      .filter(([key]) => item[key] !== undefined && item[key] !== null && item[key] !== '')
      .map(([key, label]) => `${label}${fieldText(item[key])}`)
      .join(spec.separator);
  if (spec.list) return ((sb[spec.list] as Record<string, unknown>[]) ?? []).map(row).join('\n');
  return row(sb);
}

/** 差额征税 in the remarks box: kind, deduction and vouchers (the remarks themselves start with the note). */
function differentialText(L: Layout, invoice: InvoiceReadModel): string {
  const d = invoice.differential;
  if (!d) return '';
  const D = L.differential;
  const vouchers = d.vouchers.map((v) => `${v.voucherType} ${v.voucherNumber} ${v.voucherDate} ¥${formatMoney(v.amount)}`).join('；');
  return `${D.mark}（${D.kinds[d.kind] ?? d.kind}） ${D.deductionLabel}¥${formatMoney(d.deduction)}${vouchers ? ` ${D.voucherLabel}${vouchers}` : ''}`;
}

function specificBusinessText(invoice: InvoiceReadModel, L: Layout = layout()): string {
  const sb = invoice.specificBusiness as Record<string, unknown> | null;
  if (!sb) return '';
  const fromLayout = layoutFieldsText(L, sb);
  if (fromLayout !== null) return fromLayout;
  const yesNo = (b: unknown) => (b ? '是' : '否');
  switch (sb.type) {
    case '03':
      return (
        `建筑服务发生地：${sb.location}；建筑项目名称：${sb.projectName}；跨地（市）标志：${yesNo(sb.crossCity)}` +
        (sb.landVatProjectNumber ? `；土地增值税项目编号：${sb.landVatProjectNumber}` : '')
      );
    case '04':
      return (sb.transports as Record<string, string>[])
        .map((t, i) => `运输${i + 1}：${t.transportType} ${t.plateNumber} ${t.origin}→${t.destination} ${t.goods}`)
        .join('\n');
    case '06':
      return (
        `不动产权证号：${sb.propertyCertificateNumber}；不动产地址：${sb.propertyAddress}；租赁期：${sb.leaseStart}至${sb.leaseEnd}；` +
        `跨地（市）标志：${yesNo(sb.crossCity)}；面积单位：${sb.areaUnit}`
      );
    default:
      return '';
  }
}

/** The QR code's content: version, kind (31 专票 / 32 普票), number, pre-tax total, date. */
export function qrContent(invoice: InvoiceReadModel): string {
  const { year, month, day } = cstFields(invoice.issuedAt);
  const date = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  return `01,${invoice.type === 'special' ? '31' : '32'},,${invoice.number},${formatMoney(invoice.totalAmount)},${date},,`;
}

function qrModules(content: string): boolean[][] {
  const qr = QRCode.create(content, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const rows: boolean[][] = [];
  for (let r = 0; r < size; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < size; c++) row.push(qr.modules.get(r, c) === 1);
    rows.push(row);
  }
  return rows;
}

export function issueDateText(issuedAt: Date): string {
  const { year, month, day } = cstFields(issuedAt);
  return `${year}年${String(month).padStart(2, '0')}月${String(day).padStart(2, '0')}日`;
}

/** The static part of every page: frames, labels, the table header. */
function template(L: Layout, font: FaceFont, invoice: InvoiceReadModel): FaceItem[] {
  const p = new Painter(font);
  const { frame, label } = L.colors;
  const titleText = (invoice.medium === 'paper' ? L.title.paperTexts : L.title.texts)[invoice.type];
  p.text(titleText, L.title.cx - 60, L.title.y, L.sizes.title, label, 'center', 120);
  for (const u of L.title.underline) p.line(u.x1, u.y, u.x2, u.y, L.frameWidth, frame);
  for (const h of L.header) p.text(h.label, h.x, h.y, L.sizes.label, label);
  for (const party of L.parties) {
    p.rect(party.x, party.y, party.w, party.h, L.frameWidth, frame);
    p.line(party.x + L.partyTitleWidth, party.y, party.x + L.partyTitleWidth, party.y + party.h, L.frameWidth, frame);
    const chars = [...party.title];
    const step = party.h / (chars.length + 1);
    chars.forEach((ch, i) => p.text(ch, party.x, party.y + step * (i + 1) + L.sizes.label / 3, L.sizes.label, label, 'center', L.partyTitleWidth));
    for (const f of L.partyFields) p.text(f.label, party.x + L.partyTitleWidth + 2, party.y + f.dy, L.sizes.label, label);
  }
  const t = L.table;
  p.rect(t.x, t.y, t.w, t.headerH + t.bodyH + t.totalH, L.frameWidth, frame);
  p.line(t.x, t.y + t.headerH, t.x + t.w, t.y + t.headerH, L.frameWidth / 2, frame);
  p.line(t.x, t.y + t.headerH + t.bodyH, t.x + t.w, t.y + t.headerH + t.bodyH, L.frameWidth / 2, frame);
  let x = t.x;
  for (const c of t.columns) {
    p.text(c.label, x, t.y + t.headerH - 1.8, L.sizes.table, label, 'center', c.w);
    x += c.w;
  }
  p.text(t.totalLabel, t.x, t.y + t.headerH + t.bodyH + t.totalH - 1.8, L.sizes.table, label, 'center', t.columns[0].w);
  const w = L.totalInWords;
  p.rect(t.x, w.y, t.w, w.h, L.frameWidth, frame);
  p.text(w.label, t.x + 2, w.y + w.h - 2.6, L.sizes.label, label);
  p.text(w.figureLabel, w.figureX, w.y + w.h - 2.6, L.sizes.label, label);
  const r = L.remarks;
  p.rect(t.x, r.y, t.w, r.h, L.frameWidth, frame);
  p.line(t.x + L.partyTitleWidth, r.y, t.x + L.partyTitleWidth, r.y + r.h, L.frameWidth, frame);
  const rchars = [...r.title];
  rchars.forEach((ch, i) => p.text(ch, t.x, r.y + (r.h / (rchars.length + 1)) * (i + 1) + 1, L.sizes.label, label, 'center', L.partyTitleWidth));
  if (invoice.medium === 'paper') {
    const c = L.paperCipherArea;
    p.line(c.x, c.y, c.x, c.y + c.h, L.frameWidth, frame);
    p.line(c.x + L.partyTitleWidth, c.y, c.x + L.partyTitleWidth, c.y + c.h, L.frameWidth, frame);
    const cchars = [...c.title];
    cchars.forEach((ch, i) => p.text(ch, c.x, c.y + (c.h / (cchars.length + 1)) * (i + 1) + 1, L.sizes.label, label, 'center', L.partyTitleWidth));
  }
  p.text(L.drawer.label, L.drawer.x, L.drawer.y, L.sizes.label, label);
  return p.items;
}

interface Row {
  lines: Record<string, string[]>;
  height: number;
}

function tableRows(L: Layout, p: Painter, invoice: InvoiceReadModel): Row[] {
  const t = L.table;
  const width = (key: string) => t.columns.find((c) => c.key === key)!.w - 2 * t.padding;
  return invoice.lines.map((line) => {
    const cells: Record<string, string> = {
      name: line.name,
      spec: line.spec,
      unit: line.unit,
      quantity: line.quantity ?? '',
      unitPrice: line.unitPrice ?? '',
      amount: formatMoney(line.amount),
      taxRate: line.preferentialPolicy ? (RATE_LABEL[line.preferentialPolicy] ?? '0%') : RATE_PERCENT[line.taxRate],
      taxAmount: line.preferentialPolicy ? '***' : formatMoney(line.taxAmount),
    };
    const lines: Record<string, string[]> = {};
    // A name wraps over as many rows as it needs (up to a page's body: the index reads it whole);
    // a spec over up to 4 (the XML data file carries it whole).
    const maxNameRows = Math.floor((t.bodyH - 1) / t.lineH);
    for (const c of t.columns)
      lines[c.key] =
        c.key === 'name'
          ? p.wrap(cells[c.key], width(c.key), L.sizes.table, maxNameRows)
          : c.key === 'spec'
            ? p.wrap(cells[c.key], width(c.key), L.sizes.table, 4)
            : [cells[c.key]];
    const height = Math.max(...Object.values(lines).map((l) => l.length)) * t.lineH;
    return { lines, height };
  });
}

/** The whole face: one page, or more when the line table does not fit. */
export function layoutInvoice(invoice: InvoiceReadModel, _context: FaceContext = {}, font: FaceFont = faceFont()): FaceDocument {
  const L = layout();
  const measure = new Painter(font);
  const rows = tableRows(L, measure, invoice);
  const pagesOfRows: Row[][] = [[]];
  let used = 0;
  for (const row of rows) {
    if (used + row.height > L.table.bodyH - 1 && pagesOfRows[pagesOfRows.length - 1].length) {
      pagesOfRows.push([]);
      used = 0;
    }
    pagesOfRows[pagesOfRows.length - 1].push(row);
    used += row.height;
  }
  const tpl = template(L, font, invoice);
  const qr = { kind: 'qr' as const, ...L.qr, modules: qrModules(qrContent(invoice)) };
  const red = invoice.red !== null;
  const { value, red: redColor } = L.colors;
  const pages: FacePage[] = pagesOfRows.map((pageRows, index) => {
    const p = new Painter(font);
    p.items.push(qr);
    const last = index === pagesOfRows.length - 1;
    const headerX = (key: string) => {
      const h = L.header.find((x) => x.key === key)!;
      return { x: h.x + font.width(h.label, L.sizes.label), y: h.y };
    };
    p.text(invoice.number, headerX('number').x, headerX('number').y, L.sizes.value, value, 'left', 0, 'InvoiceNo');
    p.text(issueDateText(invoice.issuedAt), headerX('issueDate').x, headerX('issueDate').y, L.sizes.value, value, 'left', 0, 'IssueDate');
    const business = invoice.specificBusiness;
    if (business?.type) p.text(SPECIFIC_BUSINESS_NAMES[business.type] ?? '', L.businessLabel.x, L.businessLabel.y, L.sizes.mark, value);
    else if (invoice.differential) p.text(L.differential.mark, L.businessLabel.x, L.businessLabel.y, L.sizes.mark, value);
    if (red) p.text(L.redMark.text, L.redMark.x, L.redMark.y, L.sizes.mark, redColor);
    for (const party of L.parties) {
      const data = invoice[party.key];
      for (const f of L.partyFields) {
        const labelW = font.width(f.label, L.sizes.label);
        const x = party.x + L.partyTitleWidth + 2 + labelW;
        const available = party.x + party.w - 1.5 - x;
        const tag = PARTY_TAGS[party.key][f.key];
        if (f.key === 'name') {
          // A long name shrinks, then wraps (centred on the label's row), as real faces print it.
          const fit = p.fitName(data.name, available, L.sizes.value, L.partyName);
          const step = round(fit.size * L.partyName.leading);
          p.rows(fit.rows, x, party.y + f.dy - ((fit.rows.length - 1) * step) / 2, step, fit.size, value, 'left', 0, tag);
        } else {
          const [textLine] = p.wrap(data.taxId ?? '', available, L.sizes.value, 1);
          p.text(textLine, x, party.y + f.dy, L.sizes.value, value, 'left', 0, tag);
        }
      }
    }
    const t = L.table;
    let y = t.y + t.headerH;
    for (const row of pageRows) {
      let x = t.x;
      for (const c of t.columns) {
        // One text per cell, whatever it holds: a wrapped name is one text of several rows, an
        // empty quantity or price an empty text, so each indexed column has one entry per line.
        p.rows(row.lines[c.key], x + t.padding, y + t.lineH - 1.1, t.lineH, L.sizes.table, value, c.align, c.w - 2 * t.padding, COLUMN_TAGS[c.key]);
        x += c.w;
      }
      y += row.height;
    }
    const columnX = (key: string) => {
      let x = t.x;
      for (const c of t.columns) {
        if (c.key === key) return { x: x + t.padding, w: c.w - 2 * t.padding };
        x += c.w;
      }
      throw new Error(key);
    };
    if (last) {
      const totalsY = t.y + t.headerH + t.bodyH + t.totalH - 1.8;
      const amount = columnX('amount');
      const tax = columnX('taxAmount');
      p.text(`¥${formatMoney(invoice.totalAmount)}`, amount.x, totalsY, L.sizes.table, value, 'right', amount.w, 'TaxExclusiveTotalAmount');
      p.text(`¥${formatMoney(invoice.totalTax)}`, tax.x, totalsY, L.sizes.table, value, 'right', tax.w, 'TaxTotalAmount');
      const w = L.totalInWords;
      p.text(`⊗ ${amountInWords(invoice.totalWithTax)}`, w.wordsX, w.y + w.h - 2.6, L.sizes.value, value);
      p.text(
        `¥${formatMoney(invoice.totalWithTax)}`,
        w.figureX + font.width(w.figureLabel, L.sizes.label),
        w.y + w.h - 2.6,
        L.sizes.value,
        value,
        'left',
        0,
        'TaxInclusiveTotalAmount',
      );
      const remarks = [invoice.remarks, differentialText(L, invoice), specificBusinessText(invoice, L)].filter(Boolean).join('\n');
      const r = L.remarks;
      const remarksWidth = (invoice.medium === 'paper' ? L.paperCipherArea.x - t.x : t.w) - L.partyTitleWidth - 4;
      const lines = p.wrap(remarks, remarksWidth, L.sizes.small, Math.floor((r.h - 2) / (L.sizes.small + 1)));
      lines.forEach((text, i) => p.text(text, t.x + L.partyTitleWidth + 2, r.y + 4 + i * (L.sizes.small + 1), L.sizes.small, value, 'left', 0, 'Note'));
    } else {
      p.text('（续下页）', t.x, t.y + t.headerH + t.bodyH + t.totalH - 1.8, L.sizes.table, value, 'center', t.w);
    }
    p.text(invoice.drawer, L.drawer.x + font.width(L.drawer.label, L.sizes.label), L.drawer.y, L.sizes.value, value, 'left', 0, 'InvoiceClerk');
    if (invoice.medium === 'paper') {
      // The old cipher area: the 20-digit number and where to verify it.
      const c = L.paperCipherArea;
      const x = c.x + L.partyTitleWidth + 2;
      const step = L.sizes.small + 2;
      p.text(`${c.numberLabel}${invoice.number}`, x, c.y + 5, L.sizes.small, value);
      p.text(c.platformLabel, x, c.y + 5 + step, L.sizes.small, value);
      p.text(c.url, x, c.y + 5 + 2 * step, L.sizes.small, value);
    }
    if (pagesOfRows.length > 1) p.text(`第${index + 1}页/共${pagesOfRows.length}页`, L.pageNo.x - 30, L.pageNo.y, L.sizes.small, value, 'right', 30);
    return { template: tpl, content: p.items };
  });
  const meta: FaceMeta = {
    number: invoice.number,
    issueDate: issueDateText(invoice.issuedAt),
    sellerTaxId: invoice.seller.taxId,
    sellerName: invoice.seller.name,
    buyerTaxId: invoice.buyer.taxId,
    buyerName: invoice.buyer.name,
    totalAmount: formatMoney(invoice.totalAmount),
    totalTax: formatMoney(invoice.totalTax),
    totalWithTax: formatMoney(invoice.totalWithTax),
    title: (invoice.medium === 'paper' ? L.title.paperTexts : L.title.texts)[invoice.type],
  };
  return { width: L.page.width, height: L.page.height, pages, meta };
}
