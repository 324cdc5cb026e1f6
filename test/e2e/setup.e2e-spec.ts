import request from 'supertest';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app';
import { SetupCodeEntity } from '../../src/auth/setup-code.entity';
import { SetupService } from '../../src/auth/setup.service';
import { UserEntity } from '../../src/auth/auth.entities';
import { loadConfig } from '../../src/config/config';
import { expectProblem } from '../support/problems';
import { ADMIN_TOKEN, startApp, TEST_SIGNING_KEY_SECRET, TestApp } from '../support/test-app';

// Issue 12, "First start": a one-time setup code printed at start creates the first admin.
const PASSWORD = 'a long admin password';

/** Everything the app writes to stdout and stderr while `work` runs. */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((s) =>
    jest.spyOn(process[s], 'write').mockImplementation((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true)),
  );
  try {
    return { value: await work(), output: chunks.join('') };
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
}

describe('first start', () => {
  let t: TestApp;
  let log: string;
  let code: string;
  const agent = () => request(t.app.getHttpServer());

  // Each test starts on a new database, with no admin and its own printed code.
  beforeEach(async () => {
    const started = await captureOutput(() => startApp({ BOOTSTRAP_ADMIN_TOKEN: '', LOG_LEVEL: 'warn', PORT: '3000' }));
    t = started.value;
    log = started.output;
    code = t.app.get(SetupService).printedCode!;
  });
  afterEach(() => t.close());

  it('prints a one-time setup code and where to enter it; keeps only its digest', async () => {
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(log).toContain(`Open http://localhost:3000/setup and enter setup code ${code}`);
    const rows = await t.dataSource.manager.find(SetupCodeEntity);
    expect(rows).toHaveLength(1);
    expect(rows[0].codeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(code.replace('-', ''));
    expect((await agent().get('/v1/setup').expect(200)).body).toEqual({ needed: true });
  });

  it('refuses a wrong code with 403 and bad input with 400 naming the field', async () => {
    expectProblem(await agent().post('/v1/setup').send({ setupCode: 'AAAA-AAAA', username: 'root', password: PASSWORD }), 403, 'FORBIDDEN');
    expectProblem(await agent().post('/v1/setup').send({ setupCode: code, username: 'root', password: 'short' }), 400, 'VALIDATION_FAILED', 'password');
    expectProblem(await agent().post('/v1/setup').send({ setupCode: code, username: 'a b', password: PASSWORD }), 400, 'VALIDATION_FAILED', 'username');
    expect((await agent().get('/v1/setup').expect(200)).body).toEqual({ needed: true });
  });

  it('a code printed by another process on the same database works too, and one success spends every code', async () => {
    const other = await createApp(
      loadConfig({ DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'error', BCRYPT_COST: '4', EINVOICE_CLOCK: 'manual', SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET }),
    );
    try {
      await other.init();
      const otherCode = other.get(SetupService).printedCode!;
      expect(otherCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      expect(otherCode).not.toBe(code);
      // Two attempts at once with the right codes, one on each process: exactly one admin.
      const [a, b] = await Promise.all([
        agent()
          .post('/v1/setup')
          .send({ setupCode: otherCode.toLowerCase().replace('-', ' '), username: 'Root', password: PASSWORD }),
        request(other.getHttpServer()).post('/v1/setup').send({ setupCode: code, username: 'root2', password: PASSWORD }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses[0]).toBe(201);
      expect([403, 409]).toContain(statuses[1]);
      const created = a.status === 201 ? a.body : b.body;
      expect(created).toMatchObject({ role: 'admin', taxpayerId: null, username: expect.stringMatching(/^root2?$/) });
      expect(await t.dataSource.manager.count(UserEntity, { where: { role: 'admin' } })).toBe(1);
      expect((await t.dataSource.manager.find(SetupCodeEntity)).every((c) => c.spentAt !== null)).toBe(true);
      // Spent for good, on both processes.
      for (const app of [t.app, other] as INestApplication[]) {
        expect((await request(app.getHttpServer()).get('/v1/setup').expect(200)).body).toEqual({ needed: false });
        expectProblem(
          await request(app.getHttpServer()).post('/v1/setup').send({ setupCode: code, username: 'again', password: PASSWORD }),
          409,
          'INVALID_STATE',
        );
      }
      // The admin signs in with the password chosen.
      const signIn = await agent().post('/v1/auth/sessions').send({ username: created.username, password: PASSWORD }).expect(201);
      expect((await agent().get('/v1/auth/me').set('Authorization', `Bearer ${signIn.body.token}`).expect(200)).body.role).toBe('admin');
      // A later start prints no code.
      await other.close();
      const third = await createApp(
        loadConfig({ DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'error', BCRYPT_COST: '4', SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET }),
      );
      await third.init();
      expect(third.get(SetupService).printedCode).toBeNull();
      await third.close();
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});

describe('first start, rate limit', () => {
  it('is rate-limited per client like sign-ins', async () => {
    const limited = await startApp({ BOOTSTRAP_ADMIN_TOKEN: '', LOGIN_RATE_LIMIT: '2' });
    try {
      for (let i = 0; i < 2; i++)
        await request(limited.app.getHttpServer()).post('/v1/setup').send({ setupCode: 'AAAA-AAAA', username: 'root', password: PASSWORD }).expect(403);
      expectProblem(
        await request(limited.app.getHttpServer()).post('/v1/setup').send({ setupCode: 'AAAA-AAAA', username: 'root', password: PASSWORD }),
        429,
        'RATE_LIMITED',
      );
    } finally {
      await limited.close();
    }
  });
});

describe('BOOTSTRAP_ADMIN_TOKEN at start', () => {
  it('says that it created the admin, never the token, and prints no setup code', async () => {
    const { value: t, output } = await captureOutput(() => startApp({ LOG_LEVEL: 'warn' }));
    try {
      expect(output).toContain('created admin user \\"admin\\"');
      expect(output).not.toContain(ADMIN_TOKEN);
      expect(output).not.toContain('setup code');
      expect(t.app.get(SetupService).printedCode).toBeNull();
      expect((await request(t.app.getHttpServer()).get('/v1/setup').expect(200)).body).toEqual({ needed: false });
    } finally {
      await t.close();
    }
  });
});
