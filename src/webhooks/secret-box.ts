import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/config';

/** Seals a secret with AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>` (base64url). */
export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function unseal(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed webhook secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/** Reads the key file, or creates it (exclusively, mode 0600) with 32 random bytes as hex. */
export function loadOrCreateKeyFile(file: string): Buffer {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${file} must hold 64 hex digits (a 32-byte key)`);
  return Buffer.from(hex, 'hex');
}

/**
 * The key that encrypts webhook secrets at rest, so that someone who can read the database
 * cannot sign: WEBHOOK_SECRET_KEY, or on the embedded SQLite default a key file generated on
 * first start beside the database (`webhook-secret.key`). On MySQL without WEBHOOK_SECRET_KEY
 * (processes on several hosts must share one key) webhooks are unavailable (503).
 */
@Injectable()
export class SecretBox {
  private readonly logger = new Logger('Webhooks');
  readonly key: Buffer | null;

  constructor(config: AppConfig) {
    this.key = config.webhookSecretKey ?? (config.webhookKeyFile ? loadOrCreateKeyFile(config.webhookKeyFile) : null);
    if (!this.key) this.logger.warn('WEBHOOK_SECRET_KEY is not set: webhooks are unavailable on MySQL until it is (openssl rand -hex 32)');
  }

  private required(): Buffer {
    if (!this.key)
      throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'webhooks need WEBHOOK_SECRET_KEY to be configured (32 bytes, e.g. openssl rand -hex 32)');
    return this.key;
  }

  seal(plain: string): string {
    return seal(this.required(), plain);
  }

  open(sealed: string): string {
    return unseal(this.required(), sealed);
  }
}
