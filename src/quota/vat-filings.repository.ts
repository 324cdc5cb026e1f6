import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Db } from '../database/db.service';
import { VatFilingEntity } from './quota.entities';

/** Recorded VAT filings, as the declaration window asks about them. A filing is never withdrawn. */
@Injectable()
export class VatFilingsRepository {
  constructor(private readonly db: Db) {}

  /** Whether the taxpayer's filing for the period (YYYY-MM or YYYY-Qn) is recorded (committed, or as `em`'s transaction sees it). */
  exists(taxpayerId: string, period: string, em: EntityManager = this.db.dataSource.manager): Promise<boolean> {
    return em.exists(VatFilingEntity, { where: { taxpayerId, period } });
  }

  /** The taxpayer's filing for the period (committed), or null. */
  find(taxpayerId: string, period: string): Promise<VatFilingEntity | null> {
    return this.db.dataSource.manager.findOneBy(VatFilingEntity, { taxpayerId, period });
  }

  /** The taxpayer's filing for the period (committed), which must exist. */
  get(taxpayerId: string, period: string): Promise<VatFilingEntity> {
    return this.db.dataSource.manager.findOneByOrFail(VatFilingEntity, { taxpayerId, period });
  }

  /** A new filing (a duplicate key error when it is recorded already). */
  async insert(em: EntityManager, row: VatFilingEntity): Promise<void> {
    await em.insert(VatFilingEntity, row);
  }
}
