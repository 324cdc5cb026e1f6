/**
 * `npm run verify-xml -- FILE.xml --keys signing-keys.json` (or `--key key.pem`): checks the
 * platform's SM2 signature of an XML data file offline (SPEC section 8). It names the key the
 * file's TaxBureauSignature/KeyInfo gives and says VALID or INVALID.
 *
 *   --keys F   the body of GET /v1/platform/signing-keys saved to a file: the key is looked up by keyId
 *   --key F    one public key as PEM (what the endpoint's publicKeyPem holds)
 *
 * Exit status: 0 valid, 1 invalid (or the key is not in --keys), 2 usage or unreadable input.
 */
import * as fs from 'node:fs';
import { signatureKeyId, sm2PublicKeyHexFromPem, verifyXml } from '../rendering/xml-signature';

function usage(message: string): never {
  process.stderr.write(`verify-xml: ${message}\nusage: npm run verify-xml -- FILE.xml (--keys signing-keys.json | --key key.pem)\n`);
  process.exit(2);
}

export function main(argv: string[]): number {
  let file: string | null = null;
  let keysFile: string | null = null;
  let keyFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keys') keysFile = argv[++i] ?? usage('--keys needs a file');
    else if (argv[i] === '--key') keyFile = argv[++i] ?? usage('--key needs a file');
    else if (argv[i].startsWith('-')) usage(`unknown option ${argv[i]}`);
    else if (file === null) file = argv[i];
    else usage('one file at a time');
  }
  if (!file) usage('name the XML file');
  if (!keysFile === !keyFile) usage('give the public key: --keys signing-keys.json or --key key.pem');
  let xml: Buffer;
  try {
    xml = fs.readFileSync(file);
  } catch (e) {
    usage(`cannot read ${file}: ${(e as Error).message}`);
  }
  const keyId = signatureKeyId(xml);
  if (!keyId) {
    process.stdout.write(`${file}: INVALID: no TaxBureauSignature/KeyInfo (not signed by the platform)\n`);
    return 1;
  }
  let pem: string | null = null;
  let source: string;
  if (keysFile) {
    let items: { keyId?: string; publicKeyPem?: string }[];
    try {
      items = JSON.parse(fs.readFileSync(keysFile, 'utf8')).items;
      if (!Array.isArray(items)) throw new Error('no "items" list');
    } catch (e) {
      usage(`${keysFile} is not the body of GET /v1/platform/signing-keys: ${(e as Error).message}`);
    }
    pem = items.find((k) => k.keyId === keyId)?.publicKeyPem ?? null;
    source = keysFile;
    if (!pem) {
      process.stdout.write(`${file}: INVALID: signed with key ${keyId}, which ${keysFile} does not publish\n`);
      return 1;
    }
  } else {
    try {
      pem = fs.readFileSync(keyFile!, 'utf8');
    } catch (e) {
      usage(`cannot read ${keyFile}: ${(e as Error).message}`);
    }
    source = keyFile!;
  }
  const publicKeyHex = sm2PublicKeyHexFromPem(pem);
  if (!publicKeyHex) usage(`${source}: not an SM2 public key (PEM SubjectPublicKeyInfo)`);
  const valid = verifyXml(xml, publicKeyHex);
  process.stdout.write(`${file}: ${valid ? 'VALID' : 'INVALID'}: SM2 signature by key ${keyId} (public key from ${source})\n`);
  return valid ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
