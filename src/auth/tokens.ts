import { createHash, randomBytes } from 'node:crypto';

/** A new random token: a readable prefix and 256 bits of entropy. */
export function newToken(prefix: 'eik' | 'eis'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are stored only as their SHA-256 digest: unguessable tokens need no slow hash. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
