import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { sm2 } from 'sm-crypto-v2';
import request from 'supertest';
import { PlatformSigningKeyEntity } from '../../src/rendering/signing.entities';
import { kekOf, openPrivateKey } from '../../src/rendering/signing-keys.service';
import { expectProblem } from '../support/problems';
import { bootApp, buyer as newBuyer, getBytes, invoiceBody, issueOk, Json, keyInfoOf, Party, rawBody, seller as newSeller } from '../support/drivers';
import { secondApp } from '../support/second-app';
import { ADMIN_TOKEN, setClock, TestApp } from '../support/test-app';

// Issue 13 / SPEC section 8 "The platform's signature" and API.md "The platform's signing keys":
// every XML file is signed with the platform's SM2 key (user ID 1234567812345678, SM3); the
// signed bytes are the file with the text inside <SignatureValue></SignatureValue> removed;
// SignatureValue = base64(DER); a file is signed once; the public keys are published. verify-xml,
// rotation's audit and idempotency, and a wrong or lost secret: signing-keys.e2e-spec.ts.

const SECRET = 'test-signing-key-secret-0123456789abcdef'; // test-app's SIGNING_KEY_SECRET
const USER_ID = '1234567812345678';

/** The canonical two-line invoice, its buyer with a handling person (经办人) and no bank details. */
const body = (b: Party, extra: Json = {}) =>
  invoiceBody(b, { buyer: { taxId: b.taxId, name: '河南某某贸易有限公司', handlingName: '李四' }, remarks: '合同号 HT-2023-0715', ...extra });

/** SPEC 8's signed bytes, computed here independently of the service's code. */
const signedBytesOf = (xml: Buffer) =>
  Buffer.from(xml.toString('utf8').replace(/<SignatureValue>[^<]*<\/SignatureValue>/, '<SignatureValue></SignatureValue>'), 'utf8');
const signatureOf = (xml: Buffer) => Buffer.from(/<SignatureValue>([^<]*)<\/SignatureValue>/.exec(xml.toString('utf8'))![1], 'base64');
const pemToHex = (pem: string) =>
  Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    .subarray(-65)
    .toString('hex');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-sig-'));
let n = 0;
function write(data: Buffer | string, name: string): string {
  const file = path.join(tmp, `${n++}-${name}`);
  fs.writeFileSync(file, data);
  return file;
}

/** OpenSSL's verdict, exactly the command SPEC section 8 gives. */
function openssl(xml: Buffer, pem: string): boolean {
  const r = spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      write(pem, 'key.pem'),
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      `distid:${USER_ID}`,
      '-in',
      write(signedBytesOf(xml), 'signed-bytes'),
      '-sigfile',
      write(signatureOf(xml), 'sig.der'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 && !/Signature Verification Failure/.test(r.stdout + r.stderr)) throw new Error(`openssl: ${r.stdout}${r.stderr}`);
  return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
}

/** sm-crypto-v2's verdict, called here directly. */
function library(xml: Buffer, pem: string): boolean {
  return sm2.doVerifySignature(new Uint8Array(signedBytesOf(xml)), signatureOf(xml).toString('hex'), pemToHex(pem), { der: true, hash: true, userId: USER_ID });
}

/** One byte of an amount changed: 10000.00 -> 10001.00 in the first line. */
const tamper = (xml: Buffer) => {
  const text = xml.toString('utf8');
  const changed = text.replace('<Amount>10000.00</Amount>', '<Amount>10001.00</Amount>');
  expect(changed).not.toBe(text);
  expect(Buffer.byteLength(changed)).toBe(xml.length);
  return Buffer.from(changed, 'utf8');
};

describe('the platform SM2 signature of XML files (SPEC 8)', () => {
  let t: TestApp;
  let seller: Party;
  let buyer: Party;
  let blue: Json;

  const download = async (number: string, token = seller.token): Promise<Buffer> =>
    (await getBytes(t, token, `/v1/invoices/${number}/xml`).expect(200)).body as Buffer;
  const keys = async () =>
    (await t.http().get('/v1/platform/signing-keys').expect(200)).body.items as {
      keyId: string;
      algorithm: string;
      publicKeyPem: string;
      validFrom: string;
      validTo: string | null;
    }[];
  const issue = (extra: Json = {}) => issueOk(t, seller, body(buyer, extra));

  // The signing keys belong to the whole app: the tests under one key share an app, rotation has its own.
  const boot = async () => {
    t = await bootApp();
    seller = await newSeller(t, {}, '44');
    buyer = await newBuyer(t);
    blue = await issue();
  };
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('under one key', () => {
    beforeAll(boot);
    afterAll(() => t.close());

    it('publishes the current key without a token: SM2, a PEM OpenSSL reads, validTo null, no private half', async () => {
      const items = await keys();
      expect(items).toHaveLength(1);
      expect(items[0]).toEqual({
        keyId: expect.stringMatching(/^sm2-[0-9a-f]{16}$/),
        algorithm: 'SM2',
        publicKeyPem: expect.stringContaining('-----BEGIN PUBLIC KEY-----'),
        validFrom: expect.any(String),
        validTo: null,
      });
      const text = spawnSync('openssl', ['pkey', '-pubin', '-in', write(items[0].publicKeyPem, 'k.pem'), '-text', '-noout'], { encoding: 'utf8' });
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/SM2/);
      // The private key (opened here with the test's secret) appears nowhere in the answer.
      const [row] = await t.dataSource.manager.find(PlatformSigningKeyEntity);
      const privateHex = openPrivateKey(kekOf(SECRET), row.keyId, row.privateKeySealed);
      const raw = JSON.stringify(items);
      expect(raw).not.toContain(privateHex);
      expect(raw).not.toContain(row.privateKeySealed);
      expect(raw).not.toMatch(/private/i);
      // The row keeps it sealed, not in clear.
      expect(row.privateKeySealed).not.toContain(privateHex);
    });

    it('issuing does not sign (off the request path): no stored file until the first render', async () => {
      const inv = await issue();
      const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS c FROM invoice_signed_xml WHERE invoice_number = ?', [inv.number]))[0].c);
      expect(await count()).toBe(0);
      await download(inv.number);
      expect(await count()).toBe(1);
    });

    it('signs the XML: TaxBureauSignature as SPEC 8 writes it, valid for OpenSSL and for sm-crypto-v2; one changed byte of an amount fails both', async () => {
      const xml = await download(blue.number);
      const text = xml.toString('utf8');
      const [key] = await keys();
      expect(text).toMatch(
        /<TaxBureauSignature><Reference URI="\/Einvoice\/Header\|\/Einvoice\/EinvoiceData\|\/Einvoice\/SellerAuthentication\|\/Einvoice\/TaxSupervisionInfo\|\/Einvoice\/TaxBureauSignature\/SignatureTime"><\/Reference><SignatureAlgorithm>1\.2\.156\.10197\.1\.501<\/SignatureAlgorithm><SignatureFormat>DETACH<\/SignatureFormat><SignatureTime>2023-07-20 09:00:00<\/SignatureTime><SignatureValue>[A-Za-z0-9+/=]+<\/SignatureValue><KeyInfo>sm2-[0-9a-f]{16}<\/KeyInfo><\/TaxBureauSignature><\/EInvoice>$/,
      );
      expect(keyInfoOf(xml)).toBe(key.keyId);
      expect(openssl(xml, key.publicKeyPem)).toBe(true);
      expect(library(xml, key.publicKeyPem)).toBe(true);
      const bad = tamper(xml);
      expect(openssl(bad, key.publicKeyPem)).toBe(false);
      expect(library(bad, key.publicKeyPem)).toBe(false);
    });

    it("writes the real files' codes: TaxpayerType 1, AuthenticationMethods 02, BuyerHandlingName; the view echoes buyer.handlingName", async () => {
      const text = (await download(blue.number)).toString('utf8');
      expect(text).toContain('<TaxpayerType><LabelCode>1</LabelCode><LabelName>一般纳税人</LabelName></TaxpayerType>');
      expect(text).toContain('<AuthenticationMethods>02</AuthenticationMethods>');
      expect(text).toContain('<BuyerBankAccNum></BuyerBankAccNum><BuyerHandlingName>李四</BuyerHandlingName></BuyerInformation>');
      expect(blue.buyer.handlingName).toBe('李四');
      expect((await t.http(seller.token).get(`/v1/invoices/${blue.number}`).expect(200)).body.buyer.handlingName).toBe('李四');
      const none = await issue({ buyer: { taxId: buyer.taxId, name: '河南某某贸易有限公司' } });
      expect(none.buyer.handlingName).toBeNull();
      expect((await download(none.number)).toString('utf8')).toContain('<BuyerHandlingName></BuyerHandlingName>');
      const tooLong = await t
        .http(seller.token)
        .post('/v1/invoices')
        .send(body(buyer, { buyer: { taxId: buyer.taxId, name: 'x', handlingName: '长'.repeat(101) } }));
      expectProblem(tooLong, 400, 'VALIDATION_FAILED', 'buyer.handlingName');
    });

    it('a red invoice names the blue one and the slip as RedEInvoice/OriginalInvoiceCode and CreditNoteNumber, and is signed', async () => {
      const b = await issue();
      const slip = (await t.http(seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: b.number, reason: '01' }).expect(201)).body;
      const red = (await t.http(seller.token).post(`/v1/red-confirmations/${slip.id}/red-invoice`).send({}).expect(201)).body;
      const xml = await download(red.number);
      expect(xml.toString('utf8')).toContain(
        `<RedEInvoice><OriginalInvoiceCode>${b.number}</OriginalInvoiceCode><CreditNoteNumber>${slip.number}</CreditNoteNumber></RedEInvoice>`,
      );
      const [key] = await keys();
      expect(openssl(xml, key.publicKeyPem)).toBe(true);
    });

    it("signs a file once: later downloads (after the clock moved), the buyer's, the OFD's attachment are the same bytes", async () => {
      const first = await download(blue.number);
      await setClock(t, '2023-07-21T10:00:00+08:00');
      expect((await download(blue.number)).equals(first)).toBe(true);
      expect((await download(blue.number, buyer.token)).equals(first)).toBe(true);
      const ofd = (await getBytes(t, seller.token, `/v1/invoices/${blue.number}/ofd`).expect(200)).body as Buffer;
      const attached = unzipSync(new Uint8Array(ofd))['Doc_0/Attachs/original_invoice.xml'];
      expect(Buffer.from(attached).equals(first)).toBe(true);
      await setClock(t, '2023-07-20T09:00:00+08:00');
    });

    it('concurrent first downloads agree on one signed file (one stored row)', async () => {
      const inv = await issue();
      const files = await Promise.all(Array.from({ length: 6 }, () => download(inv.number)));
      for (const f of files) expect(f.equals(files[0])).toBe(true);
      const rows = await t.dataSource.query('SELECT COUNT(*) AS c FROM invoice_signed_xml WHERE invoice_number = ?', [inv.number]);
      expect(Number(rows[0].c)).toBe(1);
    });

    it('a file larger than a MySQL BLOB (300 lines, > 64 KiB) is stored whole and verifies', async () => {
      const many = body(buyer);
      many.lines = Array.from({ length: 300 }, (_, i) => ({ ...many.lines[0], name: `笔记本电脑第${i + 1}台` }));
      const inv = (await t.http(seller.token).post('/v1/invoices').send(many).expect(201)).body;
      const xml = await download(inv.number);
      expect(xml.length).toBeGreaterThan(65_535);
      expect(xml.toString('utf8').match(/<IssuItemInformation>/g)).toHaveLength(300);
      const [key] = await keys();
      expect(openssl(xml, key.publicKeyPem)).toBe(true);
      expect((await download(inv.number)).equals(xml)).toBe(true);
      const rows = await t.dataSource.query('SELECT COUNT(*) AS c FROM invoice_signed_xml WHERE invoice_number = ?', [inv.number]);
      expect(Number(rows[0].c)).toBe(Math.ceil(xml.length / 60_000));
    });

    it('a second process on the same database signs with the same current key and publishes the same keys', async () => {
      const other = await secondApp(t, { BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN, SIGNING_KEY_SECRET: SECRET });
      try {
        const inv = await issue();
        const res = await request(other.getHttpServer())
          .get(`/v1/invoices/${inv.number}/xml`)
          .set('Authorization', `Bearer ${seller.token}`)
          .buffer(true)
          .parse(rawBody as never)
          .expect(200);
        const [key] = await keys();
        expect(keyInfoOf(res.body)).toBe(key.keyId);
        expect(openssl(res.body, key.publicKeyPem)).toBe(true);
        expect((await request(other.getHttpServer()).get('/v1/platform/signing-keys').expect(200)).body.items).toEqual(await keys());
        // And this process returns the bytes the other one signed.
        expect((await download(inv.number)).equals(res.body)).toBe(true);
      } finally {
        await other.close();
      }
    });
  });

  describe('rotation', () => {
    beforeAll(boot);
    afterAll(() => t.close());

    it('rotation (admin only): a new current key signs new files; the old key stays published with validTo and its files still verify', async () => {
      const before = await download(blue.number);
      const [old] = await keys();
      expectProblem(await t.http(seller.token).post('/v1/platform/signing-keys/rotate'), 403, 'FORBIDDEN');
      const rotated = (await t.http(ADMIN_TOKEN).post('/v1/platform/signing-keys/rotate').expect(201)).body;
      expect(rotated.keyId).not.toBe(old.keyId);
      const items = await keys();
      expect(items.map((k) => k.keyId)).toEqual([old.keyId, rotated.keyId]);
      expect(items[0].validTo).not.toBeNull();
      expect(items[1].validTo).toBeNull();
      // Old file: same bytes, still valid under the old key, not under the new one.
      const again = await download(blue.number);
      expect(again.equals(before)).toBe(true);
      expect(openssl(again, old.publicKeyPem)).toBe(true);
      expect(library(again, rotated.publicKeyPem)).toBe(false);
      // New file: the new key.
      const inv = await issue();
      const xml = await download(inv.number);
      expect(keyInfoOf(xml)).toBe(rotated.keyId);
      expect(openssl(xml, rotated.publicKeyPem)).toBe(true);
    });
  });
});
