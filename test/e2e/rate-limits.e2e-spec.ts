import { ADMIN_TOKEN, apiKey, registerTaxpayer, startApp, TestApp } from '../support/test-app';

// Issue 6, "Hardening": rate limits per principal and per IP (stricter on login and
// verification), 429 with Retry-After; lockout after repeated failed sign-ins.
// Each test has its own app: the counters are the app's, so no test spends another's allowance.
describe('rate limits', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp({ RATE_LIMIT_PER_MINUTE: '5', ANON_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterEach(() => t.close());

  it('limits each principal on its own: the 6th call in a minute is 429 with Retry-After', async () => {
    const { taxId } = await registerTaxpayer(t); // the admin's calls: 2
    const officer = await apiKey(t, 'tax_officer'); // 3
    for (let i = 0; i < 5; i++) await t.http(officer).get(`/v1/taxpayers/${taxId}`).expect(200);
    const limited = await t.http(officer).get(`/v1/taxpayers/${taxId}`).expect(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Another principal is not affected.
    await t.http(ADMIN_TOKEN).get('/v1/auth/me').expect(200);
  });

  it('limits unauthenticated calls per client IP, more strictly', async () => {
    for (let i = 0; i < 3; i++) await t.http('eik_guess').get('/v1/auth/me').expect(401);
    const limited = await t.http('eik_guess').get('/v1/auth/me').expect(429);
    expect(limited.headers['retry-after']).toBe(String(limited.body.retryAfter));
  });
});

describe('sign-in', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '2', LOGIN_RATE_LIMIT: '12' });
    await t.http(ADMIN_TOKEN).post('/v1/users').send({ username: 'finance.li', password: 'correct horse battery', role: 'auditor' }).expect(201);
  });
  afterEach(() => t.close());

  const login = (password: string) => t.http().post('/v1/auth/sessions').send({ username: 'finance.li', password });

  it('locks the account after repeated failures, even for the right password, then lets it in again', async () => {
    for (let i = 0; i < 3; i++) await login('wrong password!!').expect(401);
    // Issue 11 item 7: a locked account answers exactly like a wrong password.
    const locked = await login('correct horse battery').expect(401);
    expect(locked.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'invalid username or password' });
    expect(locked.headers['retry-after']).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2100));
    await login('correct horse battery').expect(201);
    const [row] = await t.dataSource.query("SELECT attempts FROM sign_in_throttles WHERE user_id = (SELECT id FROM users WHERE username = 'finance.li')");
    expect(Number(row.attempts)).toBe(0);
    const actions = (await t.dataSource.query("SELECT action FROM audit_events WHERE action IN ('user.locked', 'session.failed')")).map(
      (r: { action: string }) => r.action,
    );
    expect(actions).toContain('user.locked');
    expect(actions.filter((a: string) => a === 'session.failed')).toHaveLength(3);
  });

  it('limits sign-in attempts per client IP: LOGIN_RATE_LIMIT (12) a minute, the 13th is 429 with Retry-After', async () => {
    // Different usernames: the account lockout (LOGIN_MAX_FAILURES) is not what refuses here.
    const attempt = (i: number) =>
      t
        .http()
        .post('/v1/auth/sessions')
        .send({ username: `nobody${i}`, password: 'x' });
    for (let i = 0; i < 12; i++) await attempt(i).expect(401);
    const limited = await attempt(12).expect(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
