/**
 * The body of a rendering worker thread (rendering.service.ts runs it in a piscina pool): lays out
 * the face and paints it as PDF or OFD, off the event loop that answers requests (issue 11 item
 * 10). Plain functions of plain data: the invoice's read model in (plain objects, bigint fen and a
 * Date: structured clone carries them into the thread intact), the file's bytes out.
 */
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { formatCstDate } from '../common/time';
import type { InvoiceReadModel } from '../invoices/invoice-read-model';
import { layoutInvoice } from './face';
import { faceFont } from './font';
import { paintOfd } from './ofd';
import { paintPdf } from './pdf';

export interface RenderTask {
  format: 'pdf' | 'ofd';
  invoice: InvoiceReadModel;
  /** The signed XML data file, attached to the OFD. */
  xml?: Uint8Array;
}

/** Where readers of real files look for the XML data file inside the OFD (Doc_0/Attachs/, SPEC section 9). */
export const ORIGINAL_INVOICE_FILE = 'original_invoice.xml';

export interface RenderResult {
  body: Uint8Array;
  /** The thread that painted it (0 is the main thread). */
  threadId: number;
}

export async function paint(task: RenderTask): Promise<Uint8Array> {
  const { invoice } = task;
  if (task.format === 'pdf') return paintPdf(layoutInvoice(invoice), faceFont());
  const font = faceFont();
  return paintOfd(layoutInvoice(invoice), {
    font: { fontName: font.postscriptName, familyName: font.familyName, file: null },
    attachments: [
      { id: 'xml_data', name: '电子发票数据文件', fileName: ORIGINAL_INVOICE_FILE, format: 'xml', data: Buffer.from(task.xml ?? new Uint8Array()) },
    ],
    creationDate: formatCstDate(invoice.issuedAt),
    docId: createHash('md5').update(invoice.number).digest('hex'),
  });
}

/** piscina's entry point. */
export default async function render(task: RenderTask): Promise<RenderResult> {
  return { body: await paint(task), threadId };
}
