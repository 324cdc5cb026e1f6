import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { releaseNamedLock, takeNamedLock } from '../database/named-locks';
import { AuditChainEntity } from './audit-chain.entity';
import { AuditEventEntity } from './audit-event.entity';

const SEAL_LOCK = 'einvoice_audit_seal';
/** How long a sealer waits for another process's sealing to finish before it gives up this round. */
const SEAL_LOCK_WAIT_SECONDS = 5;

/** The audit_chain links (inserted, never changed) and which events they cover. */
@Injectable()
export class AuditChainRepository {
  constructor(private readonly db: Db) {}

  /**
   * Runs `work` as the only sealer: across processes under a named lock on MySQL / MariaDB (null
   * when another process holds it); as is on SQLite, whose writes run one at a time.
   */
  async asSoleSealer<T>(work: () => Promise<T>): Promise<T | null> {
    if (!this.db.rowLocks) return work();
    const runner = this.db.dataSource.createQueryRunner();
    try {
      if (!(await takeNamedLock(runner, SEAL_LOCK, SEAL_LOCK_WAIT_SECONDS))) return null;
      try {
        return await work();
      } finally {
        await releaseNamedLock(runner, SEAL_LOCK);
      }
    } finally {
      await runner.release();
    }
  }

  /** The chain's last link (committed), or null when it is empty. */
  head(): Promise<AuditChainEntity | null> {
    return this.db.dataSource.manager.createQueryBuilder(AuditChainEntity, 'c').orderBy('c.seq', 'DESC').limit(1).getOne();
  }

  /** The link `seq` (committed), or null. */
  link(seq: bigint): Promise<AuditChainEntity | null> {
    return this.db.dataSource.manager.findOneBy(AuditChainEntity, { seq });
  }

  /** Up to `limit` links after `seq`, in order. */
  linksAfter(seq: bigint, limit: number): Promise<AuditChainEntity[]> {
    return this.db.dataSource.manager
      .createQueryBuilder(AuditChainEntity, 'c')
      .where('c.seq > :after', { after: seq.toString() })
      .orderBy('c.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Links, in one multi-row INSERT. */
  async append(em: EntityManager, links: AuditChainEntity[]): Promise<void> {
    await insertRows(em, AuditChainEntity, links);
  }

  /** Up to `limit` committed events with ids from `from` on that no link covers, in id order. */
  unlinked(from: string, limit: number): Promise<AuditEventEntity[]> {
    return this.db.dataSource.manager
      .createQueryBuilder(AuditEventEntity, 'e')
      .leftJoin(AuditChainEntity, 'c', 'c.event_id = e.id')
      .where('e.id >= :from AND c.event_id IS NULL', { from })
      .orderBy('e.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Up to `limit` event ids, in order, from `from` (inclusive) or after `after`, and below `below`
   * (exclusive; null: no bound), each with its link's seq (null or undefined: not in the chain).
   */
  coverage(from: string, below: string | null, after: string | null, limit: number): Promise<{ id: string; seq: unknown }[]> {
    const qb = this.db.dataSource.manager
      .createQueryBuilder(AuditEventEntity, 'e')
      .leftJoin(AuditChainEntity, 'c', 'c.event_id = e.id')
      .select('e.id', 'id')
      .addSelect('c.seq', 'seq')
      .where(after === null ? 'e.id >= :from' : 'e.id > :after', { from, after });
    if (below !== null) qb.andWhere('e.id < :below', { below });
    return qb.orderBy('e.id', 'ASC').limit(limit).getRawMany();
  }
}
