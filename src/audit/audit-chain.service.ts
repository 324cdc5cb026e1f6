import { every } from '../common/every';
import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditChainEntity } from './audit-chain.entity';
import { Db } from '../database/db.service';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditChainRepository } from './audit-chain.repository';
import { AuditEventsRepository } from './audit-events.repository';
import { AppConfig } from '../config/config';
import { classifyUnsealed, EventWindow, eventWindow, reachOf } from './seal-reach';

export const GENESIS = '0'.repeat(64);
const SEAL_EVERY_MS = 2000;
/** Links (or events) read per page: the most the event loop is held for at once. */
const BATCH = 1000;

/** The canonical content of an event: its fields in a fixed order, as JSON. */
export function canonical(e: AuditEventEntity): string {
  return JSON.stringify([e.id, e.at.toISOString(), e.actor, e.actorRole, e.action, e.objectType, e.objectId, e.taxpayerId, e.before, e.after]);
}

export function linkHash(prevHash: string, e: AuditEventEntity): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical(e)).digest('hex');
}

const NEVER_SEALED = 'an event the sealer never sealed lies before its reach (back-dated or forged)';

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
    private readonly config: AppConfig,
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
      const from = this.sealerFloor(head);
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
   * hashes to it. Returns where it got to (and that link's event: null when it verified none), or
   * where the chain breaks.
   */
  async verifyPage(from: Position, limit = BATCH): Promise<{ to: Position; toEventId: string | null; checked: number; broken: BrokenAt | null; end: boolean }> {
    const links = await this.chain.linksAfter(from.seq, limit);
    if (!links.length) return { to: from, toEventId: null, checked: 0, broken: null, end: true };
    const events = await this.events.byIds(links.map((l) => l.eventId));
    const byId = new Map(events.map((e) => [e.id, e]));
    let prevSeq = from.seq;
    let prevHash = from.hash;
    let toEventId: string | null = null;
    let checked = 0;
    for (const link of links) {
      const at = (reason: string): BrokenAt => ({ seq: Number(link.seq), eventId: link.eventId, reason });
      let broken: BrokenAt | null = null;
      if (link.seq !== prevSeq + 1n) broken = { seq: Number(prevSeq + 1n), eventId: null, reason: `link ${prevSeq + 1n} is missing` };
      else if (link.prevHash !== prevHash) broken = at('the link does not continue the chain (prev_hash differs)');
      else if (!byId.has(link.eventId)) broken = at('the event was deleted');
      else if (linkHash(prevHash, byId.get(link.eventId)!) !== link.hash) broken = at('the event was edited (its content no longer matches the hash)');
      if (broken) return { to: { seq: prevSeq, hash: prevHash }, toEventId, checked, broken, end: true };
      prevSeq = link.seq;
      prevHash = link.hash;
      toEventId = link.eventId;
      checked++;
    }
    return { to: { seq: prevSeq, hash: prevHash }, toEventId, checked, broken: null, end: links.length < limit };
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
    return reachOf(head?.eventId ?? null);
  }

  /**
   * One page of the events in `window` (after `after`, when given): how many are unsealed, and of
   * those how many are overdue (below `headReach`, the sealer's reach now: never to be sealed)
   * and how many lie behind `checkpointReach` (see classifyUnsealed). Returns the last id looked
   * at (null when no more).
   */
  async unsealedPage(
    window: EventWindow,
    after: string | null,
    headReach: string,
    checkpointReach: string,
    limit = BATCH,
  ): Promise<{ unsealed: number; overdue: number; behind: number; last: string | null; firstOverdue: string | null }> {
    const rows = await this.chain.coverage(window.from, window.below, after, limit);
    let unsealed = 0;
    let overdue = 0;
    let behind = 0;
    let firstOverdue: string | null = null;
    for (const row of rows) {
      if (row.seq !== null && row.seq !== undefined) continue;
      unsealed++;
      const kind = classifyUnsealed(row.id, headReach, checkpointReach);
      if (kind === 'overdue') {
        overdue++;
        firstOverdue ??= row.id;
      } else if (kind === 'behind') behind++;
    }
    return { unsealed, overdue, behind, last: rows.length === limit ? rows[rows.length - 1].id : null, firstOverdue };
  }

  /**
   * Looks at every event in `window`, a page at a time (each awaited): the unsealed ones, the
   * overdue ones (a failure, the first named in `brokenAt`) and those behind `checkpointReach`.
   * `onPage` runs after each page but the last; it returns false to stop (the result is then
   * partial).
   */
  async unsealedIn(
    window: EventWindow,
    headReach: string,
    checkpointReach: string,
    onPage: () => Promise<boolean> = async () => true,
  ): Promise<{ unsealed: number; overdue: number; behind: number; brokenAt: BrokenAt | null; stopped: boolean }> {
    let unsealed = 0;
    let overdue = 0;
    let behind = 0;
    let brokenAt: BrokenAt | null = null;
    let after: string | null = null;
    for (;;) {
      const step = await this.unsealedPage(window, after, headReach, checkpointReach);
      unsealed += step.unsealed;
      overdue += step.overdue;
      behind += step.behind;
      if (step.firstOverdue && !brokenAt) brokenAt = { seq: null, eventId: step.firstOverdue, reason: NEVER_SEALED };
      if (step.last === null) return { unsealed, overdue, behind, brokenAt, stopped: false };
      if (!(await onPage())) return { unsealed, overdue, behind, brokenAt, stopped: true };
      after = step.last;
    }
  }

  /**
   * Seals what is pending, then verifies from the newest signed checkpoint (or the first link) at
   * most auditVerifyLinksPerRequest links (AUDIT_VERIFY_LINKS_PER_REQUEST), a page at a time, each
   * awaited (the event loop is never held for more than a page). Then it looks at the events it
   * answers for (eventWindow: from its checkpoint's reach to the reach of the link it got to, or
   * to the last event when it reached the head): one the sealer will never reach is a failure.
   * When intact it records a signed checkpoint at the link it got to, whether or not that is the
   * chain's head, so the next call continues from there.
   *
   * Concurrent runs (in one process or several) each record only the link they verified
   * themselves from a signed checkpoint they re-checked, so a checkpoint never vouches for a link
   * no run verified; a run whose link is not beyond the newest checkpoint records nothing.
   */
  async verify(): Promise<ChainReport> {
    await this.seal();
    const head = await this.chainHead();
    const checkpoint = await this.checkpoints.latest();
    let from: Position = { seq: 0n, hash: GENESIS };
    let fromCheckpoint: ChainReport['fromCheckpoint'] = null;
    let fromEventId: string | null = null;
    const report = (r: Omit<ChainReport, 'fromCheckpoint' | 'chainHead'>): ChainReport => ({
      ...r,
      intact: r.brokenAt === null,
      fromCheckpoint,
      chainHead: Number(head?.seq ?? 0n),
    });
    if (checkpoint) {
      fromCheckpoint = { seq: Number(checkpoint.seq), hash: checkpoint.hash, at: checkpoint.createdAt.toISOString() };
      const link = await this.chain.link(checkpoint.seq);
      const event = link ? (await this.events.byIds([link.eventId]))[0] : undefined;
      let reason: string | null = null;
      if (!link) reason = 'the checkpointed link is missing';
      else if (link.hash !== checkpoint.hash) reason = 'the checkpointed link was rewritten (its hash differs from the signed checkpoint)';
      else if (!event || linkHash(link.prevHash, event) !== link.hash) reason = "the checkpointed link's event was deleted, edited or swapped";
      if (reason !== null) {
        return report({
          intact: false,
          checked: 0,
          head: null,
          complete: false,
          unsealed: 0,
          overdue: 0,
          brokenAt: { seq: Number(checkpoint.seq), eventId: link?.eventId ?? null, reason },
        });
      }
      from = { seq: checkpoint.seq, hash: checkpoint.hash };
      fromEventId = link!.eventId;
    }
    const limit = this.config.auditVerifyLinksPerRequest;
    let position = from;
    let toEventId = fromEventId;
    let checked = 0;
    let end = false;
    while (checked < limit && !end) {
      const step = await this.verifyPage(position, Math.min(BATCH, limit - checked));
      checked += step.checked;
      position = step.to;
      toEventId = step.toEventId ?? toEventId;
      end = step.end;
      if (step.broken) {
        return report({ intact: false, checked, head: this.pos(position), complete: false, unsealed: 0, overdue: 0, brokenAt: step.broken });
      }
    }
    // The limit may have been reached on the last link: then this run did reach the head.
    if (!end) end = (await this.chain.link(position.seq + 1n)) === null;
    const events = await this.unsealedIn(eventWindow(fromEventId, toEventId, end), this.sealerFloor(head), reachOf(toEventId));
    if (!events.brokenAt && events.behind === 0 && position.seq > from.seq) await this.checkpoints.record(position);
    return report({
      intact: events.brokenAt === null,
      checked,
      head: this.pos(position),
      complete: end,
      unsealed: events.unsealed,
      overdue: events.overdue,
      brokenAt: events.brokenAt,
    });
  }

  private pos(p: Position): ChainReport['head'] {
    return p.seq === 0n ? null : { seq: Number(p.seq), hash: p.hash };
  }
}
