import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { AuditService } from '../audit/audit.service';
import { ProblemException, Problems } from '../common/problem';
import { RateLimiter } from '../common/rate-limit';
import { formatCst } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { UserEntity } from './auth.entities';
import { SetupCodesRepository } from './setup-codes.repository';
import { UsersRepository } from './users.repository';

/** Letters and digits that cannot be mistaken for one another (no I, O, 0, 1). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** A printed code stays valid this long (a restart prints a fresh one). */
export const SETUP_CODE_TTL_MS = 24 * 3600_000;

export function newSetupCode(): string {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${pick()}-${pick()}`;
}

/** Case, spaces and the dash do not matter when the code is typed in. */
export function setupCodeDigest(code: string): string {
  const normalized = code.toUpperCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(`einvoice setup ${normalized}`, 'utf8').digest('hex');
}

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * First start (issue 12): with no admin and no BOOTSTRAP_ADMIN_TOKEN, each start prints a one-time
 * setup code (kept only as a digest in the database, so any process accepts it); POST /v1/setup
 * with it creates the first admin and spends every code at once, in the transaction that creates
 * the admin, so two concurrent attempts cannot both succeed, on any number of processes.
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');
  /** The code this process printed (tests read it here instead of from the log). */
  printedCode: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly users: UsersRepository,
    private readonly setupCodes: SetupCodesRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // With BOOTSTRAP_ADMIN_TOKEN, AuthService creates the admin (and says so); no code is needed.
    if (this.config.bootstrapAdminToken) return;
    if (!(await this.needed())) return;
    const code = newSetupCode();
    await this.db.transaction((em) =>
      this.setupCodes.insert(em, { id: randomUUID(), codeDigest: setupCodeDigest(code), createdAt: new Date(), spentAt: null }),
    );
    this.printedCode = code;
    this.logger.warn(`No admin yet. Open http://localhost:${this.config.port}/setup and enter setup code ${code} (valid 24 hours, once)`);
  }

  /** Setup is needed while no admin exists. */
  async needed(): Promise<boolean> {
    return (await this.users.countAdmins()) === 0;
  }

  async createFirstAdmin(input: { setupCode: string; username: string; password: string }, ip: string) {
    await this.limiter.hit(`setup:${ip}`, this.config.loginRateLimit, 'setup attempts from this address');
    if (Buffer.byteLength(input.password, 'utf8') > 72) throw Problems.field('password', 'must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)');
    if (!(await this.needed())) throw Problems.invalidState('the first admin exists already: sign in instead');
    const digest = setupCodeDigest(input.setupCode);
    const username = input.username.toLowerCase();
    const passwordHash = await bcrypt.hash(input.password, this.config.bcryptCost);
    const wrong = () =>
      new ProblemException(403, 'FORBIDDEN', 'wrong, expired or already used setup code: use the one the service printed in its log at its last start');
    const user: UserEntity = {
      id: randomUUID(),
      username,
      passwordHash,
      role: 'admin',
      taxpayerId: null,
      createdAt: new Date(),
      failedLogins: 0,
      lockedUntil: null,
    };
    await this.db.transaction(async (em) => {
      const codes = await this.setupCodes.unspent(em);
      const fresh = codes.filter((c) => Date.now() - c.createdAt.getTime() < SETUP_CODE_TTL_MS);
      // Compare with every live code, without stopping at the first match.
      const matches = fresh.map((c) => sameDigest(c.codeDigest, digest));
      if (!matches.includes(true)) throw wrong();
      // Spend every code at once: the first transaction here wins; a concurrent one (waiting on
      // these rows under MySQL, queued on SQLite) then updates nothing and is refused.
      if ((await this.setupCodes.spendAll(em, new Date())) === 0) throw wrong();
      if ((await this.users.countAdmins(em)) > 0) throw Problems.invalidState('the first admin exists already: sign in instead');
      await this.users.insertOrConflict(em, user);
      await this.audit.record(em, 'system', { action: 'user.created', objectType: 'user', objectId: user.id, after: { username, role: 'admin', setup: true } });
    });
    this.logger.log(`first admin "${username}" created with the setup code; the code is spent`);
    return { id: user.id, username, role: user.role, taxpayerId: null, createdAt: formatCst(user.createdAt) };
  }
}
