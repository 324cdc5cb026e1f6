/**
 * The platform's signature of an XML data file (SPEC section 8): SM2 (GM/T 0003) over SM3 with the
 * user ID 1234567812345678, computed by sm-crypto-v2. Pure functions: keys come in as hex.
 *
 * The signed bytes are the file's own UTF-8 bytes with the text inside
 * `<SignatureValue></SignatureValue>` removed; SignatureValue is the base64 of the DER-encoded
 * signature (SEQUENCE of r and s). So a file verifies offline with OpenSSL alone:
 *
 *   sed 's#<SignatureValue>[^<]*</SignatureValue>#<SignatureValue></SignatureValue>#' f.xml > signed-bytes
 *   (the file has no line breaks, so sed leaves the rest byte for byte)
 *   openssl pkeyutl -verify -pubin -inkey key.pem -rawin -digest sm3 \
 *     -pkeyopt distid:1234567812345678 -in signed-bytes -sigfile sig.der
 *
 * Keys: the private key is the 32-byte scalar (64 hex digits), the public key the uncompressed
 * point `04 || x || y` (130 hex digits); `sm2PublicKeyPem` wraps it as the SubjectPublicKeyInfo
 * OpenSSL reads (id-ecPublicKey with the SM2 curve, 1.2.156.10197.1.301).
 */
import { createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';

export const SM2_USER_ID = '1234567812345678';
const OPTIONS = { hash: true, der: true, userId: SM2_USER_ID } as const;
/** Verification takes r || s (64 hex digits each), parsed here strictly from the DER (parseSm2Signature). */
const RAW_OPTIONS = { hash: true, der: false, userId: SM2_USER_ID } as const;

/** The order n of the SM2 curve's base point (GM/T 0003.5): r and s of a signature lie in [1, n-1]. */
export const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

const VALUE = /<SignatureValue>([^<]*)<\/SignatureValue>/;
const VALUES = /<SignatureValue>/g;
const KEY_INFO = /<TaxBureauSignature>[\s\S]*<KeyInfo>([^<]*)<\/KeyInfo>/;

/** SubjectPublicKeyInfo header for an SM2 public key: SEQUENCE { SEQUENCE { ecPublicKey, sm2 }, BIT STRING (0 unused bits) }. */
const SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');

export interface Sm2KeyPair {
  privateKeyHex: string;
  publicKeyHex: string;
}

export function generateSm2KeyPair(): Sm2KeyPair {
  const kp = sm2.generateKeyPairHex();
  return { privateKeyHex: kp.privateKey, publicKeyHex: kp.publicKey };
}

/** The keyId of a public key: "sm2-" and the first 16 hex digits of the SHA-256 of its point (04 || x || y). */
export function keyIdOf(publicKeyHex: string): string {
  return `sm2-${createHash('sha256').update(publicKeyHex, 'hex').digest('hex').slice(0, 16)}`;
}

export function sm2PublicKeyFromPrivate(privateKeyHex: string): string {
  return sm2.getPublicKeyFromPrivateKey(privateKeyHex);
}

/** The public key as a PEM SubjectPublicKeyInfo (what `openssl pkeyutl -pubin -inkey` reads). */
export function sm2PublicKeyPem(publicKeyHex: string): string {
  if (!/^04[0-9a-f]{128}$/i.test(publicKeyHex)) throw new Error('an SM2 public key is 04 || x || y, 130 hex digits');
  const der = Buffer.concat([SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]);
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN PUBLIC KEY-----\n${lines}\n-----END PUBLIC KEY-----\n`;
}

/** The uncompressed point of a PEM SM2 public key written by sm2PublicKeyPem (or OpenSSL); null if it is not one. */
export function sm2PublicKeyHexFromPem(pem: string): string | null {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  if (der.length !== SPKI_PREFIX.length + 65 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) return null;
  return der.subarray(SPKI_PREFIX.length).toString('hex');
}

/** The bytes the signature covers: the file with the text inside <SignatureValue></SignatureValue> removed. */
export function signedBytes(xml: string | Buffer): Buffer {
  const text = typeof xml === 'string' ? xml : xml.toString('utf8');
  if ((text.match(VALUES) ?? []).length !== 1) throw new Error('the file must hold exactly one <SignatureValue>');
  return Buffer.from(text.replace(VALUE, '<SignatureValue></SignatureValue>'), 'utf8');
}

/** Signs a document whose SignatureValue is empty; returns it with the base64 DER signature filled in. */
export function signXml(unsigned: string, privateKeyHex: string): string {
  const match = VALUE.exec(unsigned);
  if (!match || match[1] !== '') throw new Error('signXml: the document needs an empty <SignatureValue></SignatureValue>');
  const bytes = signedBytes(unsigned);
  const der = Buffer.from(sm2.doSignature(new Uint8Array(bytes), privateKeyHex, OPTIONS), 'hex');
  return unsigned.replace(VALUE, `<SignatureValue>${der.toString('base64')}</SignatureValue>`);
}

/** The base64 SignatureValue of a file, or null when it has none. */
export function signatureValue(xml: string | Buffer): string | null {
  const m = VALUE.exec(typeof xml === 'string' ? xml : xml.toString('utf8'));
  return m && m[1] !== '' ? m[1] : null;
}

/** The keyId a file's TaxBureauSignature/KeyInfo names, or null. */
export function signatureKeyId(xml: string | Buffer): string | null {
  const m = KEY_INFO.exec(typeof xml === 'string' ? xml : xml.toString('utf8'));
  return m ? m[1] : null;
}

/** A DER length at `at` (definite form, minimally encoded): the length and where the contents start; null otherwise. */
function derLength(der: Buffer, at: number): { length: number; start: number } | null {
  if (at >= der.length) return null;
  const first = der[at];
  if (first < 0x80) return { length: first, start: at + 1 };
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 2 || at + bytes >= der.length) return null; // indefinite, or longer than any signature
  let length = 0;
  for (let i = 1; i <= bytes; i++) length = length * 256 + der[at + i];
  if (length < 0x80 || (bytes === 2 && length < 0x100)) return null; // the long form where the short (or shorter) one fits
  return { length, start: at + 1 + bytes };
}

/** DER INTEGER contents of a non-negative number: minimal, with a leading 00 when the top bit is set. */
function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

/** The DER of an SM2 signature: SEQUENCE { INTEGER r, INTEGER s }. */
export function encodeSm2Signature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), length, body]);
}

/**
 * (r, s) of a DER SM2 signature, read strictly: a SEQUENCE of exactly two INTEGERs, each minimally
 * encoded and positive, every length right, nothing after the SEQUENCE, r and s in [1, n-1], and
 * the bytes exactly what encodeSm2Signature writes for them. Anything else is null: a signature
 * that OpenSSL would refuse is refused here too (sm-crypto-v2's own decoder ignores trailing bytes).
 */
export function parseSm2Signature(der: Buffer): { r: bigint; s: bigint } | null {
  if (der.length < 8 || der[0] !== 0x30) return null;
  const seq = derLength(der, 1);
  if (!seq || seq.start + seq.length !== der.length) return null;
  const values: bigint[] = [];
  let at = seq.start;
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) return null;
    const int = derLength(der, at + 1);
    if (!int || int.length === 0 || int.start + int.length > der.length) return null;
    const body = der.subarray(int.start, int.start + int.length);
    if (body[0] & 0x80) return null; // negative
    if (body.length > 1 && body[0] === 0 && !(body[1] & 0x80)) return null; // a leading zero it does not need
    values.push(BigInt(`0x${body.toString('hex')}`));
    at = int.start + int.length;
  }
  if (at !== der.length) return null;
  const [r, s] = values;
  if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return null;
  if (!encodeSm2Signature(r, s).equals(der)) return null;
  return { r, s };
}

/** Whether the file's SignatureValue is a valid SM2 signature of its signed bytes under the key (strict DER, see parseSm2Signature). */
export function verifyXml(xml: string | Buffer, publicKeyHex: string): boolean {
  const value = signatureValue(xml);
  if (!value || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const rs = parseSm2Signature(Buffer.from(value, 'base64'));
  if (!rs) return false;
  let bytes: Buffer;
  try {
    bytes = signedBytes(xml);
  } catch {
    return false;
  }
  const raw = rs.r.toString(16).padStart(64, '0') + rs.s.toString(16).padStart(64, '0');
  try {
    return sm2.doVerifySignature(new Uint8Array(bytes), raw, publicKeyHex, RAW_OPTIONS);
  } catch {
    return false;
  }
}

/** The SignatureTime of a file as an instant (it is written yyyy-MM-dd HH:mm:ss, Beijing time), or null. */
export function signatureTime(xml: string | Buffer): Date | null {
  const m = /<TaxBureauSignature>[\s\S]*<SignatureTime>(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})<\/SignatureTime>/.exec(
    typeof xml === 'string' ? xml : xml.toString('utf8'),
  );
  if (!m) return null;
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * Whether a signature dated `signedAt` (whole seconds, as the file writes it) lies in its key's
 * validity window [validFrom, validTo]: null when it does, else why not. The file's time is the
 * signing instant cut to the second, so validFrom is compared cut to the second too.
 */
export function outsideValidity(signedAt: Date, key: { validFrom: string | Date; validTo: string | Date | null }): string | null {
  const from = new Date(key.validFrom).getTime();
  if (signedAt.getTime() < Math.floor(from / 1000) * 1000)
    return `dated ${signedAt.toISOString()}, before the key became valid (${new Date(from).toISOString()})`;
  if (key.validTo !== null && signedAt.getTime() > new Date(key.validTo).getTime()) {
    return `dated ${signedAt.toISOString()}, after the key was retired (${new Date(key.validTo).toISOString()})`;
  }
  return null;
}
