import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { Principal } from '../common/principal';
import { Problems } from '../common/problem';
import { AppConfig, ConfigError } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { PlatformSigningKeyEntity } from './signing.entities';
import { generateSm2KeyPair, keyIdOf, sm2PublicKeyFromPrivate, sm2PublicKeyPem } from './xml-signature';

export interface PublishedKey {
  keyId: string;
  algorithm: 'SM2';
  publicKeyPem: string;
  validFrom: string;
  validTo: string | null;
}

export interface SigningKey {
  keyId: string;
  privateKeyHex: string;
}

/** The keyId of a public key (xml-signature.ts: verify-xml derives it too). */
export { keyIdOf };

/** AES-256-GCM under `kek`, bound to the keyId: base64(iv | tag | ciphertext). */
export function sealPrivateKey(kek: Buffer, keyId: string, privateKeyHex: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const ct = Buffer.concat([cipher.update(Buffer.from(privateKeyHex, 'hex')), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

export function openPrivateKey(kek: Buffer, keyId: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(keyId, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('hex');
}

/** The key-encryption key derived from the configured secret. */
export function kekOf(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from('einvoice platform signing key v1'), 32));
}

/** Where the secret came from, for messages (never the secret itself). */
export interface SigningSecret {
  secret: string;
  source: string;
}

type SecretConfig = Pick<AppConfig, 'signingKeySecret' | 'signingKeySecretFile' | 'signingKeySecretFileCreate' | 'database'>;

/** The start-up error on MySQL without SIGNING_KEY_SECRET (or SIGNING_KEY_SECRET_FILE). */
export function secretRequiredMessage(legacyFile: string | null): string {
  return (
    "SIGNING_KEY_SECRET is required on MySQL: it seals the platform's SM2 signing keys in the database, and every service process on " +
    'one database needs the same one. Create it once with `openssl rand -hex 32`, keep it safe (the keys it sealed cannot sign without ' +
    'it), and set SIGNING_KEY_SECRET to it for every process (or SIGNING_KEY_SECRET_FILE to a file that holds it).' +
    (legacyFile ? ` An earlier version created ${legacyFile}: if this database's keys were sealed with it, set SIGNING_KEY_SECRET_FILE=${legacyFile}.` : '')
  );
}

/**
 * The secret: SIGNING_KEY_SECRET, else the secret file. On the embedded SQLite database the file
 * is created on first start (32 random bytes, mode 0600; `wx` makes two processes starting
 * together agree on one file). On MySQL nothing is generated: without SIGNING_KEY_SECRET (or an
 * existing SIGNING_KEY_SECRET_FILE) the start fails, naming the variable. An in-memory SQLite
 * database gets a secret of the process's own (its keys end with it).
 */
export function loadSecret(config: SecretConfig): SigningSecret {
  if (config.signingKeySecret) return { secret: config.signingKeySecret, source: 'SIGNING_KEY_SECRET' };
  const file = config.signingKeySecretFile;
  if (!file) {
    if (config.database.kind === 'mysql') {
      const legacy = path.resolve('./data/signing-key.secret');
      throw new ConfigError([secretRequiredMessage(fs.existsSync(legacy) ? legacy : null)]);
    }
    return { secret: randomBytes(32).toString('hex'), source: 'a secret of this process (in-memory database)' };
  }
  const source = `the secret file ${file} (SIGNING_KEY_SECRET_FILE)`;
  if (config.signingKeySecretFileCreate) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } else if (!fs.existsSync(file)) {
    throw new ConfigError([`SIGNING_KEY_SECRET_FILE names ${file}, which does not exist (on MySQL the file is never created). ${secretRequiredMessage(null)}`]);
  }
  // Another process may have created it an instant ago and not written it yet.
  for (let i = 0; i < 50; i++) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, source };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new ConfigError([`${file} does not hold a signing key secret (32 characters at least; e.g. \`openssl rand -hex 32 > ${file}\`)`]);
}

/** Why a process cannot start: its secret does not open the current key. Names the variable, the key and the ways out. */
export function unopenableMessage(keyId: string, source: string): string {
  return (
    `SIGNING_KEY_SECRET does not open the current signing key ${keyId} (the secret came from ${source}): the key was sealed with another secret, ` +
    'so this process could not sign a single XML file. Every process on one database needs the same SIGNING_KEY_SECRET: set the one the ' +
    `other processes use (or restore the secret file). If that secret is lost for good, start once with SIGNING_KEY_REPLACE_LOST=${keyId}: ` +
    'the key is retired and a new one, sealed with this secret, becomes current; its public half stays published, so the files it signed still verify.'
  );
}

/** The key a signer used was retired (rotated) before its file was stored: sign again with the current key. */
export class RetiredKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`signing key ${keyId} was retired while a file was being signed with it; sign again with the current key`);
  }
}

/**
 * The platform's SM2 signing keys (SPEC section 8), in the database so that every process on
 * it signs with the same current key: the key with the highest seq. The private scalar is
 * sealed with a key derived from SIGNING_KEY_SECRET (or the secret file); it is never returned,
 * logged or exported. The first start creates the first key; `rotate()` adds a new current key
 * and retires the previous one (validTo), whose public half stays published.
 *
 * A process starts only if its secret opens the current key (else it fails, naming
 * SIGNING_KEY_SECRET, the key and the recovery, SIGNING_KEY_REPLACE_LOST). Rotation and
 * replacement lock the current key's row first and take the instant after it: a file signed with
 * a key and stored under `confirmCurrent` carries a SignatureTime inside the key's window.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger('SigningKeys');
  private secret: SigningSecret | null = null;
  private kekValue: Buffer | null = null;
  /** Private keys this process has opened, by keyId and sealed form (opening costs a point multiplication). */
  private readonly opened = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly keyRows: SigningKeysRepository,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    const { source } = this.loaded();
    if ((await this.keyRows.count()) === 0) await this.advance('created', 'system', null);
    let current = await this.keyRows.latest();
    if (!current) throw new Error('no signing key after creating the first one');
    const lost = this.config.signingKeyReplaceLost;
    if (this.opens(current)) {
      if (lost === current.keyId) {
        this.logger.warn(`SIGNING_KEY_REPLACE_LOST names ${lost}, which this secret opens: nothing was replaced; remove the setting`);
      } else if (lost) {
        this.logger.warn(`SIGNING_KEY_REPLACE_LOST names ${lost}, which is not the current key (${current.keyId}): nothing was replaced; remove the setting`);
      }
      return;
    }
    if (lost !== current.keyId) throw new ConfigError([unopenableMessage(current.keyId, source)]);
    await this.advance('replaced', 'system', null, lost);
    current = await this.keyRows.latest();
    if (!current || !this.opens(current)) throw new ConfigError([unopenableMessage(current?.keyId ?? lost, source)]);
  }

  private loaded(): SigningSecret {
    this.secret ??= loadSecret(this.config);
    return this.secret;
  }

  private get kek(): Buffer {
    this.kekValue ??= kekOf(this.loaded().secret);
    return this.kekValue;
  }

  private opens(row: PlatformSigningKeyEntity): boolean {
    try {
      this.open(row);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One step of the key sequence, in one transaction: the current key's row is locked (FOR UPDATE
   * on MySQL; SQLite runs one transaction at a time) and still current, the instant is taken after
   * the lock, a new key (seq + 1) sealed with this process's secret is inserted, the previous one
   * retired at that instant, the audit event and the Idempotency-Key's answer recorded with it.
   * `expected`: the keyId that must be current (replacing a lost key); when another process moved
   * the sequence first (or inserted the same seq), nothing is made and `made` is false.
   */
  private async advance(
    kind: 'created' | 'rotated' | 'replaced',
    actor: Principal | 'system',
    record: RecordResponse | null,
    expected: string | null = null,
  ): Promise<{ key: PublishedKey | null; made: boolean }> {
    const pair = generateSm2KeyPair();
    const keyId = keyIdOf(pair.publicKeyHex);
    const sealed = sealPrivateKey(this.kek, keyId, pair.privateKeyHex);
    let outcome: { key: PublishedKey | null; made: boolean };
    try {
      outcome = await this.db.transaction(async (em) => {
        const seen = await this.keyRows.latestIn(em);
        const previous = seen ? await this.keyRows.lockForUpdate(em, seen.keyId) : null;
        if (kind === 'created' ? seen !== null : !previous || previous.validTo !== null || (expected !== null && previous.keyId !== expected)) {
          return { key: null, made: false };
        }
        if (kind === 'rotated' && previous && !this.opens(previous)) {
          throw Problems.invalidState(
            `this process's SIGNING_KEY_SECRET does not open the current signing key ${previous.keyId}: a key it sealed could not be opened by the ` +
              'other processes; restart it with their secret',
          );
        }
        const now = this.clock.now();
        const row: PlatformSigningKeyEntity = {
          keyId,
          seq: (previous?.seq ?? 0) + 1,
          algorithm: 'SM2',
          publicKeyHex: pair.publicKeyHex,
          privateKeySealed: sealed,
          validFrom: now,
          validTo: null,
        };
        await this.keyRows.insert(em, row);
        if (previous) await this.keyRows.close(em, previous.keyId, now);
        // The first key of an empty database is no one's act (its validFrom says when it appeared); a rotation and a replacement are.
        if (kind !== 'created') {
          await this.audit.record(em, actor, {
            action: `platform.signing_key_${kind}`,
            objectType: 'signing_key',
            objectId: keyId,
            before: previous ? { keyId: previous.keyId, validTo: null } : undefined,
            after: { keyId, seq: row.seq, validFrom: now.toISOString(), ...(previous ? { retired: previous.keyId } : {}) },
          });
        }
        const key = published(row);
        if (record) await record(em, key);
        return { key, made: true };
      });
    } catch (e) {
      if (isDuplicate(e)) return { key: null, made: false };
      throw e;
    }
    if (outcome.made) {
      const what = kind === 'created' ? 'created' : kind === 'rotated' ? 'created by a rotation' : `created in place of ${expected}, whose secret was lost`;
      this.logger.log(`signing key ${keyId} ${what}`);
    }
    return outcome;
  }

  /** The current key (read from the database on every call, so that no process signs with a key a rotation retired). */
  async current(): Promise<SigningKey> {
    let row = await this.keyRows.latest();
    if (!row) {
      await this.advance('created', 'system', null);
      row = await this.keyRows.latest();
    }
    return { keyId: row!.keyId, privateKeyHex: this.open(row!) };
  }

  /**
   * Inside the transaction that stores a file signed with `keyId`: the key's row is read under a
   * shared lock (MySQL; SQLite runs one transaction at a time) and must still be current, else
   * RetiredKeyError (sign again). A rotation waits for this transaction, and retires the key at an
   * instant after it: the file's SignatureTime is inside its key's window.
   */
  async confirmCurrent(em: EntityManager, keyId: string): Promise<void> {
    const row = await this.keyRows.lockShared(em, keyId);
    if (!row || row.validTo !== null) throw new RetiredKeyError(keyId);
  }

  private open(row: PlatformSigningKeyEntity): string {
    const cacheKey = `${row.keyId}:${row.privateKeySealed}`;
    const known = this.opened.get(cacheKey);
    if (known) return known;
    let privateKeyHex: string;
    try {
      privateKeyHex = openPrivateKey(this.kek, row.keyId, row.privateKeySealed);
    } catch {
      throw new Error(unopenableMessage(row.keyId, this.loaded().source));
    }
    if (sm2PublicKeyFromPrivate(privateKeyHex) !== row.publicKeyHex) throw new Error(`signing key ${row.keyId}: the private key does not match its public key`);
    this.opened.set(cacheKey, privateKeyHex);
    return privateKeyHex;
  }

  /** Every key that is or was current, oldest first: public halves only. */
  async published(): Promise<PublishedKey[]> {
    return (await this.keyRows.all()).map(published);
  }

  /** The public key (hex) of a keyId, or null. */
  async publicKeyHex(keyId: string): Promise<string | null> {
    const row = await this.keyRows.find(keyId);
    return row ? row.publicKeyHex : null;
  }

  /**
   * Makes a new key current (the previous one gets its validTo), audited as
   * platform.signing_key_rotated, answering under the request's Idempotency-Key. Two rotations at
   * once make one key: the second finds the current key retired meanwhile and answers the winner's.
   */
  async rotate(actor: Principal, record: RecordResponse | null = null): Promise<PublishedKey> {
    const { key } = await this.advance('rotated', actor, record);
    if (key) return key;
    const keys = await this.published();
    const winner = keys[keys.length - 1];
    if (record) await this.db.transaction((em) => record(em, winner));
    return winner;
  }
}

function published(r: PlatformSigningKeyEntity): PublishedKey {
  return {
    keyId: r.keyId,
    algorithm: 'SM2' as const,
    publicKeyPem: sm2PublicKeyPem(r.publicKeyHex),
    validFrom: r.validFrom.toISOString(),
    validTo: r.validTo ? r.validTo.toISOString() : null,
  };
}
