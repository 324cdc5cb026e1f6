import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kekOf, keyIdOf, loadSecret, openPrivateKey, sealPrivateKey } from '../../src/rendering/signing-keys.service';
import {
  generateSm2KeyPair,
  signatureKeyId,
  signedBytes,
  signXml,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyHexFromPem,
  sm2PublicKeyPem,
  verifyXml,
} from '../../src/rendering/xml-signature';

// SPEC section 8 "The platform's signature": SM2 (GM/T 0003), user ID 1234567812345678, SM3; the
// signed bytes are the file's UTF-8 bytes with the text inside <SignatureValue></SignatureValue>
// removed; SignatureValue is the base64 of the DER signature.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-sm2-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const DOC =
  '<?xml version="1.0" encoding="UTF-8"?><EInvoice><Amount>¥10000.00 中文</Amount>' +
  '<TaxBureauSignature><SignatureTime>2024-03-01 00:30:05</SignatureTime><SignatureValue></SignatureValue><KeyInfo>sm2-0011223344556677</KeyInfo></TaxBureauSignature></EInvoice>';

function openssl(xml: string, publicKeyHex: string): number | null {
  const key = path.join(tmp, 'key.pem');
  const bytes = path.join(tmp, 'bytes');
  const sig = path.join(tmp, 'sig.der');
  fs.writeFileSync(key, sm2PublicKeyPem(publicKeyHex));
  fs.writeFileSync(bytes, signedBytes(xml));
  fs.writeFileSync(sig, Buffer.from(/<SignatureValue>([^<]*)</.exec(xml)![1], 'base64'));
  return spawnSync('openssl', [
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    key,
    '-rawin',
    '-digest',
    'sm3',
    '-pkeyopt',
    'distid:1234567812345678',
    '-in',
    bytes,
    '-sigfile',
    sig,
  ]).status;
}

describe('SM2 signature of an XML file (SPEC 8)', () => {
  const pair = generateSm2KeyPair();

  it('signs exactly the file with SignatureValue emptied: OpenSSL and the library verify; a changed byte does not', () => {
    const signed = signXml(DOC, pair.privateKeyHex);
    expect(signed.length).toBeGreaterThan(DOC.length);
    expect(signedBytes(signed).equals(Buffer.from(DOC, 'utf8'))).toBe(true);
    expect(/<SignatureValue>([A-Za-z0-9+/=]+)<\/SignatureValue>/.test(signed)).toBe(true);
    expect(verifyXml(signed, pair.publicKeyHex)).toBe(true);
    expect(openssl(signed, pair.publicKeyHex)).toBe(0);
    const tampered = signed.replace('¥10000.00', '¥10001.00');
    expect(verifyXml(tampered, pair.publicKeyHex)).toBe(false);
    expect(openssl(tampered, pair.publicKeyHex)).toBe(1);
    // Another key does not verify it.
    expect(verifyXml(signed, generateSm2KeyPair().publicKeyHex)).toBe(false);
  });

  it('refuses to sign a document without an empty SignatureValue, and a file without one does not verify', () => {
    expect(() => signXml(DOC.replace('<SignatureValue></SignatureValue>', ''), pair.privateKeyHex)).toThrow(/SignatureValue/);
    expect(() => signXml(DOC.replace('<SignatureValue></SignatureValue>', '<SignatureValue>x</SignatureValue>'), pair.privateKeyHex)).toThrow(/SignatureValue/);
    expect(verifyXml(DOC, pair.publicKeyHex)).toBe(false);
    expect(verifyXml(DOC.replace('<SignatureValue></SignatureValue>', '<SignatureValue>!!</SignatureValue>'), pair.publicKeyHex)).toBe(false);
    const twice = signXml(DOC, pair.privateKeyHex).replace('</EInvoice>', '<SignatureValue></SignatureValue></EInvoice>');
    expect(verifyXml(twice, pair.publicKeyHex)).toBe(false);
  });

  it('names the key from KeyInfo; the PEM round-trips and OpenSSL reads it as an SM2 key', () => {
    expect(signatureKeyId(DOC)).toBe('sm2-0011223344556677');
    expect(signatureKeyId('<EInvoice></EInvoice>')).toBeNull();
    const pem = sm2PublicKeyPem(pair.publicKeyHex);
    expect(sm2PublicKeyHexFromPem(pem)).toBe(pair.publicKeyHex);
    expect(sm2PublicKeyHexFromPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toBeNull();
    fs.writeFileSync(path.join(tmp, 'p.pem'), pem);
    const r = spawnSync('openssl', ['pkey', '-pubin', '-in', path.join(tmp, 'p.pem'), '-text', '-noout'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SM2');
    expect(sm2PublicKeyFromPrivate(pair.privateKeyHex)).toBe(pair.publicKeyHex);
    expect(keyIdOf(pair.publicKeyHex)).toMatch(/^sm2-[0-9a-f]{16}$/);
  });
});

describe('sealing the private key (SIGNING_KEY_SECRET)', () => {
  const pair = generateSm2KeyPair();

  it('seals with AES-256-GCM bound to the keyId: the right secret opens it, another secret or keyId does not', () => {
    const kek = kekOf('a'.repeat(32));
    const sealed = sealPrivateKey(kek, 'sm2-1', pair.privateKeyHex);
    expect(sealed).not.toContain(pair.privateKeyHex);
    expect(Buffer.from(sealed, 'base64').toString('hex')).not.toContain(pair.privateKeyHex);
    expect(openPrivateKey(kek, 'sm2-1', sealed)).toBe(pair.privateKeyHex);
    expect(() => openPrivateKey(kekOf('b'.repeat(32)), 'sm2-1', sealed)).toThrow();
    expect(() => openPrivateKey(kek, 'sm2-2', sealed)).toThrow();
  });

  it('takes the configured secret; else creates the secret file once (mode 0600) and every later start reads the same', () => {
    expect(loadSecret({ signingKeySecret: 'x'.repeat(40), signingKeySecretFile: '/nonexistent/never' })).toBe('x'.repeat(40));
    const file = path.join(tmp, 'sub', 'signing-key.secret');
    const first = loadSecret({ signingKeySecret: null, signingKeySecretFile: file });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecret({ signingKeySecret: null, signingKeySecretFile: file })).toBe(first);
  });
});
