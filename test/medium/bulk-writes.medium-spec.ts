import { In } from 'typeorm';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { INSERT_CHUNK, insertRows, STATEMENT_BYTES, updateRows } from '../../src/database/bulk-writes';
import { QuotaMonthEntity } from '../../src/quota/quota.entities';
import { MediumContext, startContext } from '../support/medium';

// The multi-row writes of group commit and batches (issue 7) must store exactly what TypeORM's own
// insert and update store, on both databases: bigint money, booleans, instants, nulls.
describe('insertRows / updateRows', () => {
  let t: MediumContext;
  beforeAll(async () => (t = await startContext()));
  afterAll(() => t.close());

  const month = (taxpayerId: string, total: bigint, adjusted: boolean): QuotaMonthEntity => ({
    taxpayerId,
    period: '2031-05',
    total,
    used: 0n,
    temporaryAdjusted: adjusted,
    temporaryRaise: 0n,
    ledgerSeq: 1n,
    createdAt: new Date('2031-05-01T00:00:01.250Z'),
  });

  it('inserts rows that read back equal, then updates each to its own values in one statement', async () => {
    const em = t.dataSource.manager;
    const rows = [month('BULK00000000000001', 900_719_925_474_099n, false), month('BULK00000000000002', 1n, true), month('BULK00000000000003', 0n, false)];
    await em.transaction((tx) => insertRows(tx, QuotaMonthEntity, rows));
    const ids = rows.map((r) => r.taxpayerId);
    const read = async () => em.find(QuotaMonthEntity, { where: { taxpayerId: In(ids) }, order: { taxpayerId: 'ASC' } });
    expect(await read()).toEqual(rows);

    const changed = [
      { ...rows[0], used: 900_719_925_474_099n, temporaryAdjusted: true, temporaryRaise: 5n, ledgerSeq: 7n },
      { ...rows[2], total: 100n, used: 99n, ledgerSeq: 2n },
    ];
    await em.transaction((tx) =>
      updateRows(tx, QuotaMonthEntity, ['taxpayerId', 'period'], ['total', 'used', 'temporaryAdjusted', 'temporaryRaise', 'ledgerSeq'], changed),
    );
    expect(await read()).toEqual([changed[0], rows[1], changed[1]]); // the row not named is untouched
  });

  it(`splits more than ${INSERT_CHUNK} rows into several statements, and takes rows with nulls`, async () => {
    const at = new Date('2031-05-02T03:04:05.678Z');
    const events: AuditEventEntity[] = Array.from({ length: INSERT_CHUNK + 50 }, (_, i) => ({
      id: `bulk-${String(i).padStart(31, '0')}`,
      at,
      actor: 'system',
      actorRole: null,
      action: 'bulk.test',
      objectType: 'test',
      objectId: String(i),
      taxpayerId: i % 2 ? 'BULK00000000000001' : null,
      before: null,
      after: i % 3 ? JSON.stringify({ i }) : null,
    }));
    await t.dataSource.transaction((tx) => insertRows(tx, AuditEventEntity, events));
    const stored = await t.dataSource.manager.find(AuditEventEntity, { where: { action: 'bulk.test' } });
    expect(stored).toHaveLength(events.length);
    const byId = new Map(stored.map((e) => [e.id, e]));
    for (const e of [events[0], events[1], events[3], events[INSERT_CHUNK + 49]]) expect(byId.get(e.id)).toEqual(e);
  });

  it('goes through TypeORM when a column is set in some rows only, and not otherwise', async () => {
    const at = new Date('2031-05-03T00:00:00.000Z');
    const base = { at, actor: 'system', action: 'bulk.partial', objectType: 'test', objectId: 'x', taxpayerId: null, before: null, after: null };
    const rows = [
      { ...base, id: 'bulk-partial-1', actorRole: 'admin' },
      { ...base, id: 'bulk-partial-2' } as AuditEventEntity, // actorRole left undefined: the column's default (NULL)
    ];
    const inserts: number[] = [];
    await t.dataSource.transaction(async (tx) => {
      const insert = jest.spyOn(tx, 'insert');
      await insertRows(tx, AuditEventEntity, rows);
      inserts.push(insert.mock.calls.length);
      await insertRows(tx, AuditEventEntity, [{ ...base, id: 'bulk-partial-3', actorRole: null }]);
      inserts.push(insert.mock.calls.length);
    });
    expect(inserts).toEqual([1, 1]);
    const stored = await t.dataSource.manager.find(AuditEventEntity, { where: { action: 'bulk.partial' }, order: { id: 'ASC' } });
    expect(stored.map((e) => e.actorRole)).toEqual(['admin', null, null]);
  });

  it(`keeps each statement within about ${STATEMENT_BYTES / 1048576} MiB (mysql2 writes the values into the SQL text)`, async () => {
    const at = new Date('2031-05-04T00:00:00.000Z');
    const after = '票'.repeat(20_000); // 60,000 bytes in UTF-8: within a TEXT column
    const rows: AuditEventEntity[] = Array.from({ length: 80 }, (_, i) => ({
      id: `bulk-big-${String(i).padStart(27, '0')}`,
      at,
      actor: 'system',
      actorRole: null,
      action: 'bulk.big',
      objectType: 'test',
      objectId: String(i),
      taxpayerId: null,
      before: null,
      after,
    }));
    const statements: number[] = [];
    await t.dataSource.transaction(async (tx) => {
      const query = jest.spyOn(tx, 'query');
      await insertRows(tx, AuditEventEntity, rows);
      for (const [sql] of query.mock.calls) statements.push((String(sql).match(/\(\?/g) ?? []).length);
    });
    // 80 rows of ~60 KB (estimated 3 bytes a character): more than one statement, none over the bound.
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.reduce((a, b) => a + b, 0)).toBe(80);
    for (const n of statements) expect(n * 60_000).toBeLessThanOrEqual(STATEMENT_BYTES);
    const stored = await t.dataSource.manager.find(AuditEventEntity, { where: { action: 'bulk.big' } });
    expect(stored).toHaveLength(80);
    expect(stored.every((e) => e.after === after)).toBe(true);
  });
});
