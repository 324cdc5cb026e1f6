import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Typed, validated settings. This is the only file that reads the environment; everything
 * else receives an AppConfig (injected as AppConfig via ConfigModule).
 */
export type DatabaseConfig =
  { kind: 'sqlite'; path: string } | { kind: 'mysql'; url: string; poolSize: number; flavor: 'mysql' | 'mariadb'; startupWaitSeconds: number };

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
  /**
   * The secret that seals the platform's SM2 private keys in the database (SPEC section 8): every
   * process on one database must have the same. Null: read from signingKeySecretFile.
   */
  signingKeySecret!: string | null;
  /**
   * Where the secret is read from without SIGNING_KEY_SECRET: SIGNING_KEY_SECRET_FILE, else (on the
   * embedded SQLite database) `signing-key.secret` beside the database file. Null on MySQL without
   * SIGNING_KEY_SECRET_FILE (the service then refuses to start: SIGNING_KEY_SECRET is required) and
   * on an in-memory SQLite database (a secret of the process's own, as its keys die with it).
   */
  signingKeySecretFile!: string | null;
  /** Whether a missing secret file is created (32 random bytes): on the embedded SQLite database only. */
  signingKeySecretFileCreate!: boolean;
  /**
   * SIGNING_KEY_REPLACE_LOST: the keyId of a current signing key whose secret is lost for good.
   * At start, if that key is still current and the secret does not open it, it is retired and a
   * new key sealed with the configured secret takes its place (its public half stays published).
   */
  signingKeyReplaceLost!: string | null;
  /** Webhooks: the AES-256-GCM key for secrets at rest (32 bytes), or null: the key file. */
  webhookSecretKey!: Buffer | null;
  /** Where the generated key lives when no key is configured (embedded SQLite only; null on MySQL). */
  webhookKeyFile!: string | null;
  /** Loopback, private and link-local targets allowed (on-premises ERPs, tests). */
  webhookAllowPrivateTargets!: boolean;
  /** Delay before the first retry; it doubles for each further one, for up to three days. */
  webhookRetryBaseSeconds!: number;
  /** How long the secret before a rotation keeps being signed with. */
  webhookRotationOverlapHours!: number;
  /** Deliveries a process makes at once (one at a time per endpoint). */
  webhookConcurrency!: number;
  /** Of those, the most one taxpayer's endpoints hold at once (its share), so a few dead endpoints cannot take every slot. */
  webhookTaxpayerConcurrency!: number;
  /** Live webhooks a taxpayer may have (registering one more is a 409). */
  webhookMaxPerTaxpayer!: number;
  /** How long one delivery attempt may take, counted from its own connection (10 s). */
  webhookTimeoutSeconds!: number;
  /**
   * While the process is busy serving requests (event loop over 60 % busy), webhook fan-out steps
   * and delivery attempts go at most this many a second, so deliveries never slow issuing; they
   * catch up when the load falls.
   */
  webhookBusyFloorPerSecond!: number;
  /** Days a finished delivery (and its event and attempts) is kept after it finished, by the clock. */
  webhookRetentionDays!: number;
  /**
   * The HMAC key that signs audit verification checkpoints (AUDIT_CHECKPOINT_KEY, at least 32
   * characters); when unset, the key in auditCheckpointKeyFile, generated there on first start.
   */
  auditCheckpointKey!: string | null;
  auditCheckpointKeyFile!: string;
  /**
   * Links one GET /v1/audit-events/verify verifies at most (read a page of at most 1,000 at a
   * time); the next call continues from the checkpoint it recorded.
   */
  auditVerifyLinksPerRequest!: number;
  /** Express's `trust proxy`: whom to believe for X-Forwarded-For / -Proto (client IP, Secure cookies). */
  trustProxy!: boolean | number | string;
  /** The built console (web/dist) served at `/`. */
  consoleDir!: string;
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
      return { kind: 'mysql', url: url.toString(), poolSize: 0, flavor, startupWaitSeconds: 0 };
    } catch {
      problems.push('DATABASE_URL is not a valid URL: expected mysql://user:pass@host:3306/db');
      return { kind: 'mysql', url: raw, poolSize: 0, flavor: 'mysql', startupWaitSeconds: 0 };
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
    // A server that cannot be reached at start (restarting, or compose still starting it) is
    // waited for this long before the process gives up (src/startup.ts).
    config.database.startupWaitSeconds = integer(env, 'DB_STARTUP_WAIT_SECONDS', 60, 0, 3600, problems);
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
  const auditKey = env.AUDIT_CHECKPOINT_KEY;
  if (auditKey !== undefined && auditKey !== '' && (auditKey.length < 32 || auditKey.length > 512 || /\s/.test(auditKey))) {
    problems.push('AUDIT_CHECKPOINT_KEY must be 32 to 512 characters without spaces (e.g. `openssl rand -hex 32`)');
  }
  config.auditCheckpointKey = auditKey ? auditKey : null;
  config.auditCheckpointKeyFile = path.resolve(env.AUDIT_CHECKPOINT_KEY_FILE || './data/audit-checkpoint.key');
  config.auditVerifyLinksPerRequest = integer(env, 'AUDIT_VERIFY_LINKS_PER_REQUEST', 50_000, 1, 10_000_000, problems);

  const secret = env.SIGNING_KEY_SECRET ?? '';
  if (secret && (secret.length < 32 || secret.length > 512)) problems.push('SIGNING_KEY_SECRET must be 32 to 512 characters (e.g. `openssl rand -hex 32`)');
  config.signingKeySecret = secret || null;
  const embedded = config.database.kind === 'sqlite' && config.database.path !== ':memory:';
  config.signingKeySecretFile = env.SIGNING_KEY_SECRET_FILE
    ? path.resolve(env.SIGNING_KEY_SECRET_FILE)
    : embedded
      ? path.join(path.dirname((config.database as { path: string }).path), 'signing-key.secret')
      : null;
  config.signingKeySecretFileCreate = config.database.kind === 'sqlite';
  const lost = env.SIGNING_KEY_REPLACE_LOST ?? '';
  if (lost && !/^sm2-[0-9a-f]{16}$/.test(lost))
    problems.push(`SIGNING_KEY_REPLACE_LOST must be a keyId such as sm2-3f9a0c5e1b2d4a67 (got ${JSON.stringify(lost)})`);
  config.signingKeyReplaceLost = lost || null;
  const webhookKey = env.WEBHOOK_SECRET_KEY ?? '';
  config.webhookSecretKey = null;
  if (webhookKey) {
    const key = /^[0-9a-fA-F]{64}$/.test(webhookKey) ? Buffer.from(webhookKey, 'hex') : Buffer.from(webhookKey, 'base64');
    if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(webhookKey) && key.toString('base64') !== webhookKey)) {
      problems.push('WEBHOOK_SECRET_KEY must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -hex 32)');
    } else config.webhookSecretKey = key;
  }
  config.webhookKeyFile =
    config.database.kind === 'sqlite' && config.database.path !== ':memory:' ? path.join(path.dirname(config.database.path), 'webhook-secret.key') : null;
  const allowPrivate = (env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(allowPrivate))
    problems.push(`WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false (got ${JSON.stringify(env.WEBHOOK_ALLOW_PRIVATE_TARGETS)})`);
  config.webhookAllowPrivateTargets = allowPrivate === 'true';
  config.webhookRetryBaseSeconds = integer(env, 'WEBHOOK_RETRY_BASE_SECONDS', 30, 1, 86_400, problems);
  config.webhookRotationOverlapHours = integer(env, 'WEBHOOK_ROTATION_OVERLAP_HOURS', 24, 0, 720, problems);
  config.webhookConcurrency = integer(env, 'WEBHOOK_CONCURRENCY', 16, 1, 1000, problems);
  config.webhookTaxpayerConcurrency = Math.min(
    config.webhookConcurrency,
    integer(env, 'WEBHOOK_TAXPAYER_CONCURRENCY', Math.max(1, Math.floor(config.webhookConcurrency / 4)), 1, 1000, problems),
  );
  config.webhookMaxPerTaxpayer = integer(env, 'WEBHOOK_MAX_PER_TAXPAYER', 16, 1, 1000, problems);
  config.webhookTimeoutSeconds = integer(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 1, 30, problems);
  config.webhookBusyFloorPerSecond = integer(env, 'WEBHOOK_BUSY_FLOOR_PER_SECOND', 20, 1, 100_000, problems);
  config.webhookRetentionDays = integer(env, 'WEBHOOK_RETENTION_DAYS', 30, 1, 3650, problems);

  const trust = (env.TRUST_PROXY ?? '').trim();
  if (trust === '' || trust === 'false') config.trustProxy = false;
  else if (trust === 'true') config.trustProxy = true;
  else if (/^\d{1,2}$/.test(trust)) config.trustProxy = Number(trust);
  else if (/^[\w.:/, -]+$/.test(trust)) config.trustProxy = trust;
  else problems.push('TRUST_PROXY must be true, false, a number of proxy hops, or addresses/subnets (loopback, 10.0.0.0/8, ...)');
  config.consoleDir = path.resolve(env.CONSOLE_DIR || path.join(__dirname, '..', '..', 'web', 'dist'));

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
