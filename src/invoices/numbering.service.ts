import { Injectable } from '@nestjs/common';
import { cstFields } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { NumberSequenceEntity } from './invoice.entities';
import { isDuplicate } from '../database/db-errors';

const MAX_SEQUENCE = 999_999_999_999_999n; // 15 digits

/**
 * Invoice numbers (SPEC section 3): YY PP C SSSSSSSSSSSSSSS. Each process reserves a block of
 * sequence numbers per prefix with one conditional UPDATE and hands them out from memory, so
 * issuers never queue on the sequence row. A block lost with its process leaves a gap, which the
 * platform allows; two processes never get the same block.
 */
@Injectable()
export class NumberingService {
  private readonly blocks = new Map<string, { next: bigint; end: bigint }>();
  private readonly refills = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
  ) {}

  /** Year (Beijing time) + seller's province + channel. */
  prefixFor(issuedAt: Date, provinceCode: string): string {
    return `${String(cstFields(issuedAt).year % 100).padStart(2, '0')}${provinceCode}${this.config.numberChannel}`;
  }

  /** `count` invoice numbers: the prefix and a 15-digit sequence. */
  async take(prefix: string, count = 1): Promise<string[]> {
    return (await this.sequences(prefix, count)).map((n) => prefix + n.toString().padStart(15, '0'));
  }

  /** `count` unused values of the prefix's sequence (any sequence kept in number_sequences). */
  async sequences(prefix: string, count: number): Promise<bigint[]> {
    const values: bigint[] = [];
    while (values.length < count) {
      const block = this.blocks.get(prefix);
      if (block && block.next < block.end) {
        // No await between the check and the take: atomic within this process.
        while (block.next < block.end && values.length < count) values.push(block.next++);
        continue;
      }
      await this.refill(prefix, count - values.length);
    }
    return values;
  }

  private refill(prefix: string, wanted: number): Promise<void> {
    let pending = this.refills.get(prefix);
    if (!pending) {
      pending = this.reserve(prefix, BigInt(Math.max(this.config.numberBlockSize, wanted)))
        .then((block) => void this.blocks.set(prefix, block))
        .finally(() => this.refills.delete(prefix));
      this.refills.set(prefix, pending);
    }
    return pending;
  }

  /** Reserves [start, end) for this process. */
  private async reserve(prefix: string, size: bigint): Promise<{ next: bigint; end: bigint }> {
    for (;;) {
      const reserved = await this.db.transaction(async (em) => {
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
      if (reserved) {
        if (reserved.end - 1n > MAX_SEQUENCE) throw new Error(`invoice number space ${prefix} is exhausted`);
        return reserved;
      }
      try {
        await this.db.transaction((em) => em.insert(NumberSequenceEntity, { prefix, nextValue: 1n + size }));
        return { next: 1n, end: 1n + size };
      } catch (error) {
        if (!isDuplicate(error)) throw error; // another process created the row: reserve from it
      }
    }
  }
}
