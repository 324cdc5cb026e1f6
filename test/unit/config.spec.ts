import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('configuration', () => {
  it('defaults to the embedded SQLite file, port 3000, the system clock', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'sqlite', path: path.resolve('./data/einvoice.sqlite') });
    expect(config.port).toBe(3000);
    expect(config.clockMode).toBe('system');
    expect(config.logLevel).toBe('info');
    expect(config.bootstrapAdminToken).toBeNull();
    // The platform's signing keys are sealed with a secret from this file unless SIGNING_KEY_SECRET is set.
    expect(config.signingKeySecret).toBeNull();
    expect(config.signingKeySecretFile).toBe(path.resolve('./data/signing-key.secret'));
    expect(config.signingKeySecretFileCreate).toBe(true);
    expect(config.signingKeyReplaceLost).toBeNull();
    expect(loadConfig({ SIGNING_KEY_SECRET: 's'.repeat(32) }).signingKeySecret).toBe('s'.repeat(32));
  });

  it.each([
    // The embedded default: the file beside the database, created on first start.
    [{ DATABASE_URL: 'sqlite:/srv/e/einvoice.sqlite' }, '/srv/e/signing-key.secret', true],
    [{ DATABASE_URL: 'sqlite:/srv/e/einvoice.sqlite', SIGNING_KEY_SECRET_FILE: '/etc/einvoice/secret' }, '/etc/einvoice/secret', true],
    // An in-memory database: a secret of the process's own (its keys die with it).
    [{ DATABASE_URL: 'sqlite::memory:' }, null, true],
    // MySQL: nothing generated; without SIGNING_KEY_SECRET the file must be named (and exist) or the start fails.
    [{ DATABASE_URL: 'mysql://root:@127.0.0.1:3306/test' }, null, false],
    [{ DATABASE_URL: 'mysql://root:@127.0.0.1:3306/test', SIGNING_KEY_SECRET_FILE: '/etc/einvoice/secret' }, '/etc/einvoice/secret', false],
  ])('the signing key secret file for %j: %j, created when missing: %j', (env, file, create) => {
    const config = loadConfig(env);
    expect(config.signingKeySecretFile).toBe(file);
    expect(config.signingKeySecretFileCreate).toBe(create);
  });

  it('SIGNING_KEY_REPLACE_LOST takes a keyId', () => {
    expect(loadConfig({ SIGNING_KEY_REPLACE_LOST: 'sm2-0123456789abcdef' }).signingKeyReplaceLost).toBe('sm2-0123456789abcdef');
  });

  it.each([
    ['', { kind: 'sqlite' }],
    ['sqlite:/tmp/x.sqlite', { kind: 'sqlite', path: '/tmp/x.sqlite' }],
    ['sqlite:./data/y.sqlite', { kind: 'sqlite', path: path.resolve('./data/y.sqlite') }],
    ['mysql://root:@127.0.0.1:3306/test', { kind: 'mysql', poolSize: 20 }],
    ['mariadb://u:p@db:3306/einvoice', { kind: 'mysql', url: 'mysql://u:p@db:3306/einvoice' }],
  ])('DATABASE_URL=%j selects %j', (url, expected) => {
    expect(loadConfig({ DATABASE_URL: url }).database).toMatchObject(expected);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ DATABASE_URL: 'postgres://x/y' }, /DATABASE_URL must be empty/],
    [{ DATABASE_URL: 'mysql://127.0.0.1:3306' }, /must name a database/],
    [{ DATABASE_URL: 'sqlite:' }, /needs a file path/],
    [{ EINVOICE_CLOCK: 'fake' }, /EINVOICE_CLOCK must be system or manual/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be/],
    [{ BOOTSTRAP_ADMIN_TOKEN: 'short' }, /BOOTSTRAP_ADMIN_TOKEN must be 16 to 200/],
    [{ BCRYPT_COST: '3' }, /BCRYPT_COST/],
    [{ ISSUE_LANES: '0' }, /ISSUE_LANES must be a whole number from 1 to 64/],
    [{ ISSUE_QUEUE_LIMIT: 'many' }, /ISSUE_QUEUE_LIMIT must be a whole number/],
    [{ SIGNING_KEY_SECRET: 'too-short' }, /SIGNING_KEY_SECRET must be 32 to 512 characters/],
    [{ SIGNING_KEY_REPLACE_LOST: 'yes' }, /SIGNING_KEY_REPLACE_LOST must be a keyId such as sm2-/],
  ])('rejects %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    [{}, 1, 2000], // SQLite runs one transaction at a time
    [{ DATABASE_URL: 'mysql://root:@127.0.0.1:3306/test' }, 2, 2000],
    [{ DATABASE_URL: 'mysql://root:@127.0.0.1:3306/test', ISSUE_LANES: '4', ISSUE_QUEUE_LIMIT: '50' }, 4, 50],
  ])('group commit settings for %j: %d lanes, %d waiting at most', (env, lanes, limit) => {
    const config = loadConfig(env);
    expect(config.issueLanes).toBe(lanes);
    expect(config.issueQueueLimit).toBe(limit);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', EINVOICE_CLOCK: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
