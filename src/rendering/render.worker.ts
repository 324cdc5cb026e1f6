/**
 * The body of a rendering worker thread (rendering.service.ts runs it in a piscina pool), off the
 * event loop that answers requests (issue 11 item 10, issue 13):
 * - `pdf` / `ofd`: lays out the face and paints it;
 * - `xml`: writes the XML data file and signs it with the platform's SM2 key (SPEC section 8; a
 *   2,000-line file is about 800 KB and costs some 200 ms of pure-JS SM3/SM2).
 * Plain functions of plain data: the invoice's read model in (plain objects, bigint fen and a Date:
 * structured clone carries them into the thread intact), the file's bytes out. The private key
 * crosses into the thread in the task (same process, never serialised elsewhere); it is never
 * logged and never part of an error this thread throws.
 */
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { formatCstDate } from '../common/time';
import type { InvoiceReadModel } from '../invoices/invoice-read-model';
import { layoutInvoice } from './face';
import { faceFont } from './font';
import { paintOfd } from './ofd';
import { paintPdf } from './pdf';
import { invoiceXml, XmlContext } from './xml';
import { signXml } from './xml-signature';

export type RenderTask =
  | { format: 'pdf'; invoice: InvoiceReadModel }
  /** The face as OFD, with the signed XML data file attached. */
  | { format: 'ofd'; invoice: InvoiceReadModel; xml: Uint8Array }
  /** The XML data file, written with `context` (its TaxBureauSignature) and signed with the key. */
  | { format: 'xml'; invoice: InvoiceReadModel; context: XmlContext; privateKeyHex: string };

/** Where readers of real files look for the XML data file inside the OFD (Doc_0/Attachs/, SPEC section 9). */
export const ORIGINAL_INVOICE_FILE = 'original_invoice.xml';

export interface RenderResult {
  body: Uint8Array;
  /** The thread that rendered it (0 is the main thread). */
  threadId: number;
}

/** The signed XML data file's UTF-8 bytes. A failure names the invoice, never the key. */
export function signedInvoiceXml(invoice: InvoiceReadModel, context: XmlContext, privateKeyHex: string): Uint8Array {
  try {
    return Buffer.from(signXml(invoiceXml(invoice, context), privateKeyHex), 'utf8');
  } catch (e) {
    const message = String((e as Error)?.message ?? e);
    const reason = privateKeyHex ? message.split(privateKeyHex).join('[key]') : message;
    // No `cause`: the library's error could carry the key; its message, redacted, is kept instead.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`signing the XML data file of invoice ${invoice.number} failed: ${reason}`);
  }
}

export async function paint(task: RenderTask): Promise<Uint8Array> {
  const { invoice } = task;
  if (task.format === 'xml') return signedInvoiceXml(invoice, task.context, task.privateKeyHex);
  if (task.format === 'pdf') return paintPdf(layoutInvoice(invoice), faceFont());
  const font = faceFont();
  return paintOfd(layoutInvoice(invoice), {
    font: { fontName: font.postscriptName, familyName: font.familyName, file: null },
    attachments: [{ id: 'xml_data', name: '电子发票数据文件', fileName: ORIGINAL_INVOICE_FILE, format: 'xml', data: Buffer.from(task.xml) }],
    creationDate: formatCstDate(invoice.issuedAt),
    docId: createHash('md5').update(invoice.number).digest('hex'),
  });
}

/** piscina's entry point. */
export default async function render(task: RenderTask): Promise<RenderResult> {
  return { body: await paint(task), threadId };
}
