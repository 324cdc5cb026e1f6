import { isDuplicate } from '../../src/database/db-errors';
import { Db } from '../../src/database/db.service';
import { SignedXmlRepository } from '../../src/rendering/signed-xml.repository';
import { SigningKeysRepository } from '../../src/rendering/signing-keys.repository';
import { InvoiceSignedXmlEntity, PlatformSigningKeyEntity } from '../../src/rendering/signing.entities';
import { MediumContext, startWithDb } from '../support/medium';

// SPEC 8: the current signing key is the one with the highest seq; a seq is taken once (two
// rotations at once make one key), and an invoice's XML is stored once (the first render keeps it).
describe('signing repositories', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => ({ ctx, db } = await startWithDb()));
  afterAll(() => ctx.close());

  const key = (keyId: string, seq: number): PlatformSigningKeyEntity => ({
    keyId,
    seq,
    algorithm: 'SM2',
    publicKeyHex: '04'.padEnd(130, '0'),
    privateKeySealed: 'sealed',
    validFrom: new Date('2026-07-01T00:00:00Z'),
    validTo: null,
  });

  it('a seq is taken once; the latest key is the highest seq, and closing it closes it once', async () => {
    const keys = ctx.get(SigningKeysRepository);
    const top = (await keys.latest())?.seq ?? 0;
    await db.transaction((em) => keys.insert(em, key('sm2-medium000000001', top + 1)));
    const taken = await db.transaction((em) => keys.insert(em, key('sm2-medium000000002', top + 1))).catch((e: unknown) => e);
    expect(isDuplicate(taken)).toBe(true);
    expect(await keys.latest()).toMatchObject({ keyId: 'sm2-medium000000001', validTo: null });
    const closedAt = new Date('2026-07-02T00:00:00Z');
    await db.transaction((em) => keys.close(em, 'sm2-medium000000001', closedAt));
    await db.transaction((em) => keys.close(em, 'sm2-medium000000001', new Date('2026-07-03T00:00:00Z')));
    expect(await keys.find('sm2-medium000000001')).toMatchObject({ validTo: closedAt });
    expect((await keys.all()).map((k) => k.seq)).toEqual([...Array(top + 1).keys()].map((i) => i + 1));
  });

  it("an invoice's XML is stored once, and read back as its chunks in order", async () => {
    const xml = ctx.get(SignedXmlRepository);
    const chunk = (chunkNo: number, data: string): InvoiceSignedXmlEntity => ({
      invoiceNumber: '26220000000000000099',
      chunkNo,
      keyId: 'sm2-medium000000001',
      signedAt: new Date('2026-07-01T00:00:00Z'),
      data: Buffer.from(data),
    });
    expect(await xml.chunksOf('26220000000000000099')).toEqual([]);
    await db.transaction((em) => xml.insert(em, [chunk(0, '<a>'), chunk(1, '</a>')]));
    const second = await db.transaction((em) => xml.insert(em, [chunk(0, '<b>'), chunk(1, '</b>')])).catch((e: unknown) => e);
    expect(isDuplicate(second)).toBe(true);
    const stored = await xml.chunksOf('26220000000000000099');
    expect(Buffer.concat(stored.map((c) => Buffer.from(c.data))).toString()).toBe('<a></a>');
  });
});
