import { AuditChainService, ChainReport } from '../../src/audit/audit-chain.service';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { timeOrderedId } from '../../src/audit/audit.service';
import { AuditCheckpointEntity } from '../../src/audit/audit-verification.entities';
import { AuditVerifications } from '../../src/audit/audit-verifications.service';
import { createApp } from '../../src/app';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp, testConfig } from '../support/test-app';
import request from 'supertest';

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
async function appWithActivity(env: Record<string, string> = {}) {
  const t = await startApp(env);
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

// Issue 17 item 4: a call that stops short of the head records its checkpoint too, so successive
// calls walk a long chain; the events each call answers for are checked before it records one.
describe('audit verification: a chain longer than one call (AUDIT_VERIFY_LINKS_PER_REQUEST)', () => {
  const L = 4;
  const env = { AUDIT_VERIFY_LINKS_PER_REQUEST: String(L), AUDIT_CHECKPOINT_KEY: 'audit-checkpoint-key-for-tests-0123456789' };
  let t: TestApp;
  let officer: string;
  beforeEach(async () => ({ t, officer } = await appWithActivity(env)));
  afterEach(() => t.close());

  const verify = async () => (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;
  const fullRun = async () => {
    const started = await t.http(officer).post('/v1/audit-events/verifications').expect(202);
    await t.app.get(AuditVerifications).idle();
    return (await t.http(officer).get(`/v1/audit-events/verifications/${started.body.id}`).expect(200)).body;
  };
  const chainLength = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_chain'))[0].n);
  const checkpoints = async () =>
    ((await t.dataSource.query('SELECT seq, hash FROM audit_checkpoints ORDER BY seq')) as { seq: string; hash: string }[]).map((c) => ({
      seq: Number(c.seq),
      hash: c.hash,
    }));
  const link = async (seq: number) =>
    ((await t.dataSource.query('SELECT seq, event_id, hash FROM audit_chain WHERE seq = ?', [seq])) as { event_id: string; hash: string }[])[0];

  it('successive calls each continue from the checkpoint the last one recorded; the last reaches the head', async () => {
    await t.app.get(AuditChainService).seal();
    const n = await chainLength();
    expect(n).toBeGreaterThan(3 * L);
    const answers: ChainReport[] = [];
    for (let i = 0; i < n && !answers.at(-1)?.complete; i++) answers.push(await verify());
    expect(answers).toHaveLength(Math.ceil(n / L));
    answers.forEach((r, i) => {
      expect(r).toMatchObject({ intact: true, brokenAt: null, overdue: 0, chainHead: n, complete: i === answers.length - 1 });
      expect(r.fromCheckpoint).toEqual(i === 0 ? null : { ...answers[i - 1].head, at: expect.any(String) });
      expect(r.checked).toBe(Math.min(L, n - i * L));
      expect(r.head!.seq).toBe(i * L + r.checked);
    });
    expect(answers.at(-1)!.head!.seq).toBe(n);
    // One signed checkpoint per call, at the link it got to.
    expect(await checkpoints()).toEqual(answers.map((r) => r.head));
    const again = await verify();
    expect(again).toMatchObject({ intact: true, checked: 0, complete: true, fromCheckpoint: { seq: n } });
  });

  it('a link rewritten ahead of the progress point is found by the next call; one in a range a call vouched for, by the full run', async () => {
    await t.app.get(AuditChainService).seal();
    const first = await verify();
    expect(first).toMatchObject({ intact: true, complete: false, head: { seq: L } });
    // Behind the checkpoint: the event of link 2 rewritten. Ahead of it: link L + 2 no longer continues the chain.
    const behind = await link(2);
    await t.dataSource.query('UPDATE audit_events SET `after` = \'{"forged":true}\' WHERE id = ?', [behind.event_id]);
    const ahead = await link(L + 2);
    await t.dataSource.query('UPDATE audit_chain SET prev_hash = ? WHERE seq = ?', ['0'.repeat(64), L + 2]);
    for (let i = 0; i < 2; i++) {
      const next = await verify(); // a broken run records nothing: the one after starts from the same checkpoint
      expect(next).toMatchObject({ intact: false, checked: 1, fromCheckpoint: { seq: L }, head: { seq: L + 1 }, complete: false });
      expect(next.brokenAt).toEqual({ seq: L + 2, eventId: ahead.event_id, reason: expect.stringMatching(/prev_hash/) });
    }
    expect((await checkpoints()).map((c) => c.seq)).toEqual([L]);
    const done = await fullRun();
    expect(done.status).toBe('broken');
    expect(done.report.brokenAt).toMatchObject({ seq: 2, eventId: behind.event_id, reason: expect.stringMatching(/edited/) });
  });

  it('a forged event the sealer never sealed, inside the range a call answers for, makes that call not intact', async () => {
    const chain = t.app.get(AuditChainService);
    await chain.seal();
    // Links whose events are ten minutes apart (ids from an hour ahead, after every real event), so
    // the ranges successive calls answer for (each up to five minutes before its last link's
    // event) hold ids in between. Nothing else writes events from here on.
    const MIN = 60_000;
    const base = Date.now() + 60 * MIN;
    for (let k = 0; k < 4 * L; k++) {
      await t.dataSource.manager.insert(AuditEventEntity, {
        id: timeOrderedId(base + k * 10 * MIN),
        at: new Date(),
        actor: 'system',
        actorRole: null,
        action: 'test.spaced',
        objectType: 'test',
        objectId: String(k),
        taxpayerId: null,
        before: null,
        after: null,
      });
    }
    await chain.seal();
    const n = await chainLength();
    const idAt = async (seq: number) => (await link(seq)).event_id;
    // Walk until the checkpoint is on a spaced link with two calls' worth of links after it.
    let p = 0;
    for (let calls = 0; ; calls++) {
      expect(calls).toBeLessThan(n); // each call moves on
      const r = await verify();
      expect(r.intact).toBe(true);
      p = r.head.seq;
      if ((await idAt(p)) >= timeOrderedId(base).slice(0, 13) && p + 2 * L <= n) break;
      expect(r.complete).toBe(false);
    }
    // Dated a minute before link p + 1's event: inside [reach of link p, reach of link p + L), the
    // range the next call answers for, and long below the sealer's reach (the head is far on).
    const forged = timeOrderedId(parseInt((await idAt(p + 1)).replace(/-/g, '').slice(0, 12), 16) - MIN);
    await t.dataSource.manager.insert(AuditEventEntity, {
      id: forged,
      at: new Date('2023-07-01T00:00:00Z'),
      actor: 'system',
      actorRole: null,
      action: 'invoice.voided',
      objectType: 'invoice',
      objectId: '23222000000000000001',
      taxpayerId: null,
      before: null,
      after: null,
    });
    const before = await checkpoints();
    for (let i = 0; i < 2; i++) {
      const r = await verify();
      expect(r).toMatchObject({ intact: false, overdue: 1, complete: false, fromCheckpoint: { seq: p }, head: { seq: p + L } });
      expect(r.brokenAt).toEqual({ seq: null, eventId: forged, reason: expect.stringMatching(/never sealed/) });
    }
    expect(await checkpoints()).toEqual(before); // it vouches for nothing
    const done = await fullRun();
    expect(done.report).toMatchObject({ intact: false, brokenAt: { eventId: forged } });
  });

  it("the checkpointed link's own event rewritten is a break for the call that starts there", async () => {
    await t.app.get(AuditChainService).seal();
    const first = await verify();
    const at = await link(first.head.seq);
    await t.dataSource.query('UPDATE audit_events SET `after` = \'{"forged":true}\' WHERE id = ?', [at.event_id]);
    const next = await verify();
    expect(next).toMatchObject({ intact: false, checked: 0, fromCheckpoint: { seq: L } });
    expect(next.brokenAt).toEqual({ seq: L, eventId: at.event_id, reason: expect.stringMatching(/checkpointed link's event/) });
  });

  it('calls at once, in two processes on one database, record only links they verified themselves', async () => {
    await t.app.get(AuditChainService).seal();
    const n = await chainLength();
    const other = await createApp(testConfig(t.databaseUrl, env));
    try {
      await other.init();
      const viaOther = async () =>
        (await request(other.getHttpServer()).get('/v1/audit-events/verify').set('Authorization', `Bearer ${officer}`).expect(200)).body;
      const answers: ChainReport[] = [];
      for (let round = 0; round < n && !answers.some((r) => r.complete); round++) answers.push(...(await Promise.all([verify(), viaOther(), verify()])));
      expect(answers.some((r) => r.complete)).toBe(true);
      for (const r of answers) {
        expect(r).toMatchObject({ intact: true, brokenAt: null });
        expect(r.head!.seq).toBe((r.fromCheckpoint?.seq ?? 0) + r.checked); // from a signed checkpoint, every link after it
      }
      // Every checkpoint is the link some call got to, with that call's hash; they only move forward.
      const heads = new Map(answers.map((r) => [r.head!.seq, r.head!.hash]));
      const recorded = await checkpoints();
      expect(recorded.length).toBeGreaterThan(1);
      for (const c of recorded) expect(heads.get(c.seq)).toBe(c.hash);
      expect(recorded.at(-1)!.seq).toBe(n);
      const full = await fullRun();
      expect(full.report).toMatchObject({ intact: true, head: recorded.at(-1) });
    } finally {
      await other.close();
    }
  });

  it('a stale call that finishes after others recorded further does not move the checkpoint back', async () => {
    const chain = t.app.get(AuditChainService);
    const events = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await t.dataSource.manager.insert(AuditEventEntity, {
          id: timeOrderedId(),
          at: new Date(),
          actor: 'system',
          actorRole: null,
          action: 'test.more',
          objectType: 'test',
          objectId: String(i),
          taxpayerId: null,
          before: null,
          after: null,
        });
      }
      await chain.seal();
    };
    await chain.seal();
    const n = await chainLength();
    for (let calls = 0; !(await verify()).complete; calls++) expect(calls).toBeLessThan(n);
    await events(2);
    // The stale call reads the two new links (it reaches the head, n + 2), then waits ...
    const real = chain.verifyPage.bind(chain);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let paused!: () => void;
    const pausedAt = new Promise<void>((resolve) => (paused = resolve));
    let calls = 0;
    const spy = jest.spyOn(chain, 'verifyPage').mockImplementation(async (...args) => {
      const page = await real(...args);
      if (calls++ === 0) {
        paused();
        await gate;
      }
      return page;
    });
    try {
      const stale = verify();
      await pausedAt;
      // ... while the chain grows and two calls record checkpoints beyond it.
      await events(2 * L);
      const b = await verify();
      const c = await verify();
      expect([b.head.seq, c.head.seq]).toEqual([n + L, n + 2 * L]);
      release();
      const late = await stale;
      expect(late).toMatchObject({ intact: true, complete: true, fromCheckpoint: { seq: n }, head: { seq: n + 2 } });
      const recorded = (await checkpoints()).map((k) => k.seq);
      expect(recorded.slice(-2)).toEqual([n + L, n + 2 * L]);
      expect(recorded).not.toContain(n + 2);
    } finally {
      spy.mockRestore();
    }
  });
});
