import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import type { InvoiceView } from '../invoices/invoice.view';
import { InvoicesService } from '../invoices/invoices.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { layoutInvoice } from './face';
import { faceFont } from './font';
import { paintOfd } from './ofd';
import { paintPdf } from './pdf';
import { InvoiceSignedXmlEntity, SIGNED_XML_CHUNK } from './signing.entities';
import { SigningKeysService } from './signing-keys.service';
import { invoiceXml } from './xml';
import { signXml } from './xml-signature';

export type Format = 'xml' | 'pdf' | 'ofd';

export const MEDIA_TYPES: Record<Format, string> = {
  xml: 'application/xml',
  pdf: 'application/pdf',
  ofd: 'application/ofd',
};

/** Where readers of real files look for the XML data file inside the OFD (Doc_0/Attachs/, SPEC section 9). */
export const ORIGINAL_INVOICE_FILE = 'original_invoice.xml';

export interface Rendered {
  body: Buffer;
  type: string;
  filename: string;
}

/**
 * The three renderings of an invoice (SPEC section 7): the XML data file (the legally complete
 * record) and the face as PDF and OFD, both painted from one layout. The OFD carries the XML
 * as an attachment (Doc_0/Attachs/original_invoice.xml).
 *
 * The XML is signed by the platform's current SM2 key (SPEC section 8) once, when it is first
 * rendered (never on the issuing request's path), and stored by invoice number: every later
 * download, the OFD's attachment and the zip export return those bytes. Two first renders at
 * once both sign; the table's primary key keeps the first, and the other answers the stored file.
 */
@Injectable()
export class RenderingService {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly taxpayers: TaxpayersService,
    private readonly keys: SigningKeysService,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The invoice's signed XML data file: stored bytes, or signed and stored now (first render). */
  async xml(view: InvoiceView): Promise<Buffer> {
    const stored = await this.storedXml(view.number);
    if (stored) return stored;
    const seller = await this.taxpayers.find(view.seller.taxId);
    const key = await this.keys.current();
    const signedAt = this.clock.now();
    const unsigned = invoiceXml(view, {
      sellerProvince: view.number.slice(2, 4),
      sellerTaxpayerType: seller?.taxpayerType ?? 'general',
      redConfirmationNumber: (view as InvoiceView & { redConfirmationNumber?: string | null }).redConfirmationNumber ?? null,
      signature: { keyId: key.keyId, time: signedAt },
    });
    const xml = Buffer.from(signXml(unsigned, key.privateKeyHex), 'utf8');
    try {
      const chunks: InvoiceSignedXmlEntity[] = [];
      for (let i = 0; i * SIGNED_XML_CHUNK < xml.length; i++) {
        chunks.push({ invoiceNumber: view.number, chunkNo: i, keyId: key.keyId, signedAt, data: xml.subarray(i * SIGNED_XML_CHUNK, (i + 1) * SIGNED_XML_CHUNK) });
      }
      await this.db.transaction(async (em) => {
        for (const chunk of chunks) await em.insert(InvoiceSignedXmlEntity, chunk);
      });
      return xml;
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      const winner = await this.storedXml(view.number);
      if (!winner) throw e;
      return winner;
    }
  }

  private async storedXml(number: string): Promise<Buffer | null> {
    const rows = await this.db.dataSource.manager.find(InvoiceSignedXmlEntity, { where: { invoiceNumber: number }, order: { chunkNo: 'ASC' } });
    return rows.length ? Buffer.concat(rows.map((r) => Buffer.from(r.data))) : null;
  }

  pdf(view: InvoiceView): Promise<Buffer> {
    return paintPdf(layoutInvoice(view), faceFont());
  }

  /**
   * The OFD names its font rather than embedding it: a TrueType subset as fontkit writes it has no
   * cmap, and OFD text is Unicode, so a reader could not map it to glyphs (embedding would need
   * per-text glyph indices, OFD's CGTransform). Readers use Noto Sans SC or substitute a CJK font.
   */
  ofd(view: InvoiceView, xml: Buffer): Buffer {
    const font = faceFont();
    const face = layoutInvoice(view);
    return paintOfd(face, {
      font: { fontName: font.postscriptName, familyName: font.familyName, file: null },
      attachments: [{ id: 'xml_data', name: '电子发票数据文件', fileName: ORIGINAL_INVOICE_FILE, format: 'xml', data: xml }],
      creationDate: view.issuedAt.slice(0, 10),
      docId: createHash('md5').update(view.number).digest('hex'),
    });
  }

  /** One rendering of an invoice the principal may read. */
  async render(principal: Principal, number: string, format: Format): Promise<Rendered> {
    const view = await this.invoices.get(principal, number);
    return this.renderView(view, format);
  }

  async renderView(view: InvoiceView, format: Format): Promise<Rendered> {
    const filename = `${view.number}.${format}`;
    if (format === 'pdf') return { body: await this.pdf(view), type: MEDIA_TYPES.pdf, filename };
    const xml = await this.xml(view);
    if (format === 'xml') return { body: xml, type: `${MEDIA_TYPES.xml}; charset=utf-8`, filename };
    return { body: this.ofd(view, xml), type: MEDIA_TYPES.ofd, filename };
  }
}
