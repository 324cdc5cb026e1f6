import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/config';
import { kekOf, keyIdOf, loadSecret, openPrivateKey, sealPrivateKey } from '../../src/rendering/signing-keys.service';
import {
  encodeSm2Signature,
  generateSm2KeyPair,
  outsideValidity,
  parseSm2Signature,
  signatureKeyId,
  signatureTime,
  SM2_N,
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

/** `openssl pkeyutl -verify` as SPEC 8 and the README give it: exit status 0 (verified) or 1 (failure). */
function openssl(xml: string, publicKeyHex: string): number | null {
  const key = path.join(tmp, 'key.pem');
  const bytes = path.join(tmp, 'bytes');
  const sig = path.join(tmp, 'sig.der');
  fs.writeFileSync(key, sm2PublicKeyPem(publicKeyHex));
  fs.writeFileSync(bytes, signedBytes(xml));
  fs.writeFileSync(sig, Buffer.from(/<SignatureValue>([^<]*)</.exec(xml)![1], 'base64'));
  const r = spawnSync(
    'openssl',
    ['pkeyutl', '-verify', '-pubin', '-inkey', key, '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', bytes, '-sigfile', sig],
    { encoding: 'utf8' },
  );
  // Anything but a verdict (no SM2 in this OpenSSL, a bad option) fails the test rather than passing as "invalid".
  if (!/Signature Verified Successfully|Signature Verification Failure/.test(r.stdout + r.stderr))
    throw new Error(`openssl gave no verdict: ${r.stdout}${r.stderr}`);
  return r.status;
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

describe('the signature read strictly as DER, as OpenSSL reads it (review item 1)', () => {
  const pair = generateSm2KeyPair();
  const signed = signXml(DOC, pair.privateKeyHex);
  const der = Buffer.from(/<SignatureValue>([^<]*)</.exec(signed)![1], 'base64');
  const { r, s } = parseSm2Signature(der)!;
  const withSignature = (bytes: Buffer) => signed.replace(/<SignatureValue>[^<]*</, `<SignatureValue>${bytes.toString('base64')}<`);
  const hex = (n: bigint) => {
    const h = n.toString(16);
    return h.length % 2 ? `0${h}` : h;
  };
  /** A DER INTEGER with exactly these content bytes, and a SEQUENCE of what is given. */
  const int = (content: string) => Buffer.concat([Buffer.from([0x02, content.length / 2]), Buffer.from(content, 'hex')]);
  const seq = (...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  };
  const minimal = (n: bigint) => (/^[89a-f]/.test(hex(n)) ? `00${hex(n)}` : hex(n));

  it('the service writes canonical DER: what it signs parses, and re-encodes to the same bytes', () => {
    expect(encodeSm2Signature(r, s).equals(der)).toBe(true);
    expect(r >= 1n && r < SM2_N && s >= 1n && s < SM2_N).toBe(true);
    expect(verifyXml(signed, pair.publicKeyHex)).toBe(true);
    expect(openssl(signed, pair.publicKeyHex)).toBe(0);
  });

  it.each<[string, () => Buffer]>([
    ['trailing bytes after the SEQUENCE (deadbeef)', () => Buffer.concat([der, Buffer.from('deadbeef', 'hex')])],
    ['one trailing zero byte', () => Buffer.concat([der, Buffer.from([0])])],
    ['a non-minimal INTEGER (a leading 00 it does not need)', () => seq(int(`00${minimal(r)}`), int(minimal(s)))],
    ['the wrong tag (SET instead of SEQUENCE)', () => Buffer.concat([Buffer.from([0x31]), der.subarray(1)])],
    ['the wrong tag of an element (OCTET STRING for r)', () => seq(Buffer.concat([Buffer.from([0x04]), int(minimal(r)).subarray(1)]), int(minimal(s)))],
    ['a negative r (top bit set, no 00)', () => seq(int(`80${'01'.repeat(31)}`), int(minimal(s)))],
    ['r = 0', () => seq(int('00'), int(minimal(s)))],
    ['s = n', () => seq(int(minimal(r)), int(minimal(SM2_N)))],
    ['s + n (the same s modulo n)', () => seq(int(minimal(r)), int(minimal(s + SM2_N)))],
    ['a SEQUENCE length one short', () => Buffer.concat([Buffer.from([0x30, der[1] - 1]), der.subarray(2)])],
    ['a third INTEGER', () => seq(int(minimal(r)), int(minimal(s)), int('01'))],
    ['a long-form length where the short form fits', () => Buffer.concat([Buffer.from([0x30, 0x81, der[1]]), der.subarray(2)])],
  ])('%s: invalid for verifyXml and for OpenSSL', (_what, make) => {
    const bad = make();
    expect(bad.equals(der)).toBe(false);
    expect(parseSm2Signature(bad)).toBeNull();
    expect(verifyXml(withSignature(bad), pair.publicKeyHex)).toBe(false);
    expect(openssl(withSignature(bad), pair.publicKeyHex)).toBe(1);
  });
});

describe('SignatureTime and the key validity window', () => {
  it('reads SignatureTime as Beijing time', () => {
    expect(signatureTime(DOC)!.toISOString()).toBe('2024-02-29T16:30:05.000Z');
    expect(signatureTime('<EInvoice></EInvoice>')).toBeNull();
  });

  const key = { validFrom: '2024-02-29T16:30:05.400Z', validTo: '2024-03-01T00:00:00.250Z' };
  it.each<[string, string | null]>([
    ['2024-02-29T16:30:05.000Z', null], // the same second as validFrom: the file cuts the signing instant to the second
    ['2024-02-29T16:30:04.000Z', 'before the key became valid'],
    ['2024-03-01T00:00:00.000Z', null],
    ['2024-03-01T00:00:01.000Z', 'after the key was retired'],
  ])('a signature dated %s: %s', (at, problem) => {
    const outside = outsideValidity(new Date(at), key);
    if (problem === null) expect(outside).toBeNull();
    else expect(outside).toContain(problem);
    expect(outsideValidity(new Date(at), { validFrom: key.validFrom, validTo: null })).toBe(problem?.startsWith('before') ? outside : null);
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

  const sqlite = { kind: 'sqlite' as const, path: '/x/einvoice.sqlite' };
  const mysql = { kind: 'mysql' as const, url: 'mysql://root:@127.0.0.1:3306/test', poolSize: 1, flavor: 'mysql' as const, startupWaitSeconds: 0 };

  it('takes the configured secret; else (SQLite) creates the secret file once (mode 0600) and every later start reads the same', () => {
    expect(
      loadSecret({ signingKeySecret: 'x'.repeat(40), signingKeySecretFile: '/nonexistent/never', signingKeySecretFileCreate: false, database: mysql }),
    ).toEqual({
      secret: 'x'.repeat(40),
      source: 'SIGNING_KEY_SECRET',
    });
    const file = path.join(tmp, 'sub', 'signing-key.secret');
    const first = loadSecret({ signingKeySecret: null, signingKeySecretFile: file, signingKeySecretFileCreate: true, database: sqlite });
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.source).toContain(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecret({ signingKeySecret: null, signingKeySecretFile: file, signingKeySecretFileCreate: true, database: sqlite }).secret).toBe(first.secret);
    // On MySQL an existing file is read, never created.
    expect(loadSecret({ signingKeySecret: null, signingKeySecretFile: file, signingKeySecretFileCreate: false, database: mysql }).secret).toBe(first.secret);
  });

  it('on MySQL without SIGNING_KEY_SECRET: a start-up error naming the variable and how to create it; a named file must exist', () => {
    const none = () => loadSecret({ signingKeySecret: null, signingKeySecretFile: null, signingKeySecretFileCreate: false, database: mysql });
    expect(none).toThrow(ConfigError);
    expect(none).toThrow(/SIGNING_KEY_SECRET is required on MySQL[\s\S]*openssl rand -hex 32/);
    const missing = path.join(tmp, 'absent.secret');
    expect(() => loadSecret({ signingKeySecret: null, signingKeySecretFile: missing, signingKeySecretFileCreate: false, database: mysql })).toThrow(
      /SIGNING_KEY_SECRET_FILE names .*absent\.secret, which does not exist/,
    );
    expect(fs.existsSync(missing)).toBe(false);
  });
});
