import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { isDuplicate } from '../database/db-errors';
import { NumberSequenceEntity } from './invoice.entities';

/** The number_sequences rows: one counter per prefix, only ever advanced by a conditional UPDATE. */
@Injectable()
export class NumberSequencesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Reserves the next `size` values of the prefix's sequence in a short transaction of its own:
   * [start, end) for this process alone. Null when the prefix has no row yet.
   */
  reserve(prefix: string, size: bigint): Promise<{ next: bigint; end: bigint } | null> {
    return this.db.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(NumberSequenceEntity)
        .set({ nextValue: () => 'next_value + :size' })
        .where('prefix = :prefix', { prefix })
        .setParameters({ size: Number(size) })
        .execute();
      if (result.affected !== 1) return null;
      const row = await em.findOneByOrFail(NumberSequenceEntity, { prefix });
      return { next: row.nextValue - size, end: row.nextValue };
    });
  }

  /** Creates the prefix's row with its first `size` values reserved; false if another process created it first. */
  async create(prefix: string, size: bigint): Promise<boolean> {
    try {
      await this.db.transaction((em) => em.insert(NumberSequenceEntity, { prefix, nextValue: 1n + size }));
      return true;
    } catch (error) {
      if (!isDuplicate(error)) throw error;
      return false;
    }
  }
}
