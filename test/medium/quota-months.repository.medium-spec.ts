import { Db } from '../../src/database/db.service';
import { QuotaMonthsRepository } from '../../src/quota/quota-months.repository';
import { QuotaMonthEntity } from '../../src/quota/quota.entities';
import { MediumContext, startContext } from '../support/medium';

// DESIGN.md: correctness under concurrency comes from the database: conditional UPDATEs and rows
// locked before they are written, never read-then-write. SPEC 4: "used" never exceeds the total,
// and what is given back (a same-month red) cannot make "used" negative.
describe('QuotaMonthsRepository', () => {
  let ctx: MediumContext;
  let months: QuotaMonthsRepository;
  let db: Db;
  beforeAll(async () => {
    ctx = await startContext();
    months = ctx.get(QuotaMonthsRepository);
    db = ctx.get(Db);
  });
  afterAll(() => ctx.close());

  const row = (taxpayerId: string, period: string, total: bigint, used: bigint): QuotaMonthEntity => ({
    taxpayerId,
    period,
    total,
    used,
    temporaryAdjusted: false,
    temporaryRaise: 0n,
    ledgerSeq: 1n,
    createdAt: new Date('2023-07-01T00:00:00Z'),
  });

  it('giveBack gives back at most what is used, and counts a ledger entry for what it gave', async () => {
    const key = { taxpayerId: 'MEDIUM000000000001', period: '2023-07' };
    await db.transaction((em) => months.insert(em, row(key.taxpayerId, key.period, 100_000n, 30_000n)));
    expect(await db.transaction((em) => months.giveBack(em, key, 30_001n))).toBe(false);
    expect(await months.get(key)).toMatchObject({ used: 30_000n, ledgerSeq: 1n });
    expect(await db.transaction((em) => months.giveBack(em, key, 30_000n))).toBe(true);
    expect(await months.get(key)).toMatchObject({ used: 0n, ledgerSeq: 2n });
  });

  it('replaceTotal never sets a total below what is used', async () => {
    const key = { taxpayerId: 'MEDIUM000000000002', period: '2023-07' };
    await db.transaction((em) => months.insert(em, row(key.taxpayerId, key.period, 100_000n, 60_000n)));
    expect(await db.transaction((em) => months.replaceTotal(em, key, 59_999n))).toBe(false);
    expect(await db.transaction((em) => months.replaceTotal(em, key, 60_000n))).toBe(true);
    expect(await months.get(key)).toMatchObject({ total: 60_000n, used: 60_000n, ledgerSeq: 2n });
  });

  it('lock answers the months asked for (a required one must exist), and saveLocked writes back only those changed', async () => {
    const a = { taxpayerId: 'MEDIUM000000000003', period: '2023-06' };
    const b = { taxpayerId: 'MEDIUM000000000003', period: '2023-07' };
    const missing = { taxpayerId: 'MEDIUM000000000003', period: '2023-08' };
    await db.transaction(async (em) => {
      await months.insert(em, row(a.taxpayerId, a.period, 100n, 10n));
      await months.insert(em, row(b.taxpayerId, b.period, 200n, 20n));
    });
    await expect(db.transaction((em) => months.lock(em, [a, missing]))).rejects.toThrow(/no quota row for MEDIUM000000000003:2023-08/);
    await db.transaction(async (em) => {
      const locked = await months.lock(em, [b], [a, missing]);
      expect([...locked.keys()]).toEqual(['MEDIUM000000000003:2023-06', 'MEDIUM000000000003:2023-07']);
      const june = locked.get('MEDIUM000000000003:2023-06')!;
      const july = locked.get('MEDIUM000000000003:2023-07')!;
      Object.assign(july, { used: 150n, ledgerSeq: 2n, changed: true });
      june.used = 99n; // changed in memory but not marked: not written
      await months.saveLocked(em, [...locked.values()]);
    });
    expect(await months.get(a)).toMatchObject({ used: 10n, ledgerSeq: 1n });
    expect(await months.get(b)).toMatchObject({ used: 150n, ledgerSeq: 2n });
    expect(await months.some(a.taxpayerId, [a.period, b.period, missing.period])).toHaveLength(2);
  });
});
