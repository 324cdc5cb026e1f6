import { isDuplicate } from '../../src/database/db-errors';
import { Db } from '../../src/database/db.service';
import { QuotaApplicationsRepository } from '../../src/quota/quota-applications.repository';
import { QuotaMonthsRepository } from '../../src/quota/quota-months.repository';
import { QuotaApplicationEntity, QuotaMonthEntity } from '../../src/quota/quota.entities';
import { QuotaService } from '../../src/quota/quota.service';
import { VatFilingsRepository } from '../../src/quota/vat-filings.repository';
import { MediumContext, startWithDb } from '../support/medium';

// The quota repositories outside the months: an application is decided once (a conditional UPDATE
// from pending, DESIGN.md), a filing is recorded once, and issuing reads the next month's filing
// inside its own transaction (SPEC 4, "Declaration window": at the turn of the month).
describe('quota repositories', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => ({ ctx, db } = await startWithDb()));
  afterAll(() => ctx.close());

  const application = (id: string): QuotaApplicationEntity => ({
    id,
    taxpayerId: 'MEDIUMQ00000000001',
    period: '2023-07',
    requestedTotal: 500_000n,
    reason: 'more sales',
    status: 'pending',
    decidedBy: null,
    decisionReason: null,
    createdAt: new Date('2023-07-03T01:00:00Z'),
    decidedAt: null,
  });
  const decision = (status: 'approved' | 'rejected', by: string) => ({
    status,
    decidedBy: by,
    decisionReason: null,
    decidedAt: new Date('2023-07-04T01:00:00Z'),
  });

  it('an application is decided once: a second decision, even a concurrent one, changes nothing', async () => {
    const applications = ctx.get(QuotaApplicationsRepository);
    const id = '00000000-0000-4000-8000-000000000001';
    await db.transaction((em) => applications.insert(em, application(id)));
    const answers = await Promise.all([
      db.transaction((em) => applications.decide(em, id, decision('approved', 'officer:a'))),
      db.transaction((em) => applications.decide(em, id, decision('rejected', 'officer:b'))),
    ]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    const winner = answers[0] ? { status: 'approved', decidedBy: 'officer:a' } : { status: 'rejected', decidedBy: 'officer:b' };
    expect(await applications.find(id)).toMatchObject(winner);
    expect(await db.transaction((em) => applications.decide(em, id, decision('rejected', 'officer:c')))).toBe(false);
    expect(await applications.find(id)).toMatchObject(winner);
  });

  it('a filing is recorded once, and a transaction sees its own before it commits', async () => {
    const filings = ctx.get(VatFilingsRepository);
    const row = { taxpayerId: 'MEDIUMQ00000000002', period: '2023-Q2', filedAt: new Date('2023-07-10T01:00:00Z'), actor: 'medium' };
    const seen = await db.transaction(async (em) => {
      const before = await filings.exists(row.taxpayerId, row.period, em);
      await filings.insert(em, row);
      return { before, after: await filings.exists(row.taxpayerId, row.period, em) };
    });
    expect(seen).toEqual({ before: false, after: true });
    const error = await db.transaction((em) => filings.insert(em, { ...row, actor: 'twin' })).catch((e: unknown) => e);
    expect(isDuplicate(error)).toBe(true);
    expect(await filings.get(row.taxpayerId, row.period)).toMatchObject({ actor: 'medium' });
  });

  // July's last invoice arrives after August has issued 5,000 while in its window (July not filed):
  // August may use only July's remaining, so July must keep at least 5,000 of its 100,000.
  it("at the turn of the month, the next month's window is read inside the consuming transaction", async () => {
    const quota = ctx.get(QuotaService);
    const months = ctx.get(QuotaMonthsRepository);
    const filings = ctx.get(VatFilingsRepository);
    const taxpayerId = 'MEDIUMQ00000000003';
    const month = (period: string, used: bigint): QuotaMonthEntity => ({
      taxpayerId,
      period,
      total: 100_000n,
      used,
      temporaryAdjusted: false,
      temporaryRaise: 0n,
      ledgerSeq: 1n,
      createdAt: new Date('2023-07-01T00:00:00Z'),
    });
    await db.transaction(async (em) => {
      await months.insert(em, month('2023-07', 90_000n));
      await months.insert(em, month('2023-08', 5_000n));
    });
    const item = {
      context: { taxpayerId, period: '2023-07', inWindow: false, eligible: false, nextWindowFiling: '2023-07' },
      amount: 8_000n,
      ref: 'late July invoice',
      actor: 'medium',
    };
    const [refused] = await db.transaction((em) => quota.consumeMany(em, [item]));
    expect(refused.refusal?.code).toBe('QUOTA_EXCEEDED');
    expect(await months.get({ taxpayerId, period: '2023-07' })).toMatchObject({ used: 90_000n });

    // Filed in the same transaction, before the months are decided: August leaves its window.
    const [accepted] = await db.transaction(async (em) => {
      await filings.insert(em, { taxpayerId, period: '2023-07', filedAt: new Date('2023-08-02T01:00:00Z'), actor: 'medium' });
      return quota.consumeMany(em, [item]);
    });
    expect(accepted.refusal).toBeNull();
    expect(await months.get({ taxpayerId, period: '2023-07' })).toMatchObject({ used: 98_000n });
  });
});
