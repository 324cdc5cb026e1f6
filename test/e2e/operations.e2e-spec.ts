import { DataSource } from 'typeorm';
import { migrate } from '../../src/database/database.module';
import { ADMIN_TOKEN, apiKey, startApp, TestApp } from '../support/test-app';

// API.md "Operations", "Test clock", "Conventions" (errors); issue 2 items 2, 6, 7, 8.
describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('/health and /health/ready answer without a token', async () => {
    expect((await t.http().get('/health').expect(200)).body).toEqual({ status: 'ok' });
    expect((await t.http().get('/health/ready').expect(200)).body).toMatchObject({ status: 'ok', database: process.env.TEST_DB });
  });

  it('serves the OpenAPI document generated from the DTOs, and its UI', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/taxpayers', '/v1/taxpayers/{taxId}', '/v1/users', '/v1/api-keys', '/v1/auth/sessions', '/v1/system/clock', '/health']),
    );
    expect(doc.components.schemas.CreateTaxpayerDto.properties.initialQuota).toMatchObject({ type: 'string', example: '7500000.00' });
    expect(doc.components.securitySchemes.bearer).toBeDefined();
    // The batch validates its body by hand (no deep copy), but documents it all the same.
    expect(doc.paths['/v1/invoices/batch'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BatchDto' });
    expect(doc.components.schemas.BatchDto.properties.invoices).toMatchObject({ type: 'array', maxItems: 1000 });
    const ui = await t.http().get('/docs').expect(200);
    expect(ui.text).toMatch(/swagger/i);
  });

  describe('errors are problem details, never a 500 for bad input', () => {
    it.each([
      ['malformed JSON', '{"taxId": ', 'application/json'],
      ['a JSON array', '[1,2,3]', 'application/json'],
      ['a JSON string', '"hello"', 'application/json'],
      ['JSON null', 'null', 'application/json'],
    ])('%s is 400 VALIDATION_FAILED', async (_what, raw, type) => {
      const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').set('Content-Type', type).send(raw);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    });

    it('a body over the limit is 413', async () => {
      const res = await t
        .http(ADMIN_TOKEN)
        .post('/v1/taxpayers')
        .set('Content-Type', 'application/json')
        .send(`{"name":"${'x'.repeat(11 * 1024 * 1024)}"}`);
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('an unknown route is 404 NOT_FOUND, even unauthenticated', async () => {
      const res = await t.http().get('/v1/nothing-here').expect(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    });

    it('a body without a content type is treated as empty and validated', async () => {
      const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send('taxId=1').set('Content-Type', 'text/plain').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('manual clock', () => {
    it('an admin sets and reads it; every reader sees the same instant', async () => {
      const set = await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now: '2023-07-31T23:59:59+08:00' }).expect(200);
      expect(set.body).toEqual({ now: '2023-07-31T23:59:59+08:00', mode: 'manual' });
      await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now: '2023-07-31T16:00:00Z' }).expect(200);
      expect((await t.http(ADMIN_TOKEN).get('/v1/system/clock').expect(200)).body.now).toBe('2023-08-01T00:00:00+08:00');
    });

    it('registration reads the clock', async () => {
      await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now: '2023-07-20T09:00:00+08:00' }).expect(200);
      const { registerTaxpayer } = await import('../support/test-app');
      const { body } = await registerTaxpayer(t);
      expect(body.registeredAt).toBe('2023-07-20T09:00:00+08:00');
    });

    it('refuses a time without an offset, and non-admins', async () => {
      const bad = await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now: '2023-07-20 09:00' }).expect(400);
      expect(bad.body.errors[0].field).toBe('now');
      const officer = await apiKey(t, 'tax_officer');
      await t.http(officer).put('/v1/system/clock').send({ now: '2023-07-20T09:00:00+08:00' }).expect(403);
    });
  });

  it('the schema the migrations build is exactly what the entities describe', async () => {
    const pending = await t.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('migrations revert and re-apply cleanly, and a second run applies nothing', async () => {
    const ds: DataSource = t.dataSource;
    await ds.undoLastMigration({ transaction: 'each' });
    expect(await ds.showMigrations()).toBe(true);
    await migrate(ds);
    expect(await ds.showMigrations()).toBe(false);
    await migrate(ds);
  });
});

describe('system clock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ EINVOICE_CLOCK: 'system' });
  });
  afterAll(() => t.close());

  it("the clock routes answer 404 when the clock is the system's", async () => {
    await t.http(ADMIN_TOKEN).get('/v1/system/clock').expect(404);
    await t.http(ADMIN_TOKEN).put('/v1/system/clock').send({ now: '2023-07-20T09:00:00+08:00' }).expect(404);
  });
});

describe('request logs', () => {
  let t: TestApp;
  const lines: string[] = [];
  let restore: () => void;
  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    restore = () => (process.stdout.write = write);
    t = await startApp({ LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    restore();
    await t.close();
  });

  it('writes one JSON line per request with principal, route, status and duration, and never the token', async () => {
    await t.http(ADMIN_TOKEN).get('/v1/taxpayers/91110108551385082Q').expect(404);
    await t.http().post('/v1/auth/sessions').send({ username: 'admin', password: 'a secret password' }).expect(401);
    await new Promise((r) => setImmediate(r));
    const requests = lines
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.message?.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0].message).toMatchObject({
      method: 'GET',
      route: '/v1/taxpayers/:taxId',
      status: 404,
      principal: expect.stringMatching(/^api_key:/),
      role: 'admin',
    });
    expect(requests[0].message.durationMs).toEqual(expect.any(Number));
    expect(requests[1].message).toMatchObject({ method: 'POST', route: '/v1/auth/sessions', status: 401, principal: null });
    const all = lines.join('');
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain('a secret password');
  });
});
