import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A secret's public name: `key_` + the first 8 hex digits of its SHA-256. Shown with the webhook
 * and in each attempt's history (which secrets signed it); it does not help anyone sign.
 */
export function keyId(secret: string): string {
  return `key_${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8)}`;
}

/** `Einvoice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, one v1 per valid secret. */
export function signatureHeader(secrets: string[], unixSeconds: number, body: string): string {
  return [`t=${unixSeconds}`, ...secrets.map((secret) => `v1=${hmac(secret, unixSeconds, body)}`)].join(',');
}

function hmac(secret: string, t: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

/** A receiver's check (used by the tests and shown in the README): some v1 matches and t is recent. */
export function verifySignature(header: string, body: string, secret: string, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
