import { Injectable } from '@nestjs/common';
import { cstFields } from '../common/time';
import { AppConfig } from '../config/config';
import { NumberSequencesRepository } from './number-sequences.repository';

const MAX_SEQUENCE = 999_999_999_999_999n; // 15 digits

/**
 * Numbers held for a group of invoices before its transaction: `take` hands one to an invoice the
 * quota has accepted (inside the transaction, without a query); `release` gives back those no
 * invoice took, which the next invoices of the prefix get first. So a refusal takes no number.
 */
export interface NumberHold {
  take(prefix: string): string;
  release(): void;
}

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
  /** Values held and given back unused (NumberHold.release), ascending: handed out first. */
  private readonly returned = new Map<string, bigint[]>();

  constructor(
    private readonly sequencesTable: NumberSequencesRepository,
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

  /**
   * Holds numbers for invoices of these prefixes (one per entry) until the quota has decided them:
   * see NumberHold. The numbers come from memory, or from a block reserved here, outside any
   * transaction (on SQLite a block reserved inside another transaction would wait for it).
   */
  async hold(prefixes: string[]): Promise<NumberHold> {
    const counts = new Map<string, number>();
    for (const prefix of prefixes) counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    const held = new Map<string, bigint[]>();
    for (const [prefix, count] of counts) held.set(prefix, await this.sequences(prefix, count));
    return {
      take: (prefix) => {
        const value = held.get(prefix)?.shift();
        if (value === undefined) throw new Error(`no invoice number held for ${prefix}`);
        return prefix + value.toString().padStart(15, '0');
      },
      release: () => {
        for (const [prefix, values] of held) {
          if (values.length === 0) continue;
          const returned = [...(this.returned.get(prefix) ?? []), ...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          this.returned.set(prefix, returned);
        }
        held.clear();
      },
    };
  }

  /** `count` unused values of the prefix's sequence (any sequence kept in number_sequences). */
  async sequences(prefix: string, count: number): Promise<bigint[]> {
    const values: bigint[] = [];
    const returned = this.returned.get(prefix);
    if (returned?.length) values.push(...returned.splice(0, count));
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
      const reserved = await this.sequencesTable.reserve(prefix, size);
      if (reserved) {
        if (reserved.end - 1n > MAX_SEQUENCE) throw new Error(`invoice number space ${prefix} is exhausted`);
        return reserved;
      }
      if (await this.sequencesTable.create(prefix, size)) return { next: 1n, end: 1n + size };
      // another process created the row meanwhile: reserve from it
    }
  }
}
