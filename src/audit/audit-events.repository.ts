import { Injectable } from '@nestjs/common';
import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { orderedAfter, Position } from '../common/keyset';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { AuditChainEntity } from './audit-chain.entity';
import { AuditEventEntity } from './audit-event.entity';

/** The audit list's filter: a taxpayer (null: everyone), an action, an inclusive time range, and the cursor. */
export interface AuditListFilter {
  taxId: string | null;
  from: Date | null;
  to: Date | null;
  action: string | null;
  after: Position | null;
}

/**
 * The keys (at, id) of one page of the audit list, oldest first: an ordered range of
 * (taxpayer_id, at, id), (taxpayer_id, action, at, id), (action, at, id) or (at, id) (migration
 * 1700000000180), so a date filter is a range of the same index and a page costs what it holds
 * (src/common/keyset.ts). Only the index is read; the events and their links follow by id.
 */
export function auditListQuery(em: EntityManager, f: AuditListFilter, limit: number) {
  const qb = em.createQueryBuilder(AuditEventEntity, 'e').select(['e.at', 'e.id']).where('1 = 1');
  // Named on MySQL/MariaDB: with skewed statistics the optimizer would walk the index of every
  // event (in the list's order) instead, which for a small taxpayer reads everyone's history.
  qb.useIndex(
    f.taxId && f.action ? 'idx_audit_taxpayer_action_time' : f.taxId ? 'idx_audit_taxpayer_time' : f.action ? 'idx_audit_action_time' : 'idx_audit_time',
  );
  if (f.taxId) qb.andWhere('e.taxpayer_id = :taxId', { taxId: f.taxId });
  if (f.action) qb.andWhere('e.action = :action', { action: f.action });
  if (f.from) qb.andWhere('e.at >= :from', { from: f.from });
  if (f.to) qb.andWhere('e.at <= :to', { to: f.to });
  return orderedAfter(qb, 'e.at', 'e.id', 'ASC', f.after, limit);
}

/** An event with its link in the chain (none while it is unsealed). */
export type LinkedAuditEvent = AuditEventEntity & { link?: AuditChainEntity };

/** The append-only audit_events rows: inserted inside the caller's transaction, never changed. */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly db: Db) {}

  /** Events, in one multi-row INSERT. */
  async append(em: EntityManager, rows: AuditEventEntity[]): Promise<void> {
    await insertRows(em, AuditEventEntity, rows);
  }

  /** The row an event is about (another module's table, named by the caller). */
  async insertSubject<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, row: T): Promise<void> {
    await em.insert(entity, row);
  }

  /** The events with these ids (committed), in no particular order. */
  byIds(ids: string[]): Promise<AuditEventEntity[]> {
    return this.db.dataSource.manager.createQueryBuilder(AuditEventEntity, 'e').where('e.id IN (:...ids)', { ids }).getMany();
  }

  /** Up to `limit` events of the list (committed), oldest first, each with its link: the keys from the index, then the rows by id. */
  async page(filter: AuditListFilter, limit: number): Promise<LinkedAuditEvent[]> {
    const m = this.db.dataSource.manager;
    const keys = await auditListQuery(m, filter, limit).getMany();
    if (!keys.length) return [];
    return (await m
      .createQueryBuilder(AuditEventEntity, 'e')
      .leftJoinAndMapOne('e.link', AuditChainEntity, 'c', 'c.event_id = e.id')
      .where('e.id IN (:...ids)', { ids: keys.map((k) => k.id) })
      .orderBy('e.at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .getMany()) as LinkedAuditEvent[];
  }
}
