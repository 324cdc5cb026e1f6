import { every } from '../common/every';
import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuditEventEntity } from './audit-event.entity';
import { AuditChainEntity } from './audit-chain.entity';
import { Db } from '../database/db.service';
import { insertRows } from '../database/bulk-writes';

export const GENESIS = '0'.repeat(64);
const LOCK = 'einvoice_audit_seal';
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

export interface ChainReport {
  intact: boolean;
  checked: number;
  head: { seq: number; hash: string } | null;
  unsealed: number;
  brokenAt: { seq: number; eventId: string | null; reason: string } | null;
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

  constructor(private readonly db: Db) {}

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
    if (!this.db.rowLocks) return this.sealAll();
    const runner = this.db.dataSource.createQueryRunner();
    try {
      const [row] = await runner.query('SELECT GET_LOCK(?, 5) AS got', [LOCK]);
      if (Number(row.got) !== 1) return 0;
      try {
        return await this.sealAll();
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  private async sealAll(): Promise<number> {
    let sealed = 0;
    for (;;) {
      const m = this.db.dataSource.manager;
      const head = await m.createQueryBuilder(AuditChainEntity, 'c').orderBy('c.seq', 'DESC').limit(1).getOne();
      const from = head ? idFloor(idTime(head.eventId) - LOOKBACK_MS) : '';
      const pending = await m
        .createQueryBuilder(AuditEventEntity, 'e')
        .leftJoin(AuditChainEntity, 'c', 'c.event_id = e.id')
        .where('e.id >= :from AND c.event_id IS NULL', { from })
        .orderBy('e.id', 'ASC')
        .limit(BATCH)
        .getMany();
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
        await insertRows(em, AuditChainEntity, links);
      });
      sealed += links.length;
    }
  }

  /** Seals what is pending, then walks the whole chain. */
  async verify(): Promise<ChainReport> {
    await this.seal();
    const m = this.db.dataSource.manager;
    let prevSeq = 0n;
    let prevHash = GENESIS;
    let checked = 0;
    let head: ChainReport['head'] = null;
    for (;;) {
      const links = await m.createQueryBuilder(AuditChainEntity, 'c').where('c.seq > :after', { after: Number(prevSeq) }).orderBy('c.seq', 'ASC').limit(BATCH).getMany();
      if (!links.length) break;
      const events = await m.createQueryBuilder(AuditEventEntity, 'e').where('e.id IN (:...ids)', { ids: links.map((l) => l.eventId) }).getMany();
      const byId = new Map(events.map((e) => [e.id, e]));
      for (const link of links) {
        const at = (reason: string) => ({ intact: false, checked, head, unsealed: 0, brokenAt: { seq: Number(link.seq), eventId: link.eventId, reason } });
        if (link.seq !== prevSeq + 1n) return { ...at(`link ${prevSeq + 1n} is missing`), brokenAt: { seq: Number(prevSeq + 1n), eventId: null, reason: `link ${prevSeq + 1n} is missing` } };
        if (link.prevHash !== prevHash) return at('the link does not continue the chain (prev_hash differs)');
        const event = byId.get(link.eventId);
        if (!event) return at('the event was deleted');
        if (linkHash(prevHash, event) !== link.hash) return at('the event was edited (its content no longer matches the hash)');
        prevSeq = link.seq;
        prevHash = link.hash;
        checked++;
        head = { seq: Number(link.seq), hash: link.hash };
      }
    }
    const total = await m.count(AuditEventEntity);
    return { intact: true, checked, head, unsealed: Math.max(0, total - checked), brokenAt: null };
  }
}
