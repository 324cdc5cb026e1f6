import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { PlatformSigningKeyEntity } from './signing.entities';
import { generateSm2KeyPair, sm2PublicKeyFromPrivate, sm2PublicKeyPem } from './xml-signature';

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

/** How long a process keeps using the current key it read before reading it again (rotation takes effect within it). */
const CURRENT_KEY_TTL_MS = 5000;

/** The keyId of a public key: "sm2-" and the first 16 hex digits of its SHA-256. */
export function keyIdOf(publicKeyHex: string): string {
  return `sm2-${createHash('sha256').update(publicKeyHex, 'hex').digest('hex').slice(0, 16)}`;
}

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

/**
 * The secret from the configuration, or from its file (created on first start with 32 random
 * bytes, mode 0600; `wx` makes two processes starting together agree on one file).
 */
export function loadSecret(config: Pick<AppConfig, 'signingKeySecret' | 'signingKeySecretFile'>): string {
  if (config.signingKeySecret) return config.signingKeySecret;
  const file = config.signingKeySecretFile;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Another process may have created it an instant ago and not written it yet.
  for (let i = 0; i < 50; i++) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} does not hold a signing key secret (32 characters at least)`);
}

/**
 * The platform's SM2 signing keys (SPEC section 8), in the database so that every process on
 * it signs with the same current key: the key with the highest seq. The private scalar is
 * sealed with a key derived from SIGNING_KEY_SECRET (or the secret file); it is never returned,
 * logged or exported. The first start creates the first key; `rotate()` adds a new current key
 * and closes the previous one (validTo), whose public half stays published.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger('SigningKeys');
  private kek: Buffer | null = null;
  private cached: { key: SigningKey; until: number } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly keyRows: SigningKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kek = kekOf(loadSecret(this.config));
    const existing = await this.keyRows.count();
    if (existing === 0) await this.add(1, null);
  }

  private get key(): Buffer {
    this.kek ??= kekOf(loadSecret(this.config));
    return this.kek;
  }

  /** Inserts key `seq`; false when another process inserted that seq first. */
  private async add(seq: number, previous: PlatformSigningKeyEntity | null): Promise<boolean> {
    const pair = generateSm2KeyPair();
    const keyId = keyIdOf(pair.publicKeyHex);
    const now = this.clock.now();
    const row: PlatformSigningKeyEntity = {
      keyId,
      seq,
      algorithm: 'SM2',
      publicKeyHex: pair.publicKeyHex,
      privateKeySealed: sealPrivateKey(this.key, keyId, pair.privateKeyHex),
      validFrom: now,
      validTo: null,
    };
    try {
      await this.db.transaction(async (em) => {
        await this.keyRows.insert(em, row);
        if (previous) await this.keyRows.close(em, previous.keyId, now);
      });
    } catch (e) {
      if (isDuplicate(e)) return false;
      throw e;
    }
    this.logger.log(`signing key ${keyId} (seq ${seq}) created`);
    return true;
  }

  private latest(): Promise<PlatformSigningKeyEntity | null> {
    return this.keyRows.latest();
  }

  /** The current key (read again at most every few seconds, so a rotation reaches every process). */
  async current(): Promise<SigningKey> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.key;
    let row = await this.latest();
    if (!row) {
      await this.add(1, null);
      row = await this.latest();
    }
    const privateKeyHex = this.open(row!);
    const key = { keyId: row!.keyId, privateKeyHex };
    this.cached = { key, until: now + CURRENT_KEY_TTL_MS };
    return key;
  }

  private open(row: PlatformSigningKeyEntity): string {
    let privateKeyHex: string;
    try {
      privateKeyHex = openPrivateKey(this.key, row.keyId, row.privateKeySealed);
    } catch {
      throw new Error(`the signing key secret does not open signing key ${row.keyId}: every process on one database needs the same SIGNING_KEY_SECRET`);
    }
    if (sm2PublicKeyFromPrivate(privateKeyHex) !== row.publicKeyHex) throw new Error(`signing key ${row.keyId}: the private key does not match its public key`);
    return privateKeyHex;
  }

  /** Every key that is or was current, oldest first: public halves only. */
  async published(): Promise<PublishedKey[]> {
    const rows = await this.keyRows.all();
    return rows.map((r) => ({
      keyId: r.keyId,
      algorithm: 'SM2' as const,
      publicKeyPem: sm2PublicKeyPem(r.publicKeyHex),
      validFrom: r.validFrom.toISOString(),
      validTo: r.validTo ? r.validTo.toISOString() : null,
    }));
  }

  /** The public key (hex) of a keyId, or null. */
  async publicKeyHex(keyId: string): Promise<string | null> {
    const row = await this.keyRows.find(keyId);
    return row ? row.publicKeyHex : null;
  }

  /**
   * Makes a new key current (the previous one gets its validTo). Two rotations at once make one
   * key: the second finds the seq taken and answers the winner's.
   */
  async rotate(): Promise<PublishedKey> {
    const previous = await this.latest();
    if (previous) this.open(previous); // refuse to rotate under a secret that cannot open the keys
    await this.add((previous?.seq ?? 0) + 1, previous);
    this.cached = null;
    const keys = await this.published();
    return keys[keys.length - 1];
  }
}
