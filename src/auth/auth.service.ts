import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import DataLoader from 'dataloader';
import { AuditService } from '../audit/audit.service';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { RateLimiter } from '../common/rate-limit';
import { formatCst } from '../common/time';
import { AppConfig } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { ApiKeyEntity, SessionEntity, UserEntity } from './auth.entities';
import { ApiKeysRepository } from './api-keys.repository';
import { SessionsRepository } from './sessions.repository';
import { SignInThrottlesRepository } from './sign-in-throttles.repository';
import { UsersRepository } from './users.repository';
import { CreateApiKeyDto, CreateUserDto, LoginDto } from './auth.dto';
import { Principal, Role } from '../common/principal';
import { newToken, tokenDigest } from './tokens';

const BOOTSTRAP_ADMIN = 'admin';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the username is unknown, so both failures cost one bcrypt. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly taxpayers: TaxpayersService,
    private readonly limiter: RateLimiter,
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttles: SignInThrottlesRepository,
  ) {}

  /** BOOTSTRAP_ADMIN_TOKEN: with no admin yet, create one whose API key is that token. */
  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.bootstrapAdminToken;
    if (!token) return;
    await this.db
      .transaction(async (em) => {
        const admins = await this.users.countAdmins(em);
        if (admins > 0) {
          this.logger.log('BOOTSTRAP_ADMIN_TOKEN is set, but an admin exists already: nothing created');
          return;
        }
        const now = new Date();
        const user: UserEntity = {
          id: randomUUID(),
          username: BOOTSTRAP_ADMIN,
          passwordHash: null,
          role: 'admin',
          taxpayerId: null,
          createdAt: now,
          failedLogins: 0,
          lockedUntil: null,
        };
        await this.users.insert(em, user);
        const key: ApiKeyEntity = {
          id: randomUUID(),
          name: 'bootstrap admin',
          tokenDigest: tokenDigest(token),
          role: 'admin',
          taxpayerId: null,
          createdBy: user.id,
          createdAt: now,
          revokedAt: null,
        };
        await this.apiKeys.insert(em, key);
        await this.audit.record(em, 'system', {
          action: 'user.created',
          objectType: 'user',
          objectId: user.id,
          after: { username: user.username, role: 'admin', bootstrap: true },
        });
        this.logger.warn(
          `created admin user "${BOOTSTRAP_ADMIN}": its API key is the BOOTSTRAP_ADMIN_TOKEN you set (not logged); send it as Authorization: Bearer <token>`,
        );
      })
      .catch((error) => {
        // Another process bootstrapping at the same moment wins the unique username; that is fine.
        if (!isDuplicate(error)) throw error;
      });
  }

  /**
   * Resolves a bearer token to a principal, or null. Read from the database on every call (one
   * indexed lookup by the token's digest; a session joins its user): a key revoked or a session
   * signed out by any process stops working everywhere at once (issue 11 item 12). Nothing about
   * a token is cached, since whether it still holds is exactly what may change; but the lookups
   * of requests that arrive together share one query (`WHERE token_digest IN (...)`, batched by
   * DataLoader per turn of the event loop, with its cache off), which always starts after every
   * request it answers.
   */
  async authenticate(token: string): Promise<Principal | null> {
    const digest = tokenDigest(token);
    if (token.startsWith('eis_')) {
      const row = await this.sessionLookups.load(digest);
      if (!row || row.revoked_at !== null || instantOf(row.expires_at) <= Date.now()) return null;
      return { kind: 'session', id: row.id, role: row.role, taxpayerId: row.taxpayer_id, actorRef: `user:${row.user_id}` };
    }
    const key = await this.keyLookups.load(digest);
    if (!key || key.revoked_at !== null) return null;
    return { kind: 'api_key', id: key.id, role: key.role, taxpayerId: key.taxpayer_id, actorRef: `api_key:${key.id}` };
  }

  private readonly sessionLookups = batchedByDigest((digests) => this.sessions.byDigests(digests));

  private readonly keyLookups = batchedByDigest((digests) => this.apiKeys.byDigests(digests));

  private async checkScope(role: Role, taxpayerId: string | undefined): Promise<string | null> {
    if (role === 'taxpayer' && !taxpayerId) throw Problems.field('taxpayerId', 'is required for role taxpayer');
    if ((role === 'admin' || role === 'tax_officer') && taxpayerId) throw Problems.field('taxpayerId', `must be absent for role ${role}`);
    if (taxpayerId && !(await this.taxpayers.exists(taxpayerId))) throw Problems.field('taxpayerId', 'no such registered taxpayer');
    return taxpayerId ?? null;
  }

  async createUser(actor: Principal, dto: CreateUserDto, record: RecordResponse = async () => undefined) {
    const taxpayerId = await this.checkScope(dto.role, dto.taxpayerId);
    if (Buffer.byteLength(dto.password, 'utf8') > 72) throw Problems.field('password', 'must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)');
    const username = dto.username.toLowerCase();
    const passwordHash = await bcrypt.hash(dto.password, this.config.bcryptCost);
    const user: UserEntity = {
      id: randomUUID(),
      username,
      passwordHash,
      role: dto.role,
      taxpayerId,
      createdAt: new Date(),
      failedLogins: 0,
      lockedUntil: null,
    };
    const view = { id: user.id, username, role: user.role, taxpayerId, createdAt: formatCst(user.createdAt) };
    await this.db.transaction(async (em) => {
      if (await this.users.usernameTaken(em, username)) throw Problems.alreadyExists(`user ${username}`);
      await this.users.insertOrConflict(em, user); // a concurrent twin: 409 too
      await this.audit.record(em, actor, {
        action: 'user.created',
        objectType: 'user',
        objectId: user.id,
        taxpayerId,
        after: { username, role: user.role, taxpayerId },
      });
      await record(em, view);
    });
    return view;
  }

  async createApiKey(actor: Principal, dto: CreateApiKeyDto, record: RecordResponse = async () => undefined) {
    const taxpayerId = await this.checkScope(dto.role, dto.taxpayerId);
    const token = newToken('eik');
    const key: ApiKeyEntity = {
      id: randomUUID(),
      name: dto.name,
      tokenDigest: tokenDigest(token),
      role: dto.role,
      taxpayerId,
      createdBy: actor.actorRef,
      createdAt: new Date(),
      revokedAt: null,
    };
    const view = { id: key.id, name: key.name, role: key.role, taxpayerId, createdAt: formatCst(key.createdAt) };
    await this.db.transaction(async (em) => {
      await this.apiKeys.insert(em, key);
      await this.audit.record(em, actor, {
        action: 'api_key.created',
        objectType: 'api_key',
        objectId: key.id,
        taxpayerId,
        after: { name: key.name, role: key.role, taxpayerId },
      });
      // The replay of an Idempotency-Key is the same key without its token: a bearer token is
      // never stored in the clear (only its digest), so it is shown once, in the first answer.
      await record(em, { ...view, token: null });
    });
    return { ...view, token };
  }

  async revokeApiKey(actor: Principal, id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const key = await this.apiKeys.find(em, id);
      if (!key) throw Problems.notFound(`API key ${id}`);
      if (key.revokedAt) return; // revoking twice is a no-op: DELETE is idempotent
      const revokedAt = new Date();
      await this.apiKeys.revoke(em, id, revokedAt);
      await this.audit.record(em, actor, {
        action: 'api_key.revoked',
        objectType: 'api_key',
        objectId: id,
        taxpayerId: key.taxpayerId,
        before: { revokedAt: null },
        after: { revokedAt: revokedAt.toISOString() },
      });
    });
  }

  /** Signs a user out everywhere (admin): every live session of theirs is revoked, so the next
   * request with any of them is 401 and they must sign in again. Their API keys are not touched. */
  async revokeUserSessions(actor: Principal, userId: string): Promise<{ revoked: number }> {
    return this.db.transaction(async (em) => {
      const user = await this.users.find(userId, em);
      if (!user) throw Problems.notFound(`user ${userId}`);
      const now = new Date();
      const live = (await this.sessions.unrevokedOf(em, userId)).filter((s) => s.expiresAt > now);
      if (live.length === 0) return { revoked: 0 };
      await this.sessions.revokeMany(
        em,
        live.map((s) => s.id),
        now,
      );
      await this.audit.record(em, actor, {
        action: 'user.sessions_revoked',
        objectType: 'user',
        objectId: userId,
        taxpayerId: user.taxpayerId,
        after: { sessions: live.map((s) => s.id) },
      });
      return { revoked: live.length };
    });
  }

  /**
   * Signs in (README "Sign-in"). Attempts are limited per client IP (LOGIN_RATE_LIMIT a minute,
   * in this process) and, in the database, per account and client IP: each attempt takes one of
   * LOGIN_MAX_FAILURES slots by a conditional UPDATE BEFORE the password is evaluated, so however
   * many requests race, across processes, no more guesses than that are ever compared; a success
   * frees the slots, a failure keeps its slot, and the last slot locks the pair for
   * LOGIN_LOCK_SECONDS. A refused attempt (locked), an unknown user and a wrong password answer
   * alike, 401 with one detail, each after one bcrypt comparison: nothing tells which usernames
   * exist or which are locked. A stranger locks only his own address out of the account.
   */
  async login(dto: LoginDto, ip: string) {
    await this.limiter.hit(`login:${ip}`, this.config.loginRateLimit, 'sign-in attempts from this address');
    const username = dto.username.toLowerCase();
    const user = await this.users.findByUsername(username);
    const client = ip.slice(0, 64);
    const admitted = user?.passwordHash ? await this.admitAttempt(user.id, client) : false;
    // Always one comparison, so that time tells nothing either (refused, unknown, no password).
    const hash = admitted ? user!.passwordHash! : await this.dummy();
    const ok = (await bcrypt.compare(dto.password, hash)) && admitted;
    if (!user || !ok) {
      if (user && admitted) await this.failedLogin(user, client);
      throw Problems.unauthenticated('invalid username or password');
    }
    await this.throttles.reset(user.id, client, new Date());
    const now = new Date();
    const token = newToken('eis');
    const session: SessionEntity = {
      id: randomUUID(),
      tokenDigest: tokenDigest(token),
      userId: user.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlMinutes * 60_000),
      revokedAt: null,
    };
    await this.db.transaction(async (em) => {
      await this.sessions.insert(em, session);
      await this.audit.record(
        em,
        { kind: 'session', id: session.id, role: user.role, taxpayerId: user.taxpayerId, actorRef: `user:${user.id}` },
        {
          action: 'session.created',
          objectType: 'user',
          objectId: user.id,
          taxpayerId: user.taxpayerId,
        },
      );
    });
    return { token, expiresAt: formatCst(session.expiresAt) };
  }

  /**
   * Takes one attempt slot of (user, client), atomically in the database: true if the password may
   * be evaluated. One conditional UPDATE counts the attempt unless the pair already has
   * LOGIN_MAX_FAILURES attempts counted or is locked; the attempt that takes the last slot sets the
   * lock. A missing row is inserted first; an expired lock is cleared first.
   */
  private async admitAttempt(userId: string, client: string): Promise<boolean> {
    const max = this.config.loginMaxFailures;
    for (let round = 0; round < 3; round++) {
      const now = new Date();
      const lockUntil = new Date(now.getTime() + this.config.loginLockSeconds * 1000);
      if (await this.throttles.takeSlot(userId, client, max, lockUntil, now)) return true;
      const row = await this.throttles.find(userId, client);
      if (!row) {
        await this.throttles.insertIfMissing(userId, client, now);
        continue;
      }
      if (row.lockedUntil && row.lockedUntil.getTime() <= now.getTime()) {
        // The lock has run out: start counting again (conditional, so a newer lock survives).
        await this.throttles.restartIfExpired(userId, client, now);
        continue;
      }
      return false;
    }
    return false;
  }

  /** A failed attempt keeps its slot; the first failure that finds the pair locked records the lock. */
  private async failedLogin(user: UserEntity, client: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const noted = await this.throttles.noteLock(em, user.id, client);
      const row = await this.throttles.find(user.id, client, em);
      if (noted && row?.lockedUntil) {
        await this.audit.record(em, 'system', {
          action: 'user.locked',
          objectType: 'user',
          objectId: user.id,
          taxpayerId: user.taxpayerId,
          after: { lockedUntil: row.lockedUntil.toISOString(), client },
        });
      }
      await this.audit.record(em, 'system', {
        action: 'session.failed',
        objectType: 'user',
        objectId: user.id,
        taxpayerId: user.taxpayerId,
        after: { failedLogins: row?.attempts ?? 0, client },
      });
    });
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'session') throw Problems.invalidState('this token is an API key; revoke it with DELETE /v1/api-keys/{id}');
    await this.db.transaction(async (em) => {
      await this.sessions.revoke(em, principal.id, new Date());
      await this.audit.record(em, principal, { action: 'session.revoked', objectType: 'session', objectId: principal.id, taxpayerId: principal.taxpayerId });
    });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash('not-a-password-of-anyone', this.config.bcryptCost);
    return this.dummyHash;
  }
}

/**
 * Token lookups batched per turn of the event loop: the digests asked for in one turn are read by
 * one query, and each caller gets its own row (or undefined). Nothing is cached between batches.
 */
export function batchedByDigest<Row extends { digest: string }>(read: (digests: readonly string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | undefined>(
    async (digests) => {
      const rows = await read([...new Set(digests)]);
      const byDigest = new Map(rows.map((row) => [row.digest, row]));
      return digests.map((digest) => byDigest.get(digest));
    },
    // setImmediate: the batch goes out after the poll phase, so the lookups of every request read
    // off the sockets in one turn of the event loop share it (per-tick batching only joins
    // lookups made from one I/O callback, which in practice is one request).
    { cache: false, maxBatchSize: 500, batchScheduleFn: (send) => setImmediate(send) },
  );
}

/** A raw DATETIME(3) column: mysql2 gives a Date; better-sqlite3 a UTC text 'YYYY-MM-DD HH:MM:SS.mmm'. */
function instantOf(value: Date | string): number {
  if (value instanceof Date) return value.getTime();
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
