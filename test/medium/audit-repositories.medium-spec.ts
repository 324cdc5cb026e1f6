import { AuditChainRepository } from '../../src/audit/audit-chain.repository';
import { AuditChainService, GENESIS, linkHash } from '../../src/audit/audit-chain.service';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { AuditEventsRepository } from '../../src/audit/audit-events.repository';
import { timeOrderedId } from '../../src/audit/audit.service';
import { isDuplicate } from '../../src/database/db-errors';
import { Db } from '../../src/database/db.service';
import { takeNamedLock, releaseNamedLock } from '../../src/database/named-locks';
import { IdempotencyKeysRepository } from '../../src/idempotency/idempotency-keys.repository';
import { MediumContext, startContext } from '../support/medium';

// The audit and idempotency repositories on a real database: which events the chain covers, the
// sealer's exclusion across processes, and an Idempotency-Key's record (inserted once, amended
// only for its own request, swept when old).
describe('audit and idempotency repositories', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => {
    // The background sealer stands still: these tests link events themselves.
    jest.spyOn(AuditChainService.prototype, 'seal').mockResolvedValue(0);
    ctx = await startContext();
    db = ctx.get(Db);
  });
  afterAll(async () => {
    await ctx.close();
    jest.restoreAllMocks();
  });

  const event = (id: string, objectId: string): AuditEventEntity => ({
    id,
    at: new Date('2023-07-03T01:00:00Z'),
    actor: 'system',
    actorRole: null,
    action: 'medium.tested',
    objectType: 'medium',
    objectId,
    taxpayerId: null,
    before: null,
    after: JSON.stringify({ objectId }),
  });

  it('the chain covers the events it links: the rest are unlinked, in id order, from the floor given', async () => {
    const events = ctx.get(AuditEventsRepository);
    const chain = ctx.get(AuditChainRepository);
    const base = Date.parse('2030-01-01T00:00:00Z'); // after every event the app itself wrote
    const rows = [2, 0, 1].map((i) => event(timeOrderedId(base + i), `e${i}`));
    await db.transaction((em) => events.append(em, rows));
    const from = rows[1].id; // the oldest of the three
    expect((await chain.unlinked(from, 10)).map((e) => e.objectId)).toEqual(['e0', 'e1', 'e2']);
    expect((await chain.unlinked(rows[2].id, 10)).map((e) => e.objectId)).toEqual(['e1', 'e2']);

    const head = await chain.head();
    const seq = head?.seq ?? 0n;
    const first = (await chain.unlinked(from, 1))[0];
    const link = { seq: seq + 1n, eventId: first.id, prevHash: head?.hash ?? GENESIS, hash: linkHash(head?.hash ?? GENESIS, first), sealedAt: new Date() };
    await db.transaction((em) => chain.append(em, [link]));

    expect(await chain.head()).toMatchObject({ seq: link.seq, eventId: first.id, hash: link.hash });
    expect(await chain.link(link.seq)).toMatchObject({ eventId: first.id });
    expect((await chain.linksAfter(seq, 10)).map((l) => l.eventId)).toEqual([first.id]);
    expect((await chain.unlinked(from, 10)).map((e) => e.objectId)).toEqual(['e1', 'e2']);
    const coverage = await chain.coverage(from, null, null, 10);
    expect(coverage.map((c) => [c.id, c.seq === null || c.seq === undefined ? null : String(c.seq)])).toEqual([
      [rows[1].id, String(link.seq)],
      [rows[2].id, null],
      [rows[0].id, null],
    ]);
    expect((await chain.coverage(from, null, rows[1].id, 10)).map((c) => c.id)).toEqual([rows[2].id, rows[0].id]);
    // Bounded above (exclusive): the window of a verification that stopped short of the head.
    expect((await chain.coverage(from, rows[0].id, null, 10)).map((c) => c.id)).toEqual([rows[1].id, rows[2].id]);
    expect((await chain.coverage(from, rows[0].id, rows[1].id, 10)).map((c) => c.id)).toEqual([rows[2].id]);
    expect(await chain.coverage(from, from, null, 10)).toEqual([]);
    expect((await events.byIds([rows[0].id, rows[2].id])).map((e) => e.objectId).sort()).toEqual(['e1', 'e2']);
  });

  const onMysql = process.env.TEST_DB === 'mysql' ? it : it.skip;
  onMysql('one sealer at a time: while another connection holds the seal lock, a sealer does not run', async () => {
    const chain = ctx.get(AuditChainRepository);
    const other = ctx.dataSource.createQueryRunner();
    try {
      expect(await takeNamedLock(other, 'einvoice_audit_seal', 0)).toBe(true);
      const work = jest.fn(async () => 1);
      expect(await chain.asSoleSealer(work)).toBeNull();
      expect(work).not.toHaveBeenCalled();
      await releaseNamedLock(other, 'einvoice_audit_seal');
      expect(await chain.asSoleSealer(work)).toBe(1);
    } finally {
      await other.release();
    }
  });

  it("an Idempotency-Key's record: inserted once, amended for its own request only, swept when old", async () => {
    const keys = ctx.get(IdempotencyKeysRepository);
    const row = (id: string, createdAt: Date) => ({ id, requestHash: 'h'.repeat(64), status: -201, body: JSON.stringify({ n: 1 }), createdAt });
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    await db.transaction((em) => keys.insert(em, [row(a, new Date('2023-07-01T00:00:00Z')), row(b, new Date('2023-07-03T00:00:00Z'))]));
    const again = await db.transaction((em) => keys.insert(em, [row(a, new Date())])).catch((e: unknown) => e);
    expect(isDuplicate(again)).toBe(true);
    expect((await keys.existing([a, b, 'c'.repeat(64)])).sort()).toEqual([a, b]);

    await db.transaction((em) => keys.amend(em, a, 'x'.repeat(64), { status: 201, body: JSON.stringify({ n: 2 }) }));
    expect(await keys.find(a)).toMatchObject({ status: -201 }); // another request's hash: unchanged
    await db.transaction((em) => keys.amend(em, a, 'h'.repeat(64), { status: 201, body: JSON.stringify({ n: 2 }) }));
    expect(await keys.find(a)).toMatchObject({ status: 201 });

    expect(await db.transaction((em) => keys.deleteBefore(em, new Date('2023-07-02T00:00:00Z')))).toBe(1);
    expect(await keys.existing([a, b])).toEqual([b]);
    expect(await keys.find(a)).toBeNull();
  });
});
