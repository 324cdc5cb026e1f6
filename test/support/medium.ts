import { Abstract, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { Clock, ManualClock } from '../../src/common/clock';
import { Principal } from '../../src/common/principal';
import { validated } from '../../src/common/validation';
import { Db } from '../../src/database/db.service';
import { CreateTaxpayerDto } from '../../src/taxpayers/taxpayer.dto';
import { TaxpayerEntity } from '../../src/taxpayers/taxpayer.entity';
import { TaxpayersService } from '../../src/taxpayers/taxpayers.service';
import { makeTaxId } from './tax-ids';
import { scratchDatabase, taxpayerBody, testConfig } from './test-app';

/**
 * The medium tier (test/medium): the service's providers on a scratch database (SQLite, or MySQL
 * under the medium-mysql project), without HTTP: repositories and services called directly.
 */
export interface MediumContext {
  module: TestingModule;
  get<T>(token: Type<T> | Abstract<T>): T;
  dataSource: DataSource;
  /** Sets the manual clock (Beijing time in the ISO text, e.g. 2023-07-20T09:00:00+08:00). */
  setClock(now: string): void;
  close(): Promise<void>;
}

export const SYSTEM_ADMIN: Principal = { kind: 'api_key', id: 'medium', role: 'admin', taxpayerId: null, actorRef: 'api_key:medium' };

export async function startContext(env: Record<string, string> = {}): Promise<MediumContext> {
  const db = await scratchDatabase();
  const module = await Test.createTestingModule({ imports: [AppModule.forRoot(testConfig(db.url, env))] }).compile();
  await module.init();
  return {
    module,
    get: (token) => module.get(token, { strict: false }),
    dataSource: module.get(DataSource),
    setClock: (now) => (module.get(Clock, { strict: false }) as ManualClock).set(new Date(now)),
    close: async () => {
      await module.close();
      await db.drop();
    },
  };
}

/** A registered pilot taxpayer, and a taxpayer principal acting for it. */
/** A context and its Db, for a spec's `beforeAll(async () => ({ ctx, db } = await startWithDb()))`. */
export async function startWithDb(env: Record<string, string> = {}): Promise<{ ctx: MediumContext; db: Db }> {
  const ctx = await startContext(env);
  return { ctx, db: ctx.get(Db) };
}

export async function registerSeller(
  ctx: MediumContext,
  extra: Record<string, unknown> = {},
  province = '22',
): Promise<{ seller: TaxpayerEntity; principal: Principal }> {
  const taxId = makeTaxId(province);
  const taxpayers = ctx.get(TaxpayersService);
  await taxpayers.register(SYSTEM_ADMIN, validated(CreateTaxpayerDto, taxpayerBody(taxId, extra)));
  const principal: Principal = { kind: 'api_key', id: `k-${taxId}`, role: 'taxpayer', taxpayerId: taxId, actorRef: `api_key:k-${taxId}` };
  return { seller: (await taxpayers.find(taxId))!, principal };
}
