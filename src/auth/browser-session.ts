import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request } from 'express';
import { ProblemException } from '../common/problem';

/**
 * Browser sessions (the console): the session token travels in an httpOnly cookie instead of an
 * Authorization header, and every unsafe request it authenticates must also carry the CSRF token
 * in a header. The CSRF token is an HMAC of the session token, keyed by the token itself: only
 * someone who knows the token (which the page never sees) or was told the CSRF token by the
 * service (at sign-in, or by GET /v1/auth/me over the cookie) has it, and every process derives
 * the same value without a shared secret.
 */
export const SESSION_COOKIE = 'einvoice_session';
export const CSRF_HEADER = 'x-csrf-token';
export const CLIENT_HEADER = 'x-einvoice-client';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session token in the request's cookie header, or null (only session tokens count). */
export function sessionCookie(request: Pick<Request, 'headers'>): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^eis_[A-Za-z0-9_-]{1,200}$/.test(value) ? value : null;
  }
  return null;
}

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('einvoice csrf v1').digest('base64url');
}

/** Whether a cookie-authenticated request may go on: safe methods always, others with the CSRF header. */
export function csrfAllows(method: string, sessionToken: string, header: unknown): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return true;
  if (typeof header !== 'string' || header.length > 200) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const csrfFailed = () =>
  new ProblemException(
    403,
    'CSRF_FAILED',
    `a request authenticated by the session cookie must send the header X-CSRF-Token with the csrfToken from sign-in or GET /v1/auth/me`,
  );

/** httpOnly, SameSite=Strict, Path=/; Secure when the request came over TLS (req.secure honours TRUST_PROXY). */
export function sessionCookieOptions(request: Pick<Request, 'secure'>, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure: request.secure, ...(expires ? { expires } : {}) };
}
