/**
 * The PDF painter: draws a FaceDocument with pdfkit, embedding a subset of the face font (pdfkit
 * subsets TrueType fonts to the glyphs used and writes a ToUnicode map, so text is extractable).
 */
import PDFDocument from 'pdfkit';
import { FaceDocument, FaceItem } from './face-model';
import { FaceFont } from './font';

const PT = 72 / 25.4; // points per millimetre
const FONT = 'face';

function draw(doc: PDFKit.PDFDocument, item: FaceItem): void {
  switch (item.kind) {
    case 'text':
      // Each row of the value (a wrapped name has several); an empty value draws nothing.
      for (const run of [item, ...(item.rows ?? [])]) {
        if (!run.text) continue;
        doc
          .fillColor(item.color)
          .fontSize(item.size * PT)
          .text(run.text, run.x * PT, run.y * PT, { lineBreak: false, baseline: 'alphabetic' });
      }
      return;
    case 'line':
      doc
        .moveTo(item.x1 * PT, item.y1 * PT)
        .lineTo(item.x2 * PT, item.y2 * PT)
        .lineWidth(item.width * PT)
        .strokeColor(item.color)
        .stroke();
      return;
    case 'rect':
      doc.rect(item.x * PT, item.y * PT, item.w * PT, item.h * PT).lineWidth(item.lineWidth * PT);
      if (item.fill && item.stroke) doc.fillAndStroke(item.fill, item.stroke);
      else if (item.fill) doc.fill(item.fill);
      else doc.strokeColor(item.stroke ?? [0, 0, 0]).stroke();
      return;
    case 'qr': {
      const n = item.modules.length;
      const m = (item.size / n) * PT;
      item.modules.forEach((row, r) => {
        let c = 0;
        while (c < n) {
          if (!row[c]) {
            c++;
            continue;
          }
          const start = c;
          while (c < n && row[c]) c++;
          doc.rect(item.x * PT + start * m, item.y * PT + r * m, (c - start) * m, m);
        }
      });
      doc.fill([0, 0, 0]);
      return;
    }
  }
}

type EmbeddedFontClass = new (doc: PDFKit.PDFDocument, font: unknown, id: string) => { name: string };
let embeddedFontClass: EmbeddedFontClass | null = null;

/**
 * pdfkit parses the font anew for every document: for a CJK font that means decoding its large
 * tables (cmap, loca) and every glyph again, most of a document's cost. Instead, each document
 * gets pdfkit's own embedded-font object built around the process's single parsed font; only the
 * glyph subset is per document. The class is taken once from a throwaway document.
 */
function useParsedFont(doc: PDFKit.PDFDocument, font: FaceFont): void {
  if (!embeddedFontClass) {
    const probe = new PDFDocument({ font: '', autoFirstPage: false });
    probe.font(font.bytes);
    embeddedFontClass = (probe as unknown as { _font: { constructor: EmbeddedFontClass } })._font.constructor;
  }
  const internals = doc as unknown as { _font: unknown; _fontCount: number; _fontFamilies: Record<string, unknown>; _fontSource: string };
  const embedded = new embeddedFontClass(doc, font.font, `F${++internals._fontCount}`);
  internals._fontFamilies[FONT] = embedded;
  internals._fontFamilies[embedded.name] = embedded;
  internals._font = embedded;
  internals._fontSource = FONT;
}

export function paintPdf(face: FaceDocument, font: FaceFont): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [face.width * PT, face.height * PT],
    margin: 0,
    autoFirstPage: false,
    compress: true,
    font: '', // no default font: pdfkit would parse Helvetica's metrics for every document
    info: {
      Title: `${face.meta.title} ${face.meta.number}`,
      Subject: `发票号码 ${face.meta.number} 开票日期 ${face.meta.issueDate} 价税合计 ${face.meta.totalWithTax}`,
      Author: face.meta.sellerName,
      Creator: 'einvoice-service',
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  useParsedFont(doc, font);
  for (const page of face.pages) {
    doc.addPage({ size: [face.width * PT, face.height * PT], margin: 0 });
    doc.font(FONT);
    for (const item of page.template) draw(doc, item);
    for (const item of page.content) draw(doc, item);
  }
  doc.end();
  return done;
}
