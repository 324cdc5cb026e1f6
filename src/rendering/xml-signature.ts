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
import { sm2 } from 'sm-crypto-v2';

export const SM2_USER_ID = '1234567812345678';
const OPTIONS = { hash: true, der: true, userId: SM2_USER_ID } as const;

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

/** Whether the file's SignatureValue is a valid SM2 signature of its signed bytes under the key. */
export function verifyXml(xml: string | Buffer, publicKeyHex: string): boolean {
  const value = signatureValue(xml);
  if (!value || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  let bytes: Buffer;
  try {
    bytes = signedBytes(xml);
  } catch {
    return false;
  }
  try {
    return sm2.doVerifySignature(new Uint8Array(bytes), Buffer.from(value, 'base64').toString('hex'), publicKeyHex, OPTIONS);
  } catch {
    return false;
  }
}
