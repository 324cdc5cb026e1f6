import { every } from '../common/every';
import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditChainEntity } from './audit-chain.entity';
import { Db } from '../database/db.service';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditChainRepository } from './audit-chain.repository';
import { AuditEventsRepository } from './audit-events.repository';

export const GENESIS = '0'.repeat(64);
const SEAL_EVERY_MS = 2000;
/** How far back (real time) the sealer looks for events committed after later ones. */
const LOOKBACK_MS = 5 * 60_000;
const BATCH = 1000;

/** The canonical content of an event: its fields in a fixed order, as JSON. */
export function canonical(e: AuditEventEntity): string {
  return JSON.stringify([e.id, e.at.toISOString(), e.actor, e.actorRole, e.action, e.objectType, e.objectId, e.taxpayerId, e.before, e.after]);
}

export function linkHash(prevHash: string, e: AuditEventEntity): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical(e)).digest('hex');
}

/** The time an id from timeOrderedId() was made, in ms. */
const idTime = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const idFloor = (ms: number) => {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
};

/** Links verified per GET /v1/audit-events/verify at most; the rest on the next call or by a full run. */
export const VERIFY_PAGES_PER_REQUEST = 50;

export interface BrokenAt {
  /** The link where the chain breaks; null for an event outside the chain. */
  seq: number | null;
  eventId: string | null;
  reason: string;
}

export interface ChainReport {
  intact: boolean;
  /** Links verified by this run. */
  checked: number;
  /** Where this run started: the signed checkpoint it trusted, or null for the first link. */
  fromCheckpoint: { seq: number; hash: string; at: string } | null;
  /** The last link verified (its hash chains back to the checkpoint or the first link). */
  head: { seq: number; hash: string } | null;
  /** The chain's last link: `complete` when the run reached it. */
  chainHead: number;
  complete: boolean;
  /** Events not (yet) in the chain, among those this run looked at; `overdue` of them are out of the sealer's reach. */
  unsealed: number;
  overdue: number;
  brokenAt: BrokenAt | null;
}

interface Position {
  seq: bigint;
  hash: string;
}

/**
 * The tamper-evident audit record (issue 6): events are hash-chained, each link storing the
 * SHA-256 of its predecessor's hash and its event's canonical content. Neither table is ever
 * updated or deleted from by the service. Verification recomputes the chain and names the first
 * link where an event was edited or deleted, or a link removed. (Someone able to rewrite both
 * tables from the break onwards could forge a consistent chain: keep the reported head hash
 * elsewhere to pin it.)
 */
@Injectable()
export class AuditChainService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuditChain');
  private stop: () => void = () => undefined;
  private sealing: Promise<number> | null = null;

  constructor(
    private readonly db: Db,
    private readonly chain: AuditChainRepository,
    private readonly events: AuditEventsRepository,
    private readonly checkpoints: AuditCheckpoints,
  ) {}

  onModuleInit(): void {
    this.stop = every(SEAL_EVERY_MS, () => this.seal(), this.logger, 'sealing');
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Seals every committed, unsealed event; one sealer at a time (per process, and across processes on MySQL). */
  seal(): Promise<number> {
    this.sealing ??= this.sealUnderLock().finally(() => (this.sealing = null));
    return this.sealing;
  }

  private async sealUnderLock(): Promise<number> {
    return (await this.chain.asSoleSealer(() => this.sealAll())) ?? 0;
  }

  private async sealAll(): Promise<number> {
    let sealed = 0;
    for (;;) {
      const head = await this.chain.head();
      const from = head ? idFloor(idTime(head.eventId) - LOOKBACK_MS) : '';
      const pending = await this.chain.unlinked(from, BATCH);
      if (!pending.length) return sealed;
      let seq = head ? head.seq : 0n;
      let prev = head ? head.hash : GENESIS;
      const now = new Date();
      const links: AuditChainEntity[] = pending.map((e) => {
        const hash = linkHash(prev, e);
        const link = { seq: ++seq, eventId: e.id, prevHash: prev, hash, sealedAt: now };
        prev = hash;
        return link;
      });
      await this.db.transaction(async (em) => {
        await this.chain.append(em, links);
      });
      sealed += links.length;
    }
  }

  // ---------------------------------------------------------------------------- verification

  /**
   * Verifies one page of links after `from`: each continues the chain, and its event exists and
   * hashes to it. Returns where it got to, or where the chain breaks.
   */
  async verifyPage(from: Position, limit = BATCH): Promise<{ to: Position; checked: number; broken: BrokenAt | null; end: boolean }> {
    const links = await this.chain.linksAfter(from.seq, limit);
    if (!links.length) return { to: from, checked: 0, broken: null, end: true };
    const events = await this.events.byIds(links.map((l) => l.eventId));
    const byId = new Map(events.map((e) => [e.id, e]));
    let prevSeq = from.seq;
    let prevHash = from.hash;
    let checked = 0;
    for (const link of links) {
      const at = (reason: string): BrokenAt => ({ seq: Number(link.seq), eventId: link.eventId, reason });
      let broken: BrokenAt | null = null;
      if (link.seq !== prevSeq + 1n) broken = { seq: Number(prevSeq + 1n), eventId: null, reason: `link ${prevSeq + 1n} is missing` };
      else if (link.prevHash !== prevHash) broken = at('the link does not continue the chain (prev_hash differs)');
      else if (!byId.has(link.eventId)) broken = at('the event was deleted');
      else if (linkHash(prevHash, byId.get(link.eventId)!) !== link.hash) broken = at('the event was edited (its content no longer matches the hash)');
      if (broken) return { to: { seq: prevSeq, hash: prevHash }, checked, broken, end: true };
      prevSeq = link.seq;
      prevHash = link.hash;
      checked++;
    }
    return { to: { seq: prevSeq, hash: prevHash }, checked, broken: null, end: links.length < limit };
  }

  /** The chain's last link (seq 0 when empty). */
  chainHead(): Promise<AuditChainEntity | null> {
    return this.chain.head();
  }

  /**
   * The smallest event id the sealer still looks at: an event below it that is not in the chain
   * will never be sealed (issue 11, item 15: a forged, back-dated event).
   */
  sealerFloor(head: AuditChainEntity | null): string {
    return head ? idFloor(idTime(head.eventId) - LOOKBACK_MS) : '';
  }

  /**
   * Unsealed events with ids from `from` (inclusive) on, one page: how many, and how many of them
   * lie below the sealer's floor. Returns the last id looked at (null when no more).
   */
  async unsealedPage(
    from: string,
    after: string | null,
    floor: string,
    limit = BATCH,
  ): Promise<{ unsealed: number; overdue: number; last: string | null; firstOverdue: string | null }> {
    const rows = await this.chain.coverage(from, after, limit);
    let unsealed = 0;
    let overdue = 0;
    let firstOverdue: string | null = null;
    for (const row of rows) {
      if (row.seq !== null && row.seq !== undefined) continue;
      unsealed++;
      if (row.id < floor) {
        overdue++;
        firstOverdue ??= row.id;
      }
    }
    return { unsealed, overdue, last: rows.length === limit ? rows[rows.length - 1].id : null, firstOverdue };
  }

  /**
   * Seals what is pending, then verifies from the newest signed checkpoint (or the first link) at
   * most VERIFY_PAGES_PER_REQUEST pages of links, each page awaited on its own (the event loop is
   * never held for more than a page). When it reaches the chain's head intact, it looks for
   * events the sealer will never reach since the checkpoint, and records a new checkpoint.
   */
  async verify(): Promise<ChainReport> {
    await this.seal();
    const head = await this.chainHead();
    const checkpoint = await this.checkpoints.latest();
    let from: Position = { seq: 0n, hash: GENESIS };
    let fromCheckpoint: ChainReport['fromCheckpoint'] = null;
    let fromEventId = '';
    if (checkpoint) {
      fromCheckpoint = { seq: Number(checkpoint.seq), hash: checkpoint.hash, at: checkpoint.createdAt.toISOString() };
      const link = await this.chain.link(checkpoint.seq);
      if (!link || link.hash !== checkpoint.hash) {
        return {
          intact: false,
          checked: 0,
          fromCheckpoint,
          head: null,
          chainHead: Number(head?.seq ?? 0n),
          complete: false,
          unsealed: 0,
          overdue: 0,
          brokenAt: {
            seq: Number(checkpoint.seq),
            eventId: link?.eventId ?? null,
            reason: link ? 'the checkpointed link was rewritten (its hash differs from the signed checkpoint)' : 'the checkpointed link is missing',
          },
        };
      }
      from = { seq: checkpoint.seq, hash: checkpoint.hash };
      fromEventId = idFloor(idTime(link.eventId) - LOOKBACK_MS);
    }
    let position = from;
    let checked = 0;
    let end = false;
    for (let page = 0; page < VERIFY_PAGES_PER_REQUEST && !end; page++) {
      const step = await this.verifyPage(position);
      checked += step.checked;
      position = step.to;
      end = step.end;
      if (step.broken) {
        return {
          intact: false,
          checked,
          fromCheckpoint,
          head: this.pos(position),
          chainHead: Number(head?.seq ?? 0n),
          complete: false,
          unsealed: 0,
          overdue: 0,
          brokenAt: step.broken,
        };
      }
    }
    let unsealed = 0;
    let overdue = 0;
    let brokenAt: BrokenAt | null = null;
    if (end) {
      // Events since the checkpoint (from the first when there is none) that are not in the chain.
      const floor = this.sealerFloor(head);
      let after: string | null = null;
      for (;;) {
        const step = await this.unsealedPage(fromEventId, after, floor);
        unsealed += step.unsealed;
        overdue += step.overdue;
        if (step.firstOverdue && !brokenAt)
          brokenAt = { seq: null, eventId: step.firstOverdue, reason: 'an event the sealer never sealed lies before its reach (back-dated or forged)' };
        if (step.last === null) break;
        after = step.last;
      }
      if (!brokenAt && position.seq > from.seq) await this.checkpoints.record(position);
    }
    return {
      intact: brokenAt === null,
      checked,
      fromCheckpoint,
      head: this.pos(position),
      chainHead: Number(head?.seq ?? 0n),
      complete: end,
      unsealed,
      overdue,
      brokenAt,
    };
  }

  private pos(p: Position): ChainReport['head'] {
    return p.seq === 0n ? null : { seq: Number(p.seq), hash: p.hash };
  }
}
