import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Db } from '../database/db.service';
import { InvoiceSignedXmlEntity } from './signing.entities';

/** The invoice_signed_xml rows: an invoice's signed XML file in chunks, written once (the primary key keeps the first). */
@Injectable()
export class SignedXmlRepository {
  constructor(private readonly db: Db) {}

  /** The invoice's stored chunks in order (committed); none if it was never signed. */
  chunksOf(invoiceNumber: string): Promise<InvoiceSignedXmlEntity[]> {
    return this.db.dataSource.manager.find(InvoiceSignedXmlEntity, { where: { invoiceNumber }, order: { chunkNo: 'ASC' } });
  }

  /** A file's chunks, one INSERT each (a duplicate key error when another render stored the file first). */
  async insert(em: EntityManager, chunks: InvoiceSignedXmlEntity[]): Promise<void> {
    for (const chunk of chunks) await em.insert(InvoiceSignedXmlEntity, chunk);
  }
}
