/**
 * The invoice face as drawing primitives: what the layout (templates/invoice-face.json) and an
 * invoice produce, and what both painters (PDF and OFD) draw, so the two agree by construction.
 *
 * Units: millimetres; the origin is the page's top-left corner, y grows downwards. A text's
 * (x, y) is its baseline start (alignment and wrapping are resolved before painting), `size` the
 * font size (em height) in millimetres. Colours are RGB triples 0-255.
 */
export type Rgb = [number, number, number];

/** One row of text: baseline start, the characters, and the advance of each character after the first (mm). */
export interface FaceRun {
  x: number;
  y: number;
  text: string;
  advances: number[];
}

/**
 * One value shown on the face. Its first row is `x`, `y`, `text`, `advances`; a value wrapped
 * over several rows (a long item or party name) carries the further rows in `rows`, in reading
 * order, so that the value stays one object: the OFD painter writes one TextObject with one
 * TextCode per row (GB/T 33190 lets a TextObject hold several TextCodes, each placed by its own
 * X/Y), and the index's single ObjectRef reads the whole value by concatenating them.
 *
 * A tagged text may be empty (a line without quantity or unit price): the face shows nothing, but
 * the OFD still writes a TextObject with an empty TextCode in the cell, so that every line column
 * of the index holds exactly one ObjectRef per invoice line.
 */
export interface FaceText extends FaceRun {
  kind: 'text';
  size: number;
  color: Rgb;
  /** Further rows of the same value (wrapped), in reading order; painters draw each row. */
  rows?: FaceRun[];
  /**
   * The invoice fact this text shows, named as the OFD's CustomTag.xml names it (InvoiceNo,
   * BuyerName, Item, Amount, ...: SPEC section 9); the OFD painter points the index at it.
   */
  tag?: FaceTag;
}

/** The whole text of a value: its rows concatenated (what a reader of the OFD index gets). */
export function fullText(item: FaceText): string {
  return item.text + (item.rows ?? []).map((r) => r.text).join('');
}

/** The CustomTag.xml fields (SPEC section 9). Line fields come once per invoice line, Note once per remarks row. */
export const FACE_TAGS = [
  'InvoiceNo',
  'IssueDate',
  'BuyerName',
  'BuyerTaxID',
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
] as const;
export type FaceTag = (typeof FACE_TAGS)[number];

export interface FaceLine {
  kind: 'line';
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  width: number;
  color: Rgb;
}

export interface FaceRect {
  kind: 'rect';
  x: number;
  y: number;
  w: number;
  h: number;
  lineWidth: number;
  stroke: Rgb | null;
  fill: Rgb | null;
}

/** A QR code: dark modules of a square matrix drawn as filled squares. */
export interface FaceQr {
  kind: 'qr';
  x: number;
  y: number;
  size: number;
  modules: boolean[][];
}

export type FaceItem = FaceText | FaceLine | FaceRect | FaceQr;

export interface FacePage {
  /** Static labels and boxes: the same on every page (an OFD template page, drawn first). */
  template: FaceItem[];
  /** This page's data. */
  content: FaceItem[];
}

/** Indexed facts of the invoice (OFD CustomTags; PDF document info). */
export interface FaceMeta {
  number: string;
  issueDate: string; // YYYY年MM月DD日, as the face prints it (SPEC section 9)
  sellerTaxId: string;
  sellerName: string;
  buyerTaxId: string | null;
  buyerName: string;
  totalAmount: string;
  totalTax: string;
  totalWithTax: string;
  title: string;
}

export interface FaceDocument {
  width: number;
  height: number;
  pages: FacePage[];
  meta: FaceMeta;
}
