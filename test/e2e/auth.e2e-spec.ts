import { ApiKeyEntity, SessionEntity, UserEntity } from '../../src/auth/auth.entities';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { financeUser } from '../support/drivers';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, startApp, TestApp } from '../support/test-app';

/** A user of its own (role auditor), signed in and out once: a session and its audit events. */
async function signedInOnce(t: TestApp, username: string): Promise<void> {
  await financeUser(t, { username, password: 'correct horse battery', role: 'auditor' });
  const login = await t.http().post('/v1/auth/sessions').send({ username, password: 'correct horse battery' }).expect(201);
  await t.http(login.body.token).delete('/v1/auth/sessions/current').expect(204);
}

// API.md "Principals and roles" and "Auth"; issue 2 item 4.
describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('BOOTSTRAP_ADMIN_TOKEN creates an admin whose API key is that token', async () => {
    const res = await t.http(ADMIN_TOKEN).get('/v1/auth/me').expect(200);
    expect(res.body).toMatchObject({ kind: 'api_key', role: 'admin', taxpayerId: null });
    expect(await t.dataSource.manager.count(UserEntity, { where: { role: 'admin' } })).toBe(1);
  });

  it('does not create a second admin when restarted with the token', async () => {
    const { AuthService } = await import('../../src/auth/auth.service');
    await t.app.get(AuthService).onApplicationBootstrap();
    expect(await t.dataSource.manager.count(UserEntity, { where: { role: 'admin' } })).toBe(1);
  });

  it.each([
    ['no header', undefined],
    ['an unknown token', 'Bearer eik_nope'],
    ['a malformed header', 'Basic abc'],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 UNAUTHENTICATED to %s', async (_what, header) => {
    const req = t.http().get('/v1/auth/me');
    if (header !== undefined) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', type: expect.any(String), title: expect.any(String) });
  });

  describe('users and sessions', () => {
    let taxId: string;
    beforeAll(async () => {
      ({ taxId } = await registerTaxpayer(t));
    });

    it('creates a user with a bcrypt password, signs in, and the session token works until logout', async () => {
      const created = await t
        .http(ADMIN_TOKEN)
        .post('/v1/users')
        .send({ username: 'Finance.Zhang', password: 'correct horse battery', role: 'taxpayer', taxpayerId: taxId })
        .expect(201);
      expect(created.body).toMatchObject({ username: 'finance.zhang', role: 'taxpayer', taxpayerId: taxId });
      expect(created.body.password).toBeUndefined();
      const stored = await t.dataSource.manager.findOneByOrFail(UserEntity, { username: 'finance.zhang' });
      expect(stored.passwordHash).toMatch(/^\$2[aby]\$04\$/);

      const login = await t.http().post('/v1/auth/sessions').send({ username: 'FINANCE.zhang', password: 'correct horse battery' }).expect(201);
      expect(login.body.token).toMatch(/^eis_/);
      expect(login.body.expiresAt).toMatch(/\+08:00$/);
      const me = await t.http(login.body.token).get('/v1/auth/me').expect(200);
      expect(me.body).toMatchObject({ kind: 'session', role: 'taxpayer', taxpayerId: taxId });

      await t.http(login.body.token).delete('/v1/auth/sessions/current').expect(204);
      await t.http(login.body.token).get('/v1/auth/me').expect(401);
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      await financeUser(t, { username: 'finance.qian', password: 'correct horse battery', role: 'auditor' });
      const wrong = await t.http().post('/v1/auth/sessions').send({ username: 'finance.qian', password: 'wrong password!!' }).expect(401);
      const unknown = await t.http().post('/v1/auth/sessions').send({ username: 'nobody', password: 'wrong password!!' }).expect(401);
      expect(wrong.body.detail).toBe(unknown.body.detail);
    });

    it('the bootstrap admin has no password to sign in with', async () => {
      await t.http().post('/v1/auth/sessions').send({ username: 'admin', password: '' }).expect(401);
    });

    it.each([
      [{ username: 'ab', password: 'long enough password', role: 'auditor' }, 'username'],
      [{ username: 'short.pw', password: 'elevenchars', role: 'auditor' }, 'password'],
      [{ username: 'no.role', password: 'long enough password', role: 'root' }, 'role'],
      [{ username: 'tp.without.id', password: 'long enough password', role: 'taxpayer' }, 'taxpayerId'],
      [{ username: 'officer.with.id', password: 'long enough password', role: 'tax_officer', taxpayerId: '91220101MA00000000' }, 'taxpayerId'],
      [{ username: 'unknown.tp', password: 'long enough password', role: 'taxpayer', taxpayerId: '91110108551385082Q' }, 'taxpayerId'],
      [{ username: 'multibyte', password: '密码密码密码密码密码密码密码密码密码密码密码密码密码', role: 'auditor' }, 'password'],
    ])('rejects %j naming %s', async (body, field) => {
      const res = await t.http(ADMIN_TOKEN).post('/v1/users').send(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses a duplicate username with 409 ALREADY_EXISTS', async () => {
      const body = { username: 'dup.user', password: 'long enough password', role: 'auditor' };
      await t.http(ADMIN_TOKEN).post('/v1/users').send(body).expect(201);
      const res = await t
        .http(ADMIN_TOKEN)
        .post('/v1/users')
        .send({ ...body, username: 'DUP.user' })
        .expect(409);
      expect(res.body.code).toBe('ALREADY_EXISTS');
    });

    it('an admin signs a user out everywhere: every live session is 401 after, an API key is untouched, a new sign-in works', async () => {
      const body = { username: 'signed.out', password: 'long enough password', role: 'taxpayer', taxpayerId: taxId };
      const user = (await t.http(ADMIN_TOKEN).post('/v1/users').send(body).expect(201)).body;
      const signIn = async () => (await t.http().post('/v1/auth/sessions').send({ username: body.username, password: body.password }).expect(201)).body.token;
      const [a, b] = [await signIn(), await signIn()];
      const key = (await t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'erp', role: 'taxpayer', taxpayerId: taxId }).expect(201)).body.token;
      await t
        .http(ADMIN_TOKEN)
        .post('/v1/users')
        .send({ ...body, username: 'still.in' })
        .expect(201);
      const otherToken = (await t.http().post('/v1/auth/sessions').send({ username: 'still.in', password: body.password }).expect(201)).body.token;

      const res = await t.http(ADMIN_TOKEN).delete(`/v1/users/${user.id}/sessions`).expect(200);
      expect(res.body).toEqual({ revoked: 2 });
      for (const token of [a, b]) expect((await t.http(token).get('/v1/auth/me').expect(401)).body.code).toBe('UNAUTHENTICATED');
      await t.http(key).get('/v1/auth/me').expect(200);
      await t.http(otherToken).get('/v1/auth/me').expect(200);
      // Again: nothing live, nothing to end; the user signs in anew.
      expect((await t.http(ADMIN_TOKEN).delete(`/v1/users/${user.id}/sessions`).expect(200)).body).toEqual({ revoked: 0 });
      await t
        .http(await signIn())
        .get('/v1/auth/me')
        .expect(200);
      const events = await t.dataSource.manager.find(AuditEventEntity, { where: { action: 'user.sessions_revoked', objectId: user.id } });
      expect(events).toHaveLength(1);
    });

    it('signing out a user everywhere is for admins; an unknown user is 404', async () => {
      const user = (
        await t.http(ADMIN_TOKEN).post('/v1/users').send({ username: 'not.by.them', password: 'long enough password', role: 'auditor' }).expect(201)
      ).body;
      const officerKey = await apiKey(t, 'tax_officer');
      expect((await t.http(officerKey).delete(`/v1/users/${user.id}/sessions`).expect(403)).body.code).toBe('FORBIDDEN');
      expect((await t.http(ADMIN_TOKEN).delete('/v1/users/00000000-0000-4000-8000-000000000000/sessions').expect(404)).body.code).toBe('NOT_FOUND');
      expect((await t.http(ADMIN_TOKEN).delete('/v1/users/not-a-uuid/sessions').expect(404)).body.code).toBe('NOT_FOUND');
    });
  });

  describe('API keys', () => {
    it('shows the token once, stores only its SHA-256 digest, and revocation ends it', async () => {
      const res = await t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'ERP', role: 'tax_officer' }).expect(201);
      expect(res.body).toMatchObject({ id: expect.any(String), token: expect.stringMatching(/^eik_/), role: 'tax_officer' });
      const row = await t.dataSource.manager.findOneByOrFail(ApiKeyEntity, { id: res.body.id });
      expect(row.tokenDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(res.body.token);

      await t.http(res.body.token).get('/v1/auth/me').expect(200);
      await t.http(ADMIN_TOKEN).delete(`/v1/api-keys/${res.body.id}`).expect(204);
      await t.http(res.body.token).get('/v1/auth/me').expect(401);
      await t.http(ADMIN_TOKEN).delete(`/v1/api-keys/${res.body.id}`).expect(204);
      await t.http(ADMIN_TOKEN).delete('/v1/api-keys/00000000-0000-4000-8000-000000000000').expect(404);
      await t.http(ADMIN_TOKEN).delete('/v1/api-keys/not-a-uuid').expect(404);
    });

    it('session tokens are stored as digests too', async () => {
      await signedInOnce(t, 'digest.check');
      const sessions = await t.dataSource.manager.find(SessionEntity);
      expect(sessions.length).toBeGreaterThan(0);
      for (const s of sessions) expect(s.tokenDigest).toMatch(/^[0-9a-f]{64}$/);
    });

    it('logging out with an API key is refused: keys are revoked, not logged out', async () => {
      const res = await t.http(ADMIN_TOKEN).delete('/v1/auth/sessions/current').expect(409);
      expect(res.body.code).toBe('INVALID_STATE');
    });
  });

  describe('roles', () => {
    it.each([
      ['tax_officer', 'post', '/v1/users', { username: 'x.y.z', password: 'long enough password', role: 'auditor' }],
      ['tax_officer', 'post', '/v1/api-keys', { name: 'k', role: 'auditor' }],
      ['tax_officer', 'post', '/v1/taxpayers', {}],
      ['auditor', 'post', '/v1/users', {}],
      ['auditor', 'patch', '/v1/taxpayers/91110108551385082Q', { riskLevel: 'low' }],
      ['taxpayer', 'post', '/v1/api-keys', { name: 'k', role: 'admin' }],
      ['taxpayer', 'patch', '/v1/taxpayers/91110108551385082Q', { riskLevel: 'low' }],
    ] as const)('%s may not %s %s: 403 FORBIDDEN', async (role, method, url, body) => {
      const { taxId } = await registerTaxpayer(t);
      const token = await apiKey(t, role, role === 'taxpayer' ? taxId : undefined);
      const res = await t.http(token)[method](url).send(body).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });
  });

  it('records logins and key creation as audit events, with no secret in them', async () => {
    // Its own taxpayer, user, session and key, each created and (but the taxpayer) ended.
    await registerTaxpayer(t);
    await signedInOnce(t, 'audit.check');
    const key = await t.http(ADMIN_TOKEN).post('/v1/api-keys').send({ name: 'audit check', role: 'auditor' }).expect(201);
    await t.http(ADMIN_TOKEN).delete(`/v1/api-keys/${key.body.id}`).expect(204);
    const events = await t.dataSource.manager.find(AuditEventEntity);
    const actions = new Set(events.map((e) => e.action));
    for (const action of ['user.created', 'api_key.created', 'api_key.revoked', 'session.created', 'session.revoked', 'taxpayer.registered']) {
      expect(actions).toContain(action);
    }
    const text = JSON.stringify(events);
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain('correct horse battery');
  });
});
