import { AuditChainService } from '../../src/audit/audit-chain.service';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';

// Issue 6, "Audit record": append-only, hash-chained events; GET /v1/audit-events/verify answers
// whether the chain is intact and where it breaks.
const invoice = { type: 'ordinary', buyer: { name: '个人' }, lines: [{ name: '咨询', taxClassificationCode: '3040201000000000000', categoryShortName: '信息技术服务', amount: '100.00', taxRate: '0.06' }] };

async function activity(t: TestApp) {
  await setClock(t, '2023-07-20T09:00:00+08:00');
  const a = await registerTaxpayer(t);
  const b = await registerTaxpayer(t);
  for (let i = 0; i < 5; i++) await t.http(a.token).post('/v1/invoices').send(invoice).expect(201);
  await t.http(b.token).post('/v1/invoices').send(invoice).expect(201);
  return { a, b };
}

describe('audit chain', () => {
  let t: TestApp;
  let officer: string;
  let parties: Awaited<ReturnType<typeof activity>>;
  beforeAll(async () => {
    t = await startApp();
    parties = await activity(t);
    officer = await apiKey(t, 'tax_officer');
  });
  afterAll(() => t.close());

  const verify = async () => (await t.http(officer).get('/v1/audit-events/verify').expect(200)).body;

  it('an untouched chain verifies, covering every event', async () => {
    const report = await verify();
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    expect(report).toMatchObject({ intact: true, brokenAt: null, unsealed: 0 });
    expect(report.checked).toBe(Number(n));
    expect(report.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists events oldest first with their chain position; a taxpayer sees only its own', async () => {
    await t.app.get(AuditChainService).seal();
    const all = await t.http(officer).get('/v1/audit-events?limit=500').expect(200);
    const seqs = all.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(all.body.items.every((e: { hash: string }) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
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
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.http(officer).get(`/v1/audit-events?limit=7${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((e: { id: string }) => e.id));
  });

  it('only unscoped auditors and tax officers (and admins) verify the whole chain', async () => {
    await t.http(parties.a.token).get('/v1/audit-events/verify').expect(403);
    await t.http(await apiKey(t, 'auditor', parties.a.taxId)).get('/v1/audit-events/verify').expect(403);
    await t.http(await apiKey(t, 'auditor')).get('/v1/audit-events/verify').expect(200);
    await t.http(ADMIN_TOKEN).get('/v1/audit-events/verify').expect(200);
  });
});

describe.each([
  ['an edited event', "UPDATE audit_events SET `after` = '{\"totalAmount\":\"1.00\"}' WHERE id = ?", /edited/],
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
