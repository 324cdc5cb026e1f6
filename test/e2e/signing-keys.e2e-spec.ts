import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { unzipSync } from 'fflate';
import request from 'supertest';
import * as ts from 'typescript';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { Db } from '../../src/database/db.service';
import { kekOf, openPrivateKey, RetiredKeyError, SigningKeysService } from '../../src/rendering/signing-keys.service';
import { PlatformSigningKeyEntity } from '../../src/rendering/signing.entities';
import { main as verifyXml } from '../../src/tools/verify-xml';
import { bootApp, buyer as newBuyer, getBytes, invoiceBody, issueOk, Json, keyInfoOf, Party, rawBody, seller as newSeller, T0 } from '../support/drivers';
import { databaseUrlOf } from '../support/second-app';
import { ADMIN_TOKEN, TEST_SIGNING_KEY_SECRET, TestApp } from '../support/test-app';

// Issue 13, review items 1, 2, 7, 8, 9: the platform's signing keys kept private everywhere (answers,
// logs, the OpenAPI document, exports); files byte-equal wherever they are handed out; rotation
// audited and idempotent, and no process signing with a key a rotation retired; a wrong or lost
// SIGNING_KEY_SECRET stops the start with a clear message, and SIGNING_KEY_REPLACE_LOST recovers;
// verify-xml as an auditor runs it (npm script and compiled form, exit codes 0 / 1 / 2).

const root = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-keys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const write = (data: Buffer | string, name: string) => {
  const file = path.join(tmp, `${n++}-${name}`);
  fs.writeFileSync(file, data);
  return file;
};

type Key = { keyId: string; algorithm: string; publicKeyPem: string; validFrom: string; validTo: string | null };
const tamper = (xml: Buffer) => Buffer.from(xml.toString('utf8').replace('<Amount>10000.00</Amount>', '<Amount>10001.00</Amount>'), 'utf8');
const WRONG_SECRET = 'a-wrong-signing-key-secret-0123456789abcdef';
const OTHER_SECRET = 'the-replacement-signing-key-secret-9876543210';

/** Every form a private key could leak in: hex (both cases), base64 of its bytes, the sealed form. */
function secretsOf(rows: PlatformSigningKeyEntity[], secret: string): string[] {
  return rows.flatMap((row) => {
    const hex = openPrivateKey(kekOf(secret), row.keyId, row.privateKeySealed);
    return [hex, hex.toUpperCase(), Buffer.from(hex, 'hex').toString('base64'), row.privateKeySealed];
  });
}
const expectFree = (text: string, secrets: string[], where: string) => {
  for (const s of secrets) if (text.includes(s)) throw new Error(`a private key (or its sealed form) appears in ${where}`);
};

/** An app on `t`'s database with its own settings; its start's failure is answered, and it is closed then. */
async function otherApp(t: TestApp, env: Record<string, string>): Promise<INestApplication> {
  const app = await createApp(loadConfig({ DATABASE_URL: databaseUrlOf(t), EINVOICE_CLOCK: 'manual', LOG_LEVEL: 'error', BCRYPT_COST: '4', ...env }));
  try {
    await app.init();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  return app;
}

describe('the platform signing keys: private, audited, recoverable (issue 13 review)', () => {
  let t: TestApp;
  let seller: Party;
  let buyer: Party;
  const logs: string[] = [];
  let spies: jest.SpyInstance[] = [];

  const keys = async (app?: INestApplication): Promise<Key[]> =>
    (await (app ? request(app.getHttpServer()) : t.http()).get('/v1/platform/signing-keys').expect(200)).body.items;
  const download = async (number: string, app?: INestApplication): Promise<Buffer> => {
    if (!app) return (await getBytes(t, seller.token, `/v1/invoices/${number}/xml`).expect(200)).body as Buffer;
    return (
      await request(app.getHttpServer())
        .get(`/v1/invoices/${number}/xml`)
        .set('Authorization', `Bearer ${seller.token}`)
        .buffer(true)
        .parse(rawBody as never)
        .expect(200)
    ).body as Buffer;
  };
  const issue = () => issueOk(t, seller, invoiceBody(buyer));
  const rows = () => t.dataSource.manager.find(PlatformSigningKeyEntity, { order: { seq: 'ASC' } });
  const current = async () => (await keys()).slice(-1)[0];
  const rotate = async (): Promise<Key> => (await t.http(ADMIN_TOKEN).post('/v1/platform/signing-keys/rotate').expect(201)).body;

  beforeAll(() => {
    // Everything the service logs (the files describe runs its apps at the most talkative level).
    const capture = (chunk: string | Uint8Array) => (logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')), true);
    spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  });
  afterAll(() => {
    for (const s of spies) s.mockRestore();
  });

  /**
   * The app the tests use, on its own database (so with its own keys), with a seller and a buyer:
   * booted before each test where tests rotate or replace keys (any test can run alone, in any
   * order), or once for a describe whose tests only read.
   */
  function freshApp(when: 'each' | 'all', env: Record<string, string> = {}) {
    (when === 'each' ? beforeEach : beforeAll)(async () => {
      logs.length = 0;
      t = await bootApp(env);
      seller = await newSeller(t);
      buyer = await newBuyer(t);
    });
    (when === 'each' ? afterEach : afterAll)(() => t.close());
  }

  describe('files and private keys', () => {
    freshApp('each', { LOG_LEVEL: 'debug' });

    it("the zip export's XML files and the OFD's attached XML are byte for byte the XML download", async () => {
      const numbers = [(await issue()).number, (await issue()).number];
      const downloads = new Map<string, Buffer>();
      for (const number of numbers) downloads.set(number, await download(number));
      const zip = (await getBytes(t, seller.token, '/v1/exports/invoices?format=zip').expect(200)).body as Buffer;
      const files = unzipSync(new Uint8Array(zip));
      for (const [number, xml] of downloads) {
        expect(Buffer.from(files[`${number}/${number}.xml`]).equals(xml)).toBe(true);
        const ofd = unzipSync(files[`${number}/${number}.ofd`]);
        expect(Buffer.from(ofd['Doc_0/Attachs/original_invoice.xml']).equals(xml)).toBe(true);
        const ofdDownload = unzipSync(new Uint8Array((await getBytes(t, seller.token, `/v1/invoices/${number}/ofd`).expect(200)).body as Buffer));
        expect(Buffer.from(ofdDownload['Doc_0/Attachs/original_invoice.xml']).equals(xml)).toBe(true);
      }
    });

    it('no private key (hex, base64 or sealed) in any answer, the OpenAPI document, an export, the audit events or the log', async () => {
      // (Nest's logger is process-wide: no other app may start in this test, as one at LOG_LEVEL=error would quiet it.)
      const rotate = await t.http(ADMIN_TOKEN).post('/v1/platform/signing-keys/rotate').expect(201);
      await download((await issue()).number); // a signing under the new key
      const all = secretsOf(await rows(), TEST_SIGNING_KEY_SECRET);
      expect(all).toHaveLength(2 * 4);
      expectFree(JSON.stringify(rotate.body), all, 'the rotate answer');
      expectFree(JSON.stringify(await keys()), all, 'GET /v1/platform/signing-keys');
      expectFree((await t.http().get('/docs-json').expect(200)).text, all, 'the OpenAPI document');
      const zip = unzipSync(new Uint8Array((await getBytes(t, seller.token, '/v1/exports/invoices?format=zip').expect(200)).body as Buffer));
      for (const [name, bytes] of Object.entries(zip)) {
        expectFree(Buffer.from(bytes).toString('latin1'), all, `the zip export's ${name}`);
        if (name.endsWith('.ofd'))
          for (const [inner, b] of Object.entries(unzipSync(bytes))) expectFree(Buffer.from(b).toString('latin1'), all, `${name}/${inner}`);
      }
      expectFree(((await getBytes(t, seller.token, '/v1/exports/invoices?format=jsonl').expect(200)).body as Buffer).toString('utf8'), all, 'the jsonl export');
      expectFree(JSON.stringify((await t.http(ADMIN_TOKEN).get('/v1/audit-events?limit=500').expect(200)).body), all, 'the audit events');
      // The log of the start, the signings and the rotations (LOG_LEVEL=debug) says what happened, never with a key.
      const log = logs.join('');
      expect(log).toMatch(/signing key sm2-[0-9a-f]{16} created/);
      expect(log).toContain(`signing key ${rotate.body.keyId} created by a rotation`);
      expectFree(log, all, 'the log');
    });
  });

  describe('rotation', () => {
    freshApp('each');

    it('is admin only, idempotent under an Idempotency-Key, audited as platform.signing_key_rotated, and answers the public half only', async () => {
      const before = await keys();
      const first = before[before.length - 1];
      await download((await issue()).number); // signs with the first key
      await t.http(seller.token).post('/v1/platform/signing-keys/rotate').set('Idempotency-Key', 'rot-1').expect(403);
      const res = await t.http(ADMIN_TOKEN).post('/v1/platform/signing-keys/rotate').set('Idempotency-Key', 'rot-1').expect(201);
      const rotated = res.body;
      expect(Object.keys(rotated).sort()).toEqual(['algorithm', 'keyId', 'publicKeyPem', 'validFrom', 'validTo']);
      expect(rotated.keyId).not.toBe(first.keyId);
      expect(rotated.validTo).toBeNull();
      // The same key again: the first answer, replayed; no third key.
      const again = await t.http(ADMIN_TOKEN).post('/v1/platform/signing-keys/rotate').set('Idempotency-Key', 'rot-1').expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(rotated);
      const items = await keys();
      expect(items).toHaveLength(before.length + 1); // the replay made no key
      expect(items.slice(-2).map((k) => k.keyId)).toEqual([first.keyId, rotated.keyId]);
      expect(items[items.length - 2].validTo).toBe(rotated.validFrom); // retired at the instant the new key starts
      const events = (await t.http(ADMIN_TOKEN).get('/v1/audit-events?action=platform.signing_key_rotated').expect(200)).body.items;
      const mine = events.filter((e: Json) => e.objectId === rotated.keyId);
      expect(mine).toHaveLength(1);
      expect(events.filter((e: Json) => e.before.keyId === first.keyId)).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        actorRole: 'admin',
        objectType: 'signing_key',
        objectId: rotated.keyId,
        before: { keyId: first.keyId },
        after: { keyId: rotated.keyId, retired: first.keyId },
      });
    });

    it('a process never signs with a retired key: another process that signed just before the rotation signs the next file with the new key', async () => {
      const other = await otherApp(t, { SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET });
      try {
        expect(keyInfoOf(await download((await issue()).number, other))).toBe((await current()).keyId);
        const rotated = await rotate();
        // No grace period in which the other process keeps the key it read before.
        expect(keyInfoOf(await download((await issue()).number, other))).toBe(rotated.keyId);
      } finally {
        await other.close();
      }
    });

    it('confirmCurrent (for the transaction that stores a signed file): the current key passes, a retired one is RetiredKeyError', async () => {
      const service = t.app.get(SigningKeysService);
      const db = t.app.get(Db);
      const first = await current();
      await db.transaction((em) => service.confirmCurrent(em, first.keyId));
      const rotated = await rotate();
      await db.transaction((em) => service.confirmCurrent(em, rotated.keyId));
      await expect(db.transaction((em) => service.confirmCurrent(em, first.keyId))).rejects.toBeInstanceOf(RetiredKeyError);
    });

    it('a rotation waits for a transaction that confirmed the current key (row lock on MySQL, one transaction at a time on SQLite)', async () => {
      const service = t.app.get(SigningKeysService);
      const db = t.app.get(Db);
      const confirmedKey = (await current()).keyId;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let confirmed!: () => void;
      const isConfirmed = new Promise<void>((resolve) => (confirmed = resolve));
      const store = db.transaction(async (em) => {
        await service.confirmCurrent(em, confirmedKey);
        confirmed();
        await held;
      });
      await isConfirmed;
      let done = false;
      const rotation = t
        .http(ADMIN_TOKEN)
        .post('/v1/platform/signing-keys/rotate')
        .expect(201)
        .then((res) => ((done = true), res.body as Json));
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(done).toBe(false); // the rotation cannot retire the key while a file signed with it is being stored
      release();
      await store;
      const next = await rotation;
      expect((await keys()).find((k) => k.keyId === confirmedKey)!.validTo).toBe(next.validFrom);
    });
  });

  describe('verify-xml as an auditor runs it', () => {
    let good: string;
    let bad: string;
    let keysFile: string;
    let current: Key;
    let retired: Key;
    let port: number;
    /** The tool compiled to plain JavaScript (as `nest build` writes dist/tools/verify-xml.js), run by node without ts-node. */
    let compiled: string;

    freshApp('all'); // these tests only read the keys and the files made here
    beforeAll(async () => {
      // The key that signs is created after the clock was set, so the file's SignatureTime (T0) is in its window.
      await rotate();
      const xml = await download((await issue()).number);
      good = write(xml, 'good.xml');
      bad = write(tamper(xml), 'bad.xml');
      const items = await keys();
      [retired, current] = items.slice(-2);
      expect(keyInfoOf(xml)).toBe(current.keyId);
      keysFile = write(JSON.stringify({ items }), 'signing-keys.json');
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
      const out = path.join(tmp, 'build');
      for (const file of ['tools/verify-xml.ts', 'rendering/xml-signature.ts']) {
        const source = fs.readFileSync(path.join(root, 'src', file), 'utf8');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
        fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
        fs.writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), js.outputText);
      }
      compiled = path.join(out, 'tools', 'verify-xml.js');
    });

    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await verifyXml(
        argv,
        (l) => out.push(l),
        (l) => err.push(l),
      );
      return { code, out: out.join(''), err: err.join('') };
    };

    it('the published keys from a file or from --url: VALID (0) naming the key and its window; a changed amount INVALID (1)', async () => {
      let r = await run([good, '--keys', keysFile]);
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(r.out).toContain(`VALID: SM2 signature by key ${current.keyId}`);
      expect(r.out).toContain("signed within the key's validity");
      r = await run([bad, '--keys', keysFile]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`INVALID: SM2 signature by key ${current.keyId} does not verify`);
      r = await run([good, '--url', `http://127.0.0.1:${port}`]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`public key from http://127.0.0.1:${port}/v1/platform/signing-keys`);
    });

    it('--key: the PEM must be the key KeyInfo names; the window is then not checked, and it says so', async () => {
      let r = await run([good, '--key', write(current.publicKeyPem, 'current.pem')]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('validity window not checked');
      r = await run([good, '--key', write(retired.publicKeyPem, 'retired.pem')]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(new RegExp(`INVALID: the file names key ${current.keyId}; .*retired\\.pem is key ${retired.keyId}, not that key`));
    });

    it('a file dated after its key was retired is INVALID, though the signature itself verifies', async () => {
      const items = (await keys()).map((k) => (k.keyId === current.keyId ? { ...k, validTo: new Date(Date.parse(T0) - 1000).toISOString() } : k));
      const r = await run([good, '--keys', write(JSON.stringify({ items }), 'retired-early.json')]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`SM2 signature by key ${current.keyId} verifies, but the file is dated 2023-07-20T01:00:00.000Z, after the key was retired`);
    });

    it('usage errors exit 2 with a message: no file, an unknown option, no key and no ./signing-keys.json', async () => {
      expect((await run([])).code).toBe(2);
      expect((await run([good, '--frobnicate'])).err).toContain('unknown option --frobnicate');
      expect((await run([good, '--keys', keysFile, '--url', 'http://127.0.0.1:1'])).code).toBe(2);
      expect((await run([good, '--url', 'http://127.0.0.1:1'])).err).toContain('cannot fetch http://127.0.0.1:1/v1/platform/signing-keys');
    });

    it('the compiled form (node, no ts-node): ./signing-keys.json by default, exit 0 / 1 / 2', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'auditor-'));
      // Asynchronously: with --url the tool asks this process's own server.
      const node = (args: string[]) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [compiled, ...args], { cwd: dir, env: { PATH: process.env.PATH, NODE_PATH: path.join(root, 'node_modules') } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (status) => resolve({ status, stdout, stderr }));
        });
      // No keys: a usage error that says how to get them.
      let r = await node([good]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('there is no ./signing-keys.json');
      expect(r.stderr).toContain('curl -s http://HOST:3000/v1/platform/signing-keys > signing-keys.json');
      fs.copyFileSync(keysFile, path.join(dir, 'signing-keys.json'));
      r = await node([good]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`VALID: SM2 signature by key ${current.keyId} (public key from signing-keys.json)`);
      expect((await node([bad])).status).toBe(1);
      r = await node([good, '--url', `http://127.0.0.1:${port}`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('npm run verify-xml: exit 0 / 1 / 2', () => {
      const npm = (args: string[]) => spawnSync('npm', ['run', '-s', 'verify-xml', '--', ...args], { cwd: root, encoding: 'utf8' });
      let r = npm([good, '--keys', keysFile]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`VALID: SM2 signature by key ${current.keyId}`);
      r = npm([bad, '--keys', keysFile]);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('INVALID');
      r = npm(['--keys', keysFile]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('name the XML file');
    });
  });

  describe('a wrong or lost SIGNING_KEY_SECRET', () => {
    freshApp('each');

    it('another process with a wrong secret does not start: the message names SIGNING_KEY_SECRET, the key and the recovery', async () => {
      const { keyId } = await current();
      const start = otherApp(t, { SIGNING_KEY_SECRET: WRONG_SECRET });
      await expect(start).rejects.toThrow(`SIGNING_KEY_SECRET does not open the current signing key ${keyId}`);
      await expect(start).rejects.toThrow(`SIGNING_KEY_REPLACE_LOST=${keyId}`);
      // Naming a key that is not the current one replaces nothing.
      await expect(otherApp(t, { SIGNING_KEY_SECRET: WRONG_SECRET, SIGNING_KEY_REPLACE_LOST: 'sm2-0000000000000000' })).rejects.toThrow(
        `does not open the current signing key ${keyId}`,
      );
      expect((await keys()).slice(-1)[0].keyId).toBe(keyId);
    });

    (process.env.TEST_DB === 'mysql' ? it : it.skip)(
      'a service process (node src/main.ts) with the wrong secret exits 1 with that message and no stack; without any secret on MySQL, it says how to make one',
      async () => {
        const [{ keyId }] = (await keys()).slice(-1);
        const start = (env: Record<string, string>) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
              cwd: root,
              env: { PATH: process.env.PATH, DATABASE_URL: databaseUrlOf(t), PORT: '0', LOG_LEVEL: 'error', BCRYPT_COST: '4', ...env },
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let stderr = '';
            child.stderr!.on('data', (d) => (stderr += d));
            child.on('exit', (code) => resolve({ code, stderr }));
          });
        const wrong = await start({ SIGNING_KEY_SECRET: WRONG_SECRET });
        expect(wrong.code).toBe(1);
        expect(wrong.stderr).toContain(`SIGNING_KEY_SECRET does not open the current signing key ${keyId}`);
        expect(wrong.stderr).toContain(`SIGNING_KEY_REPLACE_LOST=${keyId}`);
        expect(wrong.stderr).not.toMatch(/\n\s+at /);
        const none = await start({ SIGNING_KEY_SECRET_FILE: '' });
        expect(none.code).toBe(1);
        expect(none.stderr).toContain('SIGNING_KEY_SECRET is required on MySQL');
        expect(none.stderr).toContain('openssl rand -hex 32');
      },
      300_000,
    );

    it('SIGNING_KEY_REPLACE_LOST=<current keyId> under a new secret: the key is retired, a new one sealed with it signs; old files still verify', async () => {
      // The key to be lost is made now, after the test clock was set, so the old file's SignatureTime (T0) is in its window.
      await rotate();
      const before = await keys();
      const lost = before[before.length - 1];
      const oldFile = await download((await issue()).number);
      expect(keyInfoOf(oldFile)).toBe(lost.keyId);
      // Two processes starting at once with the setting make one new key (MySQL; SQLite serves one process).
      const starting = process.env.TEST_DB === 'mysql' ? 2 : 1;
      const apps = await Promise.all(
        Array.from({ length: starting }, () =>
          otherApp(t, { SIGNING_KEY_SECRET: OTHER_SECRET, SIGNING_KEY_REPLACE_LOST: lost.keyId, BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN }),
        ),
      );
      try {
        const after = await keys(apps[0]);
        expect(after).toHaveLength(before.length + 1);
        expect(after[after.length - 2]).toMatchObject({ keyId: lost.keyId, validTo: expect.any(String) });
        const replacement = after[after.length - 1];
        expect(replacement.validTo).toBeNull();
        const events = (await t.http(ADMIN_TOKEN).get('/v1/audit-events?action=platform.signing_key_replaced').expect(200)).body.items;
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ actor: 'system', objectId: replacement.keyId, before: { keyId: lost.keyId } });
        // The new key signs (through the recovered process); the earlier file still verifies with the retired key.
        const fresh = await download((await issue()).number, apps[0]);
        expect(keyInfoOf(fresh)).toBe(replacement.keyId);
        // (By its PEM: the replacement was made while the new process's manual test clock still read the real time,
        // before it read the shared test clock, so its validFrom is later than the test clock's T0.)
        expect((await run([write(fresh, 'fresh.xml'), '--key', write(replacement.publicKeyPem, 'replacement.pem')])).code).toBe(0);
        expect((await run([write(oldFile, 'old.xml'), '--keys', write(JSON.stringify({ items: after }), 'after-replace.json')])).code).toBe(0);
        // Starting again with the setting left in place replaces nothing more.
        const again = await otherApp(t, { SIGNING_KEY_SECRET: OTHER_SECRET, SIGNING_KEY_REPLACE_LOST: lost.keyId });
        await again.close();
        expect(await keys(apps[0])).toHaveLength(before.length + 1);
        // And the old secret no longer opens the current key: a process with it does not start.
        await expect(otherApp(t, { SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET })).rejects.toThrow(
          `does not open the current signing key ${replacement.keyId}`,
        );
      } finally {
        for (const app of apps) await app.close();
      }
    });

    const run = async (argv: string[]) => ({
      code: await verifyXml(
        argv,
        () => undefined,
        () => undefined,
      ),
    });
  });
});
