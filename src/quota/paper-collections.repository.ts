import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PaperCollectionEntity } from './quota.entities';

/** Collections of blank legacy paper invoices: recorded, never changed. */
@Injectable()
export class PaperCollectionsRepository {
  /** A new collection, in the transaction that consumes its quota. */
  async insert(em: EntityManager, row: PaperCollectionEntity): Promise<void> {
    await em.insert(PaperCollectionEntity, row);
  }
}
