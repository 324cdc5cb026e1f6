import { AuditChainService } from '../../src/audit/audit-chain.service';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { timeOrderedId } from '../../src/audit/audit.service';
import { AuditCheckpointEntity } from '../../src/audit/audit-verification.entities';
import { AuditVerifications } from '../../src/audit/audit-verifications.service';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// Issue 6, "Audit record": append-only, hash-chained events; GET /v1/audit-events/verify answers
// whether the chain is intact and where it breaks.
const invoice = {
  type: 'ordinary',
  buyer: { name: '个人' },
  lines: [{ name: '咨询', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount: '100.00', taxRate: '0.06' }],
};

async function activity(t: TestApp) {
  await setClock(t, '2023-07-20T09:00:00+08:00');
  const a = await registerTaxpayer(t);
  const b = await registerTaxpayer(t);
  for (let i = 0; i < 5; i++) await t.http(a.token).post('/v1/invoices').send(invoice).expect(201);
  await t.http(b.token).post('/v1/invoices').send(invoice).expect(201);
  return { a, b };
}

/** A new app with the activity above and a tax officer's key. */
async function appWithActivity() {
  const t = await startApp();
  const parties = await activity(t);
  return { t, parties, officer: await apiKey(t, 'tax_officer') };
}

// The chain and its checkpoints belong to the whole app (a verification leaves a checkpoint that
// the next one starts from): in this file each test has an app of its own.
describe('audit chain', () => {
  let t: TestApp;
  let officer: string;
  let parties: Awaited<ReturnType<typeof activity>>;
  beforeEach(async () => ({ t, parties, officer } = await appWithActivity()));
  afterEach(() => t.close());

  const verify = async () => (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;

  it('an untouched chain verifies, covering every event', async () => {
    const report = await verify();
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    expect(report).toMatchObject({ intact: true, brokenAt: null, unsealed: 0 });
    expect(report.checked).toBe(Number(n));
    expect(report.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists events oldest first (by business time, then id) with their chain position; a taxpayer sees only its own', async () => {
    await t.app.get(AuditChainService).seal();
    const all = await t.http(officer).get('/v1/audit-events?limit=500').expect(200);
    // The chain is in the order events were recorded; the list in business time (the test clock
    // was set after the service recorded its first events, so the two orders differ here).
    const times = all.body.items.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const seqs = all.body.items.map((e: { seq: number }) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.body.items.every((e: { hash: string }) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
    // A date range: exactly the events within it, in the same order.
    const from = all.body.items[2].at;
    const to = all.body.items[all.body.items.length - 3].at;
    // `at` is shown to the second: the range ends at the last millisecond of `to`'s second.
    const toEnd = to.replace('+08:00', '.999+08:00');
    const ranged = await t
      .http(officer)
      .get(`/v1/audit-events?limit=500&from=${encodeURIComponent(from)}&to=${encodeURIComponent(toEnd)}`)
      .expect(200);
    const within = all.body.items.filter((e: { at: string }) => Date.parse(e.at) >= Date.parse(from) && Date.parse(e.at) <= Date.parse(to));
    expect(ranged.body.items.map((e: { id: string }) => e.id)).toEqual(within.map((e: { id: string }) => e.id));
    const mine = await t.http(parties.a.token).get('/v1/audit-events?limit=500').expect(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((e: { taxpayerId: string }) => e.taxpayerId === parties.a.taxId)).toBe(true);
    const issued = await t.http(parties.a.token).get('/v1/audit-events?action=invoice.issued').expect(200);
    expect(issued.body.items).toHaveLength(5);
    expect((await t.http(parties.a.token).get(`/v1/audit-events?taxId=${parties.b.taxId}`).expect(200)).body.items).toEqual([]);
    // Paging walks every item once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t
        .http(officer)
        .get(`/v1/audit-events?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((e: { id: string }) => e.id));
  });

  it('only unscoped auditors and tax officers (and admins) verify the whole chain', async () => {
    await t.http(parties.a.token).get('/v1/audit-events/verify').expect(403);
    await t
      .http(await apiKey(t, 'auditor', parties.a.taxId))
      .get('/v1/audit-events/verify')
      .expect(403);
    await t
      .http(await apiKey(t, 'auditor'))
      .get('/v1/audit-events/verify')
      .expect(200);
    await t.http(ADMIN_TOKEN).get('/v1/audit-events/verify').expect(200);
  });
});

describe.each([
  ['an edited event', 'UPDATE audit_events SET `after` = \'{"totalAmount":"1.00"}\' WHERE id = ?', /edited/],
  ['a deleted event', 'DELETE FROM audit_events WHERE id = ?', /deleted/],
  ['a deleted chain link', 'DELETE FROM audit_chain WHERE event_id = ?', /missing/],
])('tampering: %s', (_what, sql, reason) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
    await activity(t);
  });
  afterAll(() => t.close());

  it('is reported, with the link where the chain breaks', async () => {
    await t.app.get(AuditChainService).seal();
    const links: { seq: string; event_id: string }[] = await t.dataSource.query('SELECT seq, event_id FROM audit_chain ORDER BY seq');
    const target = links[Math.floor(links.length / 2)];
    await t.dataSource.query(sql, [target.event_id]);
    const officer = await apiKey(t, 'tax_officer');
    const report = (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;
    expect(report.intact).toBe(false);
    expect(report.brokenAt.seq).toBe(Number(target.seq));
    expect(report.brokenAt.reason).toMatch(reason);
    expect(report.checked).toBe(Number(target.seq) - 1);
  });
});

// Issue 17 item 4 (verification that scales) and issue 11 item 15 (events the sealer never seals).
describe('audit verification: signed checkpoints, full runs in the background', () => {
  let t: TestApp;
  let officer: string;
  beforeEach(async () => ({ t, officer } = await appWithActivity()));
  afterEach(() => t.close());

  const verify = async () => (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;
  const fullRun = async () => {
    const started = await t.http(officer).post('/v1/audit-events/verifications').expect(202);
    expect(started.body).toMatchObject({ id: expect.any(String), status: 'running', report: null });
    await t.app.get(AuditVerifications).idle();
    const done = (await t.http(officer).get(`/v1/audit-events/verifications/${started.body.id}`).expect(200)).body;
    expect(done.finishedAt).not.toBeNull();
    return done;
  };
  const more = async () => {
    const b = await registerTaxpayer(t);
    for (let i = 0; i < 3; i++) await t.http(b.token).post('/v1/invoices').send(invoice).expect(201);
  };

  it('verifies from the newest signed checkpoint: the second run reads only the links sealed since', async () => {
    const first = await verify();
    expect(first).toMatchObject({ intact: true, fromCheckpoint: null, complete: true, overdue: 0 });
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_chain');
    expect(first.checked).toBe(Number(n));
    await more();
    const second = await verify();
    expect(second.fromCheckpoint).toMatchObject({ seq: first.head.seq, hash: first.head.hash });
    expect(second.intact).toBe(true);
    expect(second.head.seq).toBe(first.head.seq + second.checked);
    expect(second.checked).toBeGreaterThan(0);
    expect(second.checked).toBeLessThan(first.checked);
    const [{ c }] = await t.dataSource.query('SELECT COUNT(*) AS c FROM audit_checkpoints');
    expect(Number(c)).toBe(2);
  });

  it('ignores a checkpoint whose signature does not hold (forged in the table)', async () => {
    const before = await verify();
    await t.dataSource.manager.insert(AuditCheckpointEntity, {
      seq: BigInt(before.head.seq + 1000),
      hash: 'f'.repeat(64),
      signature: '0'.repeat(64),
      keyId: 'forged',
      createdAt: new Date(),
    });
    const after = await verify();
    expect(after.intact).toBe(true);
    expect(after.fromCheckpoint.seq).toBe(before.head.seq);
    await t.dataSource.query('DELETE FROM audit_checkpoints WHERE key_id = ?', ['forged']);
  });

  it('a full run in the background re-verifies from the first link, with readable progress', async () => {
    const done = await fullRun();
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_chain');
    expect(done).toMatchObject({ status: 'intact', checked: Number(n), total: Number(n), progress: 1 });
    expect(done.report).toMatchObject({ intact: true, checked: Number(n), brokenAt: null, overdue: 0 });
    await t.http(officer).get('/v1/audit-events/verifications/00000000-0000-0000-0000-000000000000').expect(404);
    const scoped = await apiKey(t, 'auditor', (await registerTaxpayer(t)).taxId);
    await t.http(scoped).post('/v1/audit-events/verifications').expect(403);
  });

  it('tampering before a checkpoint: the incremental verify does not reread it, the full run finds it', async () => {
    await more();
    await verify(); // checkpoint at the head
    const [target] = await t.dataSource.query('SELECT seq, event_id FROM audit_chain WHERE seq = 3');
    await t.dataSource.query('UPDATE audit_events SET `after` = \'{"forged":true}\' WHERE id = ?', [target.event_id]);
    const incremental = await verify();
    expect(incremental.intact).toBe(true); // it starts after the edit: that is what checkpoints are for
    expect(incremental.fromCheckpoint.seq).toBeGreaterThan(3);
    const done = await fullRun();
    expect(done.status).toBe('broken');
    expect(done.report.brokenAt).toMatchObject({ seq: 3, eventId: target.event_id, reason: expect.stringMatching(/edited/) });
    expect(done.checked).toBe(2);
  });
});

describe('audit verification: a forged, back-dated event the sealer never seals (issue 11 item 15)', () => {
  let t: TestApp;
  let officer: string;
  beforeEach(async () => ({ t, officer } = await appWithActivity()));
  afterEach(() => t.close());

  /** An event written straight into the table, by nobody the service knows, outside the chain. */
  const writeEvent = (id: string, at: Date, e: { action: string; objectType: string; objectId: string }) =>
    t.dataSource.manager.insert(AuditEventEntity, { id, at, actor: 'system', actorRole: null, ...e, taxpayerId: null, before: null, after: null });

  /** Seals the chain, then writes an event dated a day back straight into the table: the sealer never seals it. */
  async function forgeBackDated(): Promise<string> {
    await t.app.get(AuditChainService).seal();
    const id = timeOrderedId(Date.now() - 24 * 3600_000);
    await writeEvent(id, new Date('2023-07-01T00:00:00Z'), { action: 'invoice.voided', objectType: 'invoice', objectId: '23222000000000000001' });
    return id;
  }

  it('makes verify and the full run say not intact, naming the event', async () => {
    const id = await forgeBackDated();
    const report = (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;
    expect(report).toMatchObject({ intact: false, overdue: 1, brokenAt: { seq: null, eventId: id, reason: expect.stringMatching(/never sealed/) } });
    const [{ c }] = await t.dataSource.query('SELECT COUNT(*) AS c FROM audit_checkpoints');
    expect(Number(c)).toBe(0); // a failed verification records no checkpoint
    const started = await t.http(officer).post('/v1/audit-events/verifications').expect(202);
    await t.app.get(AuditVerifications).idle();
    const done = (await t.http(officer).get(`/v1/audit-events/verifications/${started.body.id}`).expect(200)).body;
    expect(done.status).toBe('broken');
    expect(done.report).toMatchObject({ intact: false, overdue: 1, brokenAt: { eventId: id } });
  });

  it('an event just written and not yet sealed is pending, not a failure', async () => {
    await forgeBackDated();
    const stop = jest.spyOn(AuditChainService.prototype, 'seal').mockResolvedValue(0);
    try {
      await writeEvent(timeOrderedId(), new Date(), { action: 'test.pending', objectType: 'test', objectId: 'x' });
      const report = (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;
      expect(report.unsealed).toBeGreaterThanOrEqual(1);
      expect(report.overdue).toBe(1); // only the forged, back-dated one
    } finally {
      stop.mockRestore();
    }
  });
});
