import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Db } from '../database/db.service';
import { QuotaObjectionEntity } from './quota.entities';

/** A taxpayer's quota objections: a range of idx_quota_objection_taxpayer_time. */
export function objectionsQuery(em: EntityManager, taxId: string) {
  return em.createQueryBuilder(QuotaObjectionEntity, 'o').where('o.taxpayer_id = :taxId', { taxId });
}

/** The quota_objections rows: lodged, never changed. */
@Injectable()
export class QuotaObjectionsRepository {
  constructor(private readonly db: Db) {}

  /** A new objection. */
  async insert(em: EntityManager, row: QuotaObjectionEntity): Promise<void> {
    await em.insert(QuotaObjectionEntity, row);
  }

  /** A page of the taxpayer's objections, newest first. */
  page(taxId: string, query: PageQuery) {
    return pageNewestFirst(objectionsQuery(this.db.dataSource.manager, taxId), 'o', query);
  }
}
