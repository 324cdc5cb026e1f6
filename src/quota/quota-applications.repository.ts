import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Db } from '../database/db.service';
import { QuotaApplicationEntity } from './quota.entities';

/** Quota applications of a taxpayer (null: everyone's) and status (null: any): a range of idx_quota_app_* (migration 1700000000180). */
export function applicationsQuery(em: EntityManager, taxId: string | null, status: string | null) {
  const qb = em.createQueryBuilder(QuotaApplicationEntity, 'a').where('1 = 1');
  if (taxId) qb.andWhere('a.taxpayer_id = :taxId', { taxId });
  if (status) qb.andWhere('a.status = :status', { status });
  return qb;
}

/** What deciding an application writes on its row. */
export type ApplicationDecision = Pick<QuotaApplicationEntity, 'status' | 'decidedBy' | 'decisionReason' | 'decidedAt'>;

/** The quota_applications rows. A decision is a conditional UPDATE from `pending`: decided once. */
@Injectable()
export class QuotaApplicationsRepository {
  constructor(private readonly db: Db) {}

  /** The application (committed), or null. */
  find(id: string): Promise<QuotaApplicationEntity | null> {
    return this.db.dataSource.manager.findOneBy(QuotaApplicationEntity, { id });
  }

  /** A new application. */
  async insert(em: EntityManager, row: QuotaApplicationEntity): Promise<void> {
    await em.insert(QuotaApplicationEntity, row);
  }

  /** Decides the application if it is still pending; answers whether this call decided it. */
  async decide(em: EntityManager, id: string, decision: ApplicationDecision): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(QuotaApplicationEntity)
      .set(decision)
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .execute();
    return result.affected === 1;
  }

  /** A page of applications, newest first. */
  page(taxId: string | null, status: string | null, query: PageQuery) {
    return pageNewestFirst(applicationsQuery(this.db.dataSource.manager, taxId, status), 'a', query);
  }
}
