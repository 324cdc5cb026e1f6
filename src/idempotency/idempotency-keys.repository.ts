import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThan } from 'typeorm';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { IdempotencyKeyEntity } from './idempotency.entity';

/** The idempotency_keys rows: inserted in the transaction of the change they answer, amended once, swept when old. */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(private readonly db: Db) {}

  /** The key's record (committed), or null. */
  find(id: string): Promise<IdempotencyKeyEntity | null> {
    return this.db.dataSource.manager.findOneBy(IdempotencyKeyEntity, { id });
  }

  /** Which of these keys' records exist (committed): their ids. */
  async existing(ids: string[]): Promise<string[]> {
    const rows = await this.db.dataSource.manager.find(IdempotencyKeyEntity, { select: { id: true }, where: { id: In(ids) } });
    return rows.map((r) => r.id);
  }

  /** Records, in one multi-row INSERT (a duplicate key error when one of them exists). */
  async insert(em: EntityManager, rows: IdempotencyKeyEntity[]): Promise<void> {
    await insertRows(em, IdempotencyKeyEntity, rows);
  }

  /** Replaces the status and body of the record of key `id` made for request `requestHash`. */
  async amend(em: EntityManager, id: string, requestHash: string, answer: Pick<IdempotencyKeyEntity, 'status' | 'body'>): Promise<void> {
    await em.update(IdempotencyKeyEntity, { id, requestHash }, answer);
  }

  /** Deletes the records made before `before`; answers how many. */
  async deleteBefore(em: EntityManager, before: Date): Promise<number> {
    const result = await em.delete(IdempotencyKeyEntity, { createdAt: LessThan(before) });
    return result.affected ?? 0;
  }
}
