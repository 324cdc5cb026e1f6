import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { AuditService } from '../audit/audit.service';
import { ProblemException, Problems } from '../common/problem';
import { RateLimiter } from '../common/rate-limit';
import { TtlCache } from '../common/ttl-cache';
import { formatCst } from '../common/time';
import { AppConfig } from '../config/config';
import { insertOrConflict, isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { ApiKeyEntity, Role, SessionEntity, UserEntity } from './auth.entities';
import { CreateApiKeyDto, CreateUserDto, LoginDto } from './auth.dto';
import { Principal } from './principal';
import { newToken, tokenDigest } from './tokens';

const BOOTSTRAP_ADMIN = 'admin';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the username is unknown, so both failures cost one bcrypt. */
  private dummyHash: Promise<string> | null = null;
  /** Resolved tokens, for CACHE_SECONDS: revocation in this process is immediate, in another within that time. */
  private readonly principals: TtlCache<string, Principal>;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly taxpayers: TaxpayersService,
    private readonly limiter: RateLimiter,
  ) {
    this.principals = new TtlCache(config.cacheSeconds * 1000);
  }

  /** BOOTSTRAP_ADMIN_TOKEN: with no admin yet, create one whose API key is that token. */
  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.bootstrapAdminToken;
    if (!token) return;
    await this.db.transaction(async (em) => {
      const admins = await em.count(UserEntity, { where: { role: 'admin' } });
      if (admins > 0) {
        this.logger.log('BOOTSTRAP_ADMIN_TOKEN is set, but an admin exists already: nothing created');
        return;
      }
      const now = new Date();
      const user: UserEntity = { id: randomUUID(), username: BOOTSTRAP_ADMIN, passwordHash: null, role: 'admin', taxpayerId: null, createdAt: now, failedLogins: 0, lockedUntil: null };
      await em.insert(UserEntity, user);
      const key: ApiKeyEntity = {
        id: randomUUID(), name: 'bootstrap admin', tokenDigest: tokenDigest(token), role: 'admin',
        taxpayerId: null, createdBy: user.id, createdAt: now, revokedAt: null,
      };
      await em.insert(ApiKeyEntity, key);
      await this.audit.record(em, 'system', { action: 'user.created', objectType: 'user', objectId: user.id, after: { username: user.username, role: 'admin', bootstrap: true } });
      this.logger.warn(`created admin user "${BOOTSTRAP_ADMIN}": its API key is the BOOTSTRAP_ADMIN_TOKEN you set (not logged); send it as Authorization: Bearer <token>`);
    }).catch((error) => {
      // Another process bootstrapping at the same moment wins the unique username; that is fine.
      if (!isDuplicate(error)) throw error;
    });
  }

  /** Resolves a bearer token to a principal, or null. */
  async authenticate(token: string): Promise<Principal | null> {
    const digest = tokenDigest(token);
    const cached = this.principals.get(digest);
    if (cached) return cached;
    const repo = this.db.dataSource.manager;
    if (token.startsWith('eis_')) {
      const session = await repo.findOne(SessionEntity, { where: { tokenDigest: digest } });
      if (!session || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
      const user = await repo.findOne(UserEntity, { where: { id: session.userId } });
      if (!user) return null;
      const principal: Principal = { kind: 'session', id: session.id, role: user.role, taxpayerId: user.taxpayerId, actorRef: `user:${user.id}` };
      this.principals.set(digest, principal, session.expiresAt.getTime());
      return principal;
    }
    const key = await repo.findOne(ApiKeyEntity, { where: { tokenDigest: digest } });
    if (!key || key.revokedAt) return null;
    const principal: Principal = { kind: 'api_key', id: key.id, role: key.role, taxpayerId: key.taxpayerId, actorRef: `api_key:${key.id}` };
    this.principals.set(digest, principal);
    return principal;
  }

  private async checkScope(role: Role, taxpayerId: string | undefined): Promise<string | null> {
    if (role === 'taxpayer' && !taxpayerId) throw Problems.field('taxpayerId', 'is required for role taxpayer');
    if ((role === 'admin' || role === 'tax_officer') && taxpayerId) throw Problems.field('taxpayerId', `must be absent for role ${role}`);
    if (taxpayerId && !(await this.taxpayers.exists(taxpayerId))) throw Problems.field('taxpayerId', 'no such registered taxpayer');
    return taxpayerId ?? null;
  }

  async createUser(actor: Principal, dto: CreateUserDto) {
    const taxpayerId = await this.checkScope(dto.role, dto.taxpayerId);
    if (Buffer.byteLength(dto.password, 'utf8') > 72) throw Problems.field('password', 'must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)');
    const username = dto.username.toLowerCase();
    const passwordHash = await bcrypt.hash(dto.password, this.config.bcryptCost);
    const user: UserEntity = { id: randomUUID(), username, passwordHash, role: dto.role, taxpayerId, createdAt: new Date(), failedLogins: 0, lockedUntil: null };
    await this.db.transaction(async (em) => {
      if (await em.exists(UserEntity, { where: { username } })) throw Problems.alreadyExists(`user ${username}`);
      await insertOrConflict(em, UserEntity, user, `user ${username}`);
      await this.audit.record(em, actor, { action: 'user.created', objectType: 'user', objectId: user.id, taxpayerId, after: { username, role: user.role, taxpayerId } });
    });
    return { id: user.id, username, role: user.role, taxpayerId, createdAt: formatCst(user.createdAt) };
  }

  async createApiKey(actor: Principal, dto: CreateApiKeyDto) {
    const taxpayerId = await this.checkScope(dto.role, dto.taxpayerId);
    const token = newToken('eik');
    const key: ApiKeyEntity = {
      id: randomUUID(), name: dto.name, tokenDigest: tokenDigest(token), role: dto.role, taxpayerId,
      createdBy: actor.actorRef, createdAt: new Date(), revokedAt: null,
    };
    await this.db.transaction(async (em) => {
      await em.insert(ApiKeyEntity, key);
      await this.audit.record(em, actor, { action: 'api_key.created', objectType: 'api_key', objectId: key.id, taxpayerId, after: { name: key.name, role: key.role, taxpayerId } });
    });
    return { id: key.id, name: key.name, role: key.role, taxpayerId, token, createdAt: formatCst(key.createdAt) };
  }

  async revokeApiKey(actor: Principal, id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const key = await em.findOne(ApiKeyEntity, { where: { id } });
      if (!key) throw Problems.notFound(`API key ${id}`);
      if (key.revokedAt) return; // revoking twice is a no-op: DELETE is idempotent
      const revokedAt = new Date();
      await em.update(ApiKeyEntity, { id }, { revokedAt });
      this.principals.delete(key.tokenDigest);
      await this.audit.record(em, actor, { action: 'api_key.revoked', objectType: 'api_key', objectId: id, taxpayerId: key.taxpayerId, before: { revokedAt: null }, after: { revokedAt: revokedAt.toISOString() } });
    });
  }

  /**
   * Signs in. Attempts are limited per client IP (LOGIN_RATE_LIMIT a minute); LOGIN_MAX_FAILURES
   * consecutive failures lock the account for LOGIN_LOCK_SECONDS (kept in the database, so every
   * process sees it). An unknown user costs one bcrypt comparison too (no timing oracle).
   */
  async login(dto: LoginDto, ip: string) {
    await this.limiter.hit(`login:${ip}`, this.config.loginRateLimit, 'sign-in attempts from this address');
    const username = dto.username.toLowerCase();
    const user = await this.db.dataSource.manager.findOne(UserEntity, { where: { username } });
    const now = new Date();
    if (user?.lockedUntil && user.lockedUntil > now) {
      const retryAfter = Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000);
      throw new ProblemException(429, 'RATE_LIMITED', `too many failed sign-ins: the account is locked for ${retryAfter} s`, { retryAfter });
    }
    const hash = user?.passwordHash ?? (await this.dummy());
    const ok = await bcrypt.compare(dto.password, hash);
    if (!user || !user.passwordHash || !ok) {
      if (user) await this.failedLogin(user);
      throw Problems.unauthenticated('invalid username or password');
    }
    if (user.failedLogins > 0 || user.lockedUntil) await this.db.transaction((em) => em.update(UserEntity, { id: user.id }, { failedLogins: 0, lockedUntil: null }));
    const token = newToken('eis');
    const session: SessionEntity = {
      id: randomUUID(), tokenDigest: tokenDigest(token), userId: user.id, createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlMinutes * 60_000), revokedAt: null,
    };
    await this.db.transaction(async (em) => {
      await em.insert(SessionEntity, session);
      await this.audit.record(em, { kind: 'session', id: session.id, role: user.role, taxpayerId: user.taxpayerId, actorRef: `user:${user.id}` }, {
        action: 'session.created', objectType: 'user', objectId: user.id, taxpayerId: user.taxpayerId,
      });
    });
    return { token, expiresAt: formatCst(session.expiresAt) };
  }

  private async failedLogin(user: UserEntity): Promise<void> {
    const lockUntil = new Date(Date.now() + this.config.loginLockSeconds * 1000);
    await this.db.transaction(async (em) => {
      // Counted in the database, one statement, so that concurrent attempts all count.
      await em.createQueryBuilder().update(UserEntity)
        .set({ failedLogins: () => 'failed_logins + 1' })
        .where('id = :id', { id: user.id })
        .execute();
      const { failedLogins } = await em.findOneByOrFail(UserEntity, { id: user.id });
      if (failedLogins >= this.config.loginMaxFailures) {
        await em.update(UserEntity, { id: user.id }, { failedLogins: 0, lockedUntil: lockUntil });
        await this.audit.record(em, 'system', { action: 'user.locked', objectType: 'user', objectId: user.id, taxpayerId: user.taxpayerId, after: { lockedUntil: lockUntil.toISOString() } });
      }
      await this.audit.record(em, 'system', { action: 'session.failed', objectType: 'user', objectId: user.id, taxpayerId: user.taxpayerId, after: { failedLogins } });
    });
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'session') throw Problems.invalidState('this token is an API key; revoke it with DELETE /v1/api-keys/{id}');
    this.principals.deleteWhere((p) => p.kind === 'session' && p.id === principal.id);
    await this.db.transaction(async (em) => {
      await em.update(SessionEntity, { id: principal.id }, { revokedAt: new Date() });
      await this.audit.record(em, principal, { action: 'session.revoked', objectType: 'session', objectId: principal.id, taxpayerId: principal.taxpayerId });
    });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash('not-a-password-of-anyone', this.config.bcryptCost);
    return this.dummyHash;
  }
}
