import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal';
import type { InvoiceView } from '../invoices/invoice.view';
import { InvoicesService } from '../invoices/invoices.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { layoutInvoice } from './face';
import { faceFont } from './font';
import { paintOfd } from './ofd';
import { paintPdf } from './pdf';
import { invoiceXml } from './xml';

export type Format = 'xml' | 'pdf' | 'ofd';

export const MEDIA_TYPES: Record<Format, string> = {
  xml: 'application/xml',
  pdf: 'application/pdf',
  ofd: 'application/ofd',
};

export interface Rendered {
  body: Buffer;
  type: string;
  filename: string;
}

/**
 * The three renderings of an invoice (SPEC section 7): the XML data file (the legally complete
 * record) and the face as PDF and OFD, both painted from one layout. The OFD carries the XML
 * as an attachment.
 */
@Injectable()
export class RenderingService {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly taxpayers: TaxpayersService,
  ) {}

  async xml(view: InvoiceView): Promise<string> {
    const seller = await this.taxpayers.find(view.seller.taxId);
    return invoiceXml(view, {
      sellerProvince: view.number.slice(2, 4),
      sellerTaxpayerType: seller?.taxpayerType ?? 'general',
      redConfirmationNumber: (view as InvoiceView & { redConfirmationNumber?: string | null }).redConfirmationNumber ?? null,
    });
  }

  pdf(view: InvoiceView): Promise<Buffer> {
    return paintPdf(layoutInvoice(view), faceFont());
  }

  /**
   * The OFD names its font rather than embedding it: a TrueType subset as fontkit writes it has no
   * cmap, and OFD text is Unicode, so a reader could not map it to glyphs (embedding would need
   * per-text glyph indices, OFD's CGTransform). Readers use Noto Sans SC or substitute a CJK font.
   */
  ofd(view: InvoiceView, xml: string): Buffer {
    const font = faceFont();
    const face = layoutInvoice(view);
    return paintOfd(face, {
      font: { fontName: font.postscriptName, familyName: font.familyName, file: null },
      attachments: [{ id: 'xml_data', name: '电子发票数据文件', fileName: `${view.number}.xml`, format: 'xml', data: Buffer.from(xml, 'utf8') }],
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
    if (format === 'xml') return { body: Buffer.from(xml, 'utf8'), type: `${MEDIA_TYPES.xml}; charset=utf-8`, filename };
    return { body: this.ofd(view, xml), type: MEDIA_TYPES.ofd, filename };
  }
}
