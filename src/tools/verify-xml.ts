/**
 * Checks the platform's SM2 signature of an XML data file offline (SPEC section 8): names the key
 * the file's TaxBureauSignature/KeyInfo gives and says VALID or INVALID.
 *
 *   npm run verify-xml -- FILE.xml [--keys signing-keys.json | --url http://HOST:PORT] [--key key.pem]
 *   node dist/tools/verify-xml.js FILE.xml ...          (the compiled form: the production image has no ts-node)
 *
 *   --keys F   the body of GET /v1/platform/signing-keys saved to a file: the key is looked up by keyId
 *   --url U    the service's address: the keys are fetched from U/v1/platform/signing-keys
 *   --key F    one public key as PEM (what the endpoint's publicKeyPem holds)
 *   (none)     ./signing-keys.json, if it exists
 *
 * With the published keys, the file's SignatureTime must also lie in its key's validity window
 * (validFrom to validTo): a key retired by a rotation signs nothing dated after it. A PEM given
 * with --key must be the key KeyInfo names (a keyId is derived from its public key, keyIdOf).
 *
 * Exit status: 0 valid, 1 invalid (or the key is not published), 2 usage or unreadable input.
 */
import * as fs from 'node:fs';
import { keyIdOf, outsideValidity, signatureKeyId, signatureTime, sm2PublicKeyHexFromPem, verifyXml } from '../rendering/xml-signature';

export const DEFAULT_KEYS_FILE = 'signing-keys.json';
const USAGE =
  'usage: npm run verify-xml -- FILE.xml [--keys signing-keys.json | --url http://HOST:PORT] [--key key.pem]\n' +
  '       (or node dist/tools/verify-xml.js FILE.xml ...; without an option, ./signing-keys.json)\n' +
  'exit status: 0 valid, 1 invalid, 2 usage\n';

interface PublishedKey {
  keyId?: string;
  publicKeyPem?: string;
  validFrom?: string;
  validTo?: string | null;
}

class Usage extends Error {}

function keysOf(body: unknown, source: string): PublishedKey[] {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new Usage(`${source} is not the body of GET /v1/platform/signing-keys (no "items" list)`);
  return items as PublishedKey[];
}

async function fetchKeys(base: string): Promise<PublishedKey[]> {
  const url = `${base.replace(/\/+$/, '')}/v1/platform/signing-keys`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Usage(`cannot fetch ${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
  }
  if (!res.ok) throw new Usage(`${url} answered ${res.status}`);
  try {
    return keysOf(await res.json(), url);
  } catch (e) {
    throw e instanceof Usage ? e : new Usage(`${url} did not answer JSON: ${(e as Error).message}`);
  }
}

function readKeysFile(file: string): PublishedKey[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Usage(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return keysOf(JSON.parse(text), file);
  } catch (e) {
    throw e instanceof Usage ? e : new Usage(`${file} is not the body of GET /v1/platform/signing-keys: ${(e as Error).message}`);
  }
}

/** Runs the check; `out` receives the verdict line, `err` usage messages. Answers the exit status. */
export async function main(
  argv: string[],
  out: (line: string) => void = (l) => void process.stdout.write(l),
  err: (line: string) => void = (l) => void process.stderr.write(l),
): Promise<number> {
  try {
    return await check(argv, out);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    err(`verify-xml: ${e.message}\n${USAGE}`);
    return 2;
  }
}

async function check(argv: string[], out: (line: string) => void): Promise<number> {
  let file: string | null = null;
  let keysFile: string | null = null;
  let url: string | null = null;
  let keyFile: string | null = null;
  const value = (i: number, option: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new Usage(`${option} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keys') keysFile = value(++i, '--keys');
    else if (argv[i] === '--url') url = value(++i, '--url');
    else if (argv[i] === '--key') keyFile = value(++i, '--key');
    else if (argv[i] === '--help' || argv[i] === '-h') throw new Usage('checks the platform signature of an XML data file');
    else if (argv[i].startsWith('-')) throw new Usage(`unknown option ${argv[i]}`);
    else if (file === null) file = argv[i];
    else throw new Usage('one file at a time');
  }
  if (!file) throw new Usage('name the XML file');
  if (keysFile && url) throw new Usage('give the published keys once: --keys FILE or --url ADDRESS');
  if (!keysFile && !url && !keyFile) {
    if (!fs.existsSync(DEFAULT_KEYS_FILE)) {
      throw new Usage(
        `no public key: there is no ./${DEFAULT_KEYS_FILE}. Save the published keys there ` +
          `(curl -s http://HOST:3000/v1/platform/signing-keys > ${DEFAULT_KEYS_FILE}), or give --url http://HOST:3000, --keys FILE or --key key.pem`,
      );
    }
    keysFile = DEFAULT_KEYS_FILE;
  }
  let xml: Buffer;
  try {
    xml = fs.readFileSync(file);
  } catch (e) {
    throw new Usage(`cannot read ${file}: ${(e as Error).message}`);
  }
  const published = url ? await fetchKeys(url) : keysFile ? readKeysFile(keysFile) : null;
  const listSource = url ? `${url.replace(/\/+$/, '')}/v1/platform/signing-keys` : keysFile;
  let pemHex: string | null = null;
  if (keyFile) {
    let pem: string;
    try {
      pem = fs.readFileSync(keyFile, 'utf8');
    } catch (e) {
      throw new Usage(`cannot read ${keyFile}: ${(e as Error).message}`);
    }
    pemHex = sm2PublicKeyHexFromPem(pem);
    if (!pemHex) throw new Usage(`${keyFile}: not an SM2 public key (PEM SubjectPublicKeyInfo)`);
  }

  const keyId = signatureKeyId(xml);
  const invalid = (why: string) => {
    out(`${file}: INVALID: ${why}\n`);
    return 1;
  };
  if (!keyId) return invalid('no TaxBureauSignature/KeyInfo (not signed by the platform)');
  const entry = published?.find((k) => k.keyId === keyId) ?? null;
  let publicKeyHex: string;
  let source: string;
  if (pemHex) {
    const pemKeyId = keyIdOf(pemHex);
    if (pemKeyId !== keyId) return invalid(`the file names key ${keyId}; ${keyFile} is key ${pemKeyId}, not that key`);
    if (published && !entry) return invalid(`signed with key ${keyId}, which ${listSource} does not publish`);
    if (entry && sm2PublicKeyHexFromPem(entry.publicKeyPem ?? '') !== pemHex) return invalid(`${keyFile} is not the key ${keyId} that ${listSource} publishes`);
    publicKeyHex = pemHex;
    source = keyFile!;
  } else {
    if (!entry) return invalid(`signed with key ${keyId}, which ${listSource} does not publish`);
    const hex = sm2PublicKeyHexFromPem(entry.publicKeyPem ?? '');
    if (!hex) throw new Usage(`${listSource}: key ${keyId} has no SM2 publicKeyPem`);
    publicKeyHex = hex;
    source = listSource!;
  }
  if (!verifyXml(xml, publicKeyHex)) return invalid(`SM2 signature by key ${keyId} does not verify (public key from ${source})`);
  const signedAt = signatureTime(xml);
  if (!signedAt) return invalid(`SM2 signature by key ${keyId} verifies, but the file has no SignatureTime (yyyy-MM-dd HH:mm:ss)`);
  let window = `validity window not checked: give --keys or --url for ${keyId}'s validFrom and validTo`;
  if (entry) {
    if (typeof entry.validFrom !== 'string') throw new Usage(`${listSource}: key ${keyId} has no validFrom`);
    const outside = outsideValidity(signedAt, { validFrom: entry.validFrom, validTo: entry.validTo ?? null });
    if (outside) return invalid(`SM2 signature by key ${keyId} verifies, but the file is ${outside}`);
    window = `signed within the key's validity (${entry.validFrom} to ${entry.validTo ?? 'now'})`;
  }
  out(`${file}: VALID: SM2 signature by key ${keyId} (public key from ${source}); ${window}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`verify-xml: ${(e as Error)?.stack ?? e}\n`);
      process.exit(2);
    },
  );
}
