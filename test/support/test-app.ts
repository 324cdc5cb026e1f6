import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication, Type } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { appOptions, configureApp, createApp } from '../../src/app';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/config';
import { makeTaxId } from './tax-ids';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A scratch database for one test file: a temp SQLite file, or a fresh MySQL database on the
 * server named by MYSQL_URL (TEST_DB=mysql, set by the e2e-mysql Jest project). */
export async function scratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `einv_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (process.env.TEST_DB === 'mysql') {
    const server = new URL(process.env.MYSQL_URL!);
    server.pathname = '/';
    const admin = await createConnection(server.toString());
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
    const url = new URL(server.toString());
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        const conn = await createConnection(server.toString());
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await conn.end();
      },
    };
  }
  const file = path.join(os.tmpdir(), `${name}.sqlite`);
  return {
    url: `sqlite:${file}`,
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    },
  };
}

export interface TestApp {
  app: INestApplication;
  dataSource: DataSource;
  /** The scratch database's DATABASE_URL (another app may be started on it). */
  databaseUrl: string;
  /** supertest against the app, optionally with a bearer token. */
  http(token?: string): ReturnType<typeof bearer>;
  close(): Promise<void>;
}

function bearer(app: INestApplication, token?: string) {
  const agent = request(app.getHttpServer());
  const withAuth = <T extends { set(name: string, value: string): T }>(req: T) => (token ? req.set('Authorization', `Bearer ${token}`) : req);
  return {
    get: (url: string) => withAuth(agent.get(url)),
    post: (url: string) => withAuth(agent.post(url)),
    put: (url: string) => withAuth(agent.put(url)),
    patch: (url: string) => withAuth(agent.patch(url)),
    delete: (url: string) => withAuth(agent.delete(url)),
  };
}

/** The SIGNING_KEY_SECRET test apps run with (required on MySQL; every app on one database needs the same). */
export const TEST_SIGNING_KEY_SECRET = 'test-signing-key-secret-0123456789abcdef';

/** The configuration tests run the service with, on the given scratch database. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
    EINVOICE_CLOCK: 'manual',
    LOG_LEVEL: 'error',
    BCRYPT_COST: '4',
    SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
    ...env,
  });
}

/** A provider of the app replaced for a test (Nest's overrideProvider): usually a subclass that observes or holds it. */
export interface ProviderOverride {
  provide: Type<unknown>;
  useClass: Type<unknown>;
}

/** The app, built from AppModule with the given providers replaced (a Nest testing module). */
async function buildApp(config: ReturnType<typeof loadConfig>, overrides: ProviderOverride[]): Promise<INestApplication> {
  if (overrides.length === 0) return createApp(config);
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  for (const { provide, useClass } of overrides) builder = builder.overrideProvider(provide).useClass(useClass);
  const moduleRef = await builder.compile();
  return configureApp(moduleRef.createNestApplication<NestExpressApplication>(appOptions(config)), config);
}

export async function startApp(env: Record<string, string> = {}, overrides: ProviderOverride[] = []): Promise<TestApp> {
  const db = await scratchDatabase();
  const config = testConfig(db.url, env);
  const app = await buildApp(config, overrides);
  await app.init();
  return {
    app,
    dataSource: app.get(DataSource),
    databaseUrl: db.url,
    http: (token?: string) => bearer(app, token),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export const taxpayerBody = (taxId: string, extra: Record<string, unknown> = {}) => ({
  taxId,
  name: `测试企业${taxId.slice(-6)}有限公司`,
  address: '长春市南关区人民大街1号',
  phone: '0431-88888888',
  bankName: '中国工商银行长春分行',
  bankAccount: '4200000000000000000',
  taxpayerType: 'general',
  filingFrequency: 'monthly',
  riskLevel: 'low',
  creditRating: 'A',
  pilot: true,
  initialQuota: '7500000.00',
  paperMaxAmountPerInvoice: '100000.00',
  ...extra,
});

/** Registers a taxpayer (as admin) and returns its id and a taxpayer-role API key for it. */
export async function registerTaxpayer(t: TestApp, extra: Record<string, unknown> = {}, province = '22') {
  const taxId = (extra.taxId as string | undefined) ?? makeTaxId(province);
  const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(taxpayerBody(taxId, extra));
  if (res.status !== 201) throw new Error(`register ${taxId}: ${res.status} ${JSON.stringify(res.body)}`);
  const token = await apiKey(t, 'taxpayer', taxId);
  return { taxId, token, body: res.body };
}

export async function apiKey(t: TestApp, role: string, taxpayerId?: string): Promise<string> {
  const res = await t
    .http(ADMIN_TOKEN)
    .post('/v1/api-keys')
    .send({ name: `${role} key`, role, ...(taxpayerId ? { taxpayerId } : {}) });
  if (res.status !== 201) throw new Error(`api key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

export async function setClock(t: TestApp, now: string): Promise<void> {
  const res = await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now });
  if (res.status !== 200) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
}
