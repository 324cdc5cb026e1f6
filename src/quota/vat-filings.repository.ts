import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { VatFilingEntity } from './quota.entities';

/** Recorded VAT filings, as the declaration window asks about them. */
@Injectable()
export class VatFilingsRepository {
  constructor(private readonly db: Db) {}

  /** Whether the taxpayer's filing for the period (YYYY-MM or YYYY-Qn) is recorded. */
  exists(taxpayerId: string, period: string): Promise<boolean> {
    return this.db.dataSource.manager.exists(VatFilingEntity, { where: { taxpayerId, period } });
  }
}
