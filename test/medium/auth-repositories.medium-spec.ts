import { SessionsRepository } from '../../src/auth/sessions.repository';
import { SetupCodesRepository } from '../../src/auth/setup-codes.repository';
import { SignInThrottlesRepository } from '../../src/auth/sign-in-throttles.repository';
import { UsersRepository } from '../../src/auth/users.repository';
import { UserEntity } from '../../src/auth/auth.entities';
import { Db } from '../../src/database/db.service';
import { MediumContext, startWithDb } from '../support/medium';

// The auth repositories' statements that decide races (README "Sign-in", issue 12's setup code):
// attempt slots are taken by a conditional UPDATE, so racing attempts never take more than there
// are; the setup codes are spent by one UPDATE, so only one of two racing setups spends them.
describe('auth repositories', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => ({ ctx, db } = await startWithDb()));
  afterAll(() => ctx.close());

  const at = (iso: string) => new Date(iso);
  const user = (id: string, username: string): UserEntity => ({
    id,
    username,
    passwordHash: null,
    role: 'taxpayer',
    taxpayerId: null,
    createdAt: at('2023-07-01T01:00:00Z'),
    failedLogins: 0,
    lockedUntil: null,
  });

  it('racing attempts take at most the slots there are; the one that takes the last locks the pair, and its lock is noted once', async () => {
    const throttles = ctx.get(SignInThrottlesRepository);
    const [userId, client, now, lockUntil] = ['10000000-0000-4000-8000-000000000001', '203.0.113.7', at('2023-07-03T01:00:00Z'), at('2023-07-03T01:15:00Z')];
    expect(await throttles.takeSlot(userId, client, 3, lockUntil, now)).toBe(false); // no row yet
    await Promise.all([throttles.insertIfMissing(userId, client, now), throttles.insertIfMissing(userId, client, now)]); // the second finds it there
    const taken = await Promise.all(Array.from({ length: 8 }, () => throttles.takeSlot(userId, client, 3, lockUntil, now)));
    expect(taken.filter(Boolean)).toHaveLength(3);
    expect(await throttles.find(userId, client)).toMatchObject({ attempts: 3, lockedUntil: lockUntil, lockRecorded: 0 });
    const noted = await Promise.all([1, 2].map(() => db.transaction((em) => throttles.noteLock(em, userId, client))));
    expect(noted.filter(Boolean)).toHaveLength(1);
    expect(await throttles.find(userId, client)).toMatchObject({ lockRecorded: 1 });
  });

  it('a lock restarts the count only once it has run out, and a success frees every slot', async () => {
    const throttles = ctx.get(SignInThrottlesRepository);
    const [userId, client, now, lockUntil] = ['10000000-0000-4000-8000-000000000002', '203.0.113.8', at('2023-07-03T01:00:00Z'), at('2023-07-03T01:15:00Z')];
    await throttles.insertIfMissing(userId, client, now);
    expect(await throttles.takeSlot(userId, client, 1, lockUntil, now)).toBe(true);
    await throttles.restartIfExpired(userId, client, at('2023-07-03T01:14:59.999Z'));
    expect(await throttles.find(userId, client)).toMatchObject({ attempts: 1, lockedUntil: lockUntil });
    expect(await throttles.takeSlot(userId, client, 1, lockUntil, now)).toBe(false);
    await throttles.restartIfExpired(userId, client, lockUntil);
    expect(await throttles.find(userId, client)).toMatchObject({ attempts: 0, lockedUntil: null, lockRecorded: 0 });
    expect(await throttles.takeSlot(userId, client, 2, lockUntil, now)).toBe(true);
    await throttles.reset(userId, client, now);
    expect(await throttles.find(userId, client)).toMatchObject({ attempts: 0, lockedUntil: null });
  });

  it('two racing setups: one spends every code, the other spends none', async () => {
    const codes = ctx.get(SetupCodesRepository);
    const created = at('2023-07-03T01:00:00Z');
    await db.transaction(async (em) => {
      await codes.insert(em, { id: '20000000-0000-4000-8000-000000000001', codeDigest: 'a'.repeat(64), createdAt: created, spentAt: null });
      await codes.insert(em, { id: '20000000-0000-4000-8000-000000000002', codeDigest: 'b'.repeat(64), createdAt: created, spentAt: null });
    });
    const unspent = (await db.transaction((em) => codes.unspent(em))).length;
    expect(unspent).toBeGreaterThanOrEqual(2);
    const spent = await Promise.all([1, 2].map(() => db.transaction((em) => codes.spendAll(em, at('2023-07-03T02:00:00Z')))));
    expect(spent.sort()).toEqual([0, unspent]);
    expect(await db.transaction((em) => codes.unspent(em))).toEqual([]);
  });

  it("revoking a user's sessions leaves an earlier revocation as it was", async () => {
    const [users, sessions] = [ctx.get(UsersRepository), ctx.get(SessionsRepository)];
    const userId = '30000000-0000-4000-8000-000000000001';
    const session = (n: number, revokedAt: Date | null) => ({
      id: `30000000-0000-4000-8000-00000000010${n}`,
      tokenDigest: String(n).repeat(64),
      userId,
      createdAt: at('2023-07-03T01:00:00Z'),
      expiresAt: at('2023-07-03T09:00:00Z'),
      revokedAt,
    });
    const earlier = at('2023-07-03T02:00:00Z');
    await db.transaction(async (em) => {
      await users.insert(em, user(userId, 'medium-sessions'));
      for (const s of [session(1, null), session(2, null), session(3, earlier)]) await sessions.insert(em, s);
    });
    const now = at('2023-07-03T03:00:00Z');
    await db.transaction(async (em) => {
      const unrevoked = await sessions.unrevokedOf(em, userId);
      expect(unrevoked.map((s) => s.id).sort()).toEqual([session(1, null).id, session(2, null).id]);
      await sessions.revokeMany(em, [session(1, null).id, session(3, null).id], now);
    });
    expect(await Promise.all([1, 2, 3].map((n) => sessions.find(session(n, null).id).then((s) => s?.revokedAt)))).toEqual([now, null, earlier]);
    const found = await sessions.byDigests([session(2, null).tokenDigest, 'f'.repeat(64)]);
    expect(found).toEqual([expect.objectContaining({ digest: session(2, null).tokenDigest, id: session(2, null).id, user_id: userId, role: 'taxpayer' })]);
  });
});
