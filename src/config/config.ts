import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Typed, validated settings. This is the only file that reads the environment; everything
 * else receives an AppConfig (injected as AppConfig via ConfigModule).
 */
export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'mysql'; url: string; poolSize: number; flavor: 'mysql' | 'mariadb' };

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export class AppConfig {
  port!: number;
  database!: DatabaseConfig;
  bootstrapAdminToken!: string | null;
  clockMode!: 'system' | 'manual';
  logLevel!: LogLevel;
  bcryptCost!: number;
  sessionTtlMinutes!: number;
  /** Digit 5 of every invoice number: the issuing channel. */
  numberChannel!: string;
  /** How many numbers a process reserves from the database at a time. */
  numberBlockSize!: number;
  /**
   * Issuing transactions a process runs at once (lanes; a taxpayer always uses the same one).
   * Requests that arrive while their lane is busy are committed together in its next transaction.
   */
  issueLanes!: number;
  /** Single issues that may wait in a lane; beyond it they are refused with 503 and Retry-After. */
  issueQueueLimit!: number;
  /** Temporary adjustment: usage ratio that triggers it, and the raise, in percent of the total. */
  temporaryRatioPercent!: number;
  temporaryUpliftPercent!: number;
  /** Verifications (查验) allowed per client IP per minute. */
  verifyRateLimit!: number;
  /** How long a process may reuse a taxpayer row (0: never). Tokens are never cached (revocation is read every request). */
  cacheSeconds!: number;
  /** Requests per minute per authenticated principal; per client IP when unauthenticated. */
  rateLimitPerMinute!: number;
  anonymousRateLimitPerMinute!: number;
  /** Sign-in attempts per client IP per minute, and the per-account lockout. */
  loginRateLimit!: number;
  loginMaxFailures!: number;
  loginLockSeconds!: number;
  /** Worker threads that paint PDF and OFD faces; renders one principal may run at once and
   * have waiting; renders waiting for a thread in all (beyond: 503). */
  renderThreads!: number;
  renderPerPrincipal!: number;
  renderQueuePerPrincipal!: number;
  renderQueueLimit!: number;
  /** smtp:// or smtps:// URL of the mail relay; null: messages are written as .eml files to outboxDir. */
  smtpUrl!: string | null;
  mailFrom!: string;
  outboxDir!: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const DEFAULT_SQLITE_PATH = './data/einvoice.sqlite';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return Number(raw);
}

export function parseDatabaseUrl(raw: string | undefined, problems: string[]): DatabaseConfig {
  if (raw === undefined || raw.trim() === '') return { kind: 'sqlite', path: path.resolve(DEFAULT_SQLITE_PATH) };
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') problems.push('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/einvoice.sqlite');
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
    try {
      const url = new URL(raw.replace(/^mariadb:/, 'mysql:'));
      if (!url.hostname) throw new Error('no host');
      if (url.pathname.length <= 1) problems.push('DATABASE_URL must name a database: mysql://user:pass@host:3306/db');
      const flavor = raw.startsWith('mariadb://') ? 'mariadb' : 'mysql';
      return { kind: 'mysql', url: url.toString(), poolSize: 0, flavor };
    } catch {
      problems.push('DATABASE_URL is not a valid URL: expected mysql://user:pass@host:3306/db');
      return { kind: 'mysql', url: raw, poolSize: 0, flavor: 'mysql' };
    }
  }
  problems.push('DATABASE_URL must be empty (embedded SQLite), sqlite:/path/file.sqlite or mysql://user:pass@host:3306/db');
  return { kind: 'sqlite', path: path.resolve(DEFAULT_SQLITE_PATH) };
}

/** Reads and validates the settings; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const config = new AppConfig();
  config.port = integer(env, 'PORT', 3000, 0, 65535, problems);
  config.database = parseDatabaseUrl(env.DATABASE_URL, problems);
  if (config.database.kind === 'mysql') {
    config.database.poolSize = integer(env, 'DB_POOL_SIZE', 20, 1, 500, problems);
  }
  // SQLite runs one transaction at a time anyway. On MySQL, 2: with group commit one lane already
  // carries a hot taxpayer's whole load, and more lanes measured no faster (test/bench/README.md).
  config.issueLanes = integer(env, 'ISSUE_LANES', config.database.kind === 'mysql' ? 2 : 1, 1, 64, problems);
  config.issueQueueLimit = integer(env, 'ISSUE_QUEUE_LIMIT', 2000, 1, 1_000_000, problems);

  const token = env.BOOTSTRAP_ADMIN_TOKEN;
  if (token !== undefined && token !== '' && (token.length < 16 || token.length > 200 || /\s/.test(token))) {
    problems.push('BOOTSTRAP_ADMIN_TOKEN must be 16 to 200 characters without spaces');
  }
  config.bootstrapAdminToken = token ? token : null;

  const clock = env.EINVOICE_CLOCK ?? 'system';
  if (clock !== 'system' && clock !== 'manual') problems.push(`EINVOICE_CLOCK must be system or manual (got ${JSON.stringify(clock)})`);
  config.clockMode = clock === 'manual' ? 'manual' : 'system';

  const level = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!['error', 'warn', 'info', 'debug'].includes(level)) problems.push(`LOG_LEVEL must be error, warn, info or debug (got ${JSON.stringify(env.LOG_LEVEL)})`);
  config.logLevel = (['error', 'warn', 'info', 'debug'].includes(level) ? level : 'info') as LogLevel;

  config.bcryptCost = integer(env, 'BCRYPT_COST', 12, 4, 15, problems);
  config.sessionTtlMinutes = integer(env, 'SESSION_TTL_MINUTES', 480, 1, 43200, problems);

  const channel = env.NUMBER_CHANNEL ?? '2';
  if (!/^\d$/.test(channel)) problems.push(`NUMBER_CHANNEL must be one digit (got ${JSON.stringify(channel)})`);
  config.numberChannel = channel;
  config.numberBlockSize = integer(env, 'NUMBER_BLOCK_SIZE', 200, 1, 1_000_000, problems);
  config.temporaryRatioPercent = integer(env, 'TEMP_ADJUST_RATIO_PERCENT', 80, 1, 100, problems);
  config.temporaryUpliftPercent = integer(env, 'TEMP_ADJUST_UPLIFT_PERCENT', 20, 0, 1000, problems);

  config.verifyRateLimit = integer(env, 'VERIFY_RATE_LIMIT', 60, 1, 1_000_000, problems);

  config.cacheSeconds = integer(env, 'CACHE_SECONDS', 5, 0, 300, problems);
  config.rateLimitPerMinute = integer(env, 'RATE_LIMIT_PER_MINUTE', 60000, 1, 10_000_000, problems);
  config.anonymousRateLimitPerMinute = integer(env, 'ANON_RATE_LIMIT_PER_MINUTE', 300, 1, 10_000_000, problems);
  config.loginRateLimit = integer(env, 'LOGIN_RATE_LIMIT', 20, 1, 100_000, problems);
  config.loginMaxFailures = integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000, problems);
  config.loginLockSeconds = integer(env, 'LOGIN_LOCK_SECONDS', 900, 1, 86_400, problems);

  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  config.renderThreads = integer(env, 'RENDER_THREADS', Math.max(1, Math.min(4, cpus - 1)), 1, 64, problems);
  config.renderPerPrincipal = integer(env, 'RENDER_PER_PRINCIPAL', 2, 1, 64, problems);
  config.renderQueuePerPrincipal = integer(env, 'RENDER_QUEUE_PER_PRINCIPAL', 8, 0, 10_000, problems);
  config.renderQueueLimit = integer(env, 'RENDER_QUEUE_LIMIT', 256, 1, 100_000, problems);

  const smtp = env.SMTP_URL ?? '';
  if (smtp && !/^smtps?:\/\/[^/]+/.test(smtp)) problems.push('SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://...');
  config.smtpUrl = smtp || null;
  config.mailFrom = env.MAIL_FROM || 'einvoice@localhost';
  config.outboxDir = path.resolve(env.OUTBOX_DIR || './data/outbox');

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
