import { Injectable, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '../common/principal';

/** The file formats of an invoice: the XML data file and the faces as PDF and OFD. */
export type FileFormat = 'xml' | 'pdf' | 'ofd';

/** An invoice's file, ready to send. */
export interface InvoiceFile {
  body: Buffer;
  type: string;
  filename: string;
}

/** The file as a response: its media type, an inline file name and its length. */
export function sendFile(res: Response, file: InvoiceFile): StreamableFile {
  res.setHeader('Content-Type', file.type);
  res.setHeader('Content-Disposition', `inline; filename="${file.filename}"`);
  res.setHeader('Content-Length', String(file.body.length));
  return new StreamableFile(file.body);
}

/**
 * The files of an invoice, as `GET /v1/invoices/{number}` offers them by Accept. The rendering
 * module, which depends on this one, registers its renderer here when it starts (so that the
 * route lives with the invoices and the layers still run one way).
 */
@Injectable()
export class InvoiceFiles {
  private renderer: ((principal: Principal, number: string, format: FileFormat) => Promise<InvoiceFile>) | null = null;

  use(renderer: (principal: Principal, number: string, format: FileFormat) => Promise<InvoiceFile>): void {
    this.renderer = renderer;
  }

  render(principal: Principal, number: string, format: FileFormat): Promise<InvoiceFile> {
    if (!this.renderer) throw new Error('no invoice renderer is registered (the rendering module is not loaded)');
    return this.renderer(principal, number, format);
  }
}
