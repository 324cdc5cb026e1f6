import { Db } from '../../src/database/db.service';
import { newDelivery, WebhookDeliveriesRepository } from '../../src/webhooks/webhook-deliveries.repository';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook.entities';
import { MediumContext, startContext } from '../support/medium';

// DESIGN.md: correctness under concurrency comes from the database. A delivery is claimed with a
// conditional UPDATE (pending, due, nobody holding it) so no two processes send the same attempt,
// its outcome is written only under the claim's token, and a redelivery only from the status read.
describe('WebhookDeliveriesRepository', () => {
  let ctx: MediumContext;
  let deliveries: WebhookDeliveriesRepository;
  let db: Db;
  beforeAll(async () => {
    ctx = await startContext();
    deliveries = ctx.get(WebhookDeliveriesRepository);
    db = ctx.get(Db);
  });
  afterAll(() => ctx.close());

  const T0 = new Date('2026-07-01T00:00:00Z');
  const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
  let serial = 0;
  const uuid = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
  const delivery = (webhookId: string, eventId: string, extra: Partial<WebhookDeliveryEntity> = {}): WebhookDeliveryEntity => ({
    ...newDelivery(uuid(), webhookId, { id: eventId, type: 'invoice.issued' }, T0),
    ...extra,
  });
  const insert = (...rows: WebhookDeliveryEntity[]) => db.transaction((em) => deliveries.insertNew(em, rows));

  it('a due delivery is claimed once, even by two claims at once; a held one only after its claim ran out', async () => {
    const d = delivery(uuid(), 'evt_000000000001a');
    await insert(d);
    const answers = await Promise.all([deliveries.claim(d.id, 'token-a', at(1), at(16)), deliveries.claim(d.id, 'token-b', at(1), at(16))]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await deliveries.claim(d.id, 'token-c', at(15), at(30))).toBe(false);
    expect(await deliveries.claim(d.id, 'token-d', at(17), at(32))).toBe(true);
    expect(await deliveries.find(d.id)).toMatchObject({ claimToken: 'token-d', claimedUntil: at(32) });
  });

  it('a delivery not yet due, or no longer pending, is not claimed', async () => {
    const later = delivery(uuid(), 'evt_000000000002a', { nextAttemptAt: at(60) });
    const done = delivery(uuid(), 'evt_000000000002b', { status: 'succeeded', nextAttemptAt: null });
    await insert(later, done);
    expect(await deliveries.claim(later.id, 'token', at(59), at(74))).toBe(false);
    expect(await deliveries.claim(done.id, 'token', at(59), at(74))).toBe(false);
    expect(await deliveries.claim(later.id, 'token', at(60), at(75))).toBe(true);
  });

  it("an outcome is written only under the claim's token, and releases the claim", async () => {
    const d = delivery(uuid(), 'evt_000000000003a');
    await insert(d);
    expect(await deliveries.claim(d.id, 'mine', at(1), at(16))).toBe(true);
    const outcome = { status: 'succeeded' as const, attempts: 1, nextAttemptAt: null, deliveredAt: at(2), finishedAt: at(2) };
    expect(await db.transaction((em) => deliveries.finish(em, d.id, 'theirs', outcome))).toBe(false);
    expect(await deliveries.find(d.id)).toMatchObject({ status: 'pending', claimToken: 'mine' });
    expect(await db.transaction((em) => deliveries.finish(em, d.id, 'mine', outcome))).toBe(true);
    expect(await deliveries.find(d.id)).toMatchObject({ status: 'succeeded', attempts: 1, claimToken: null, claimedUntil: null });
    expect(await db.transaction((em) => deliveries.finish(em, d.id, 'mine', outcome))).toBe(false);
  });

  it('a redelivery reopens the delivery only from the status that was read, once', async () => {
    const d = delivery(uuid(), 'evt_000000000004a', { status: 'failed', attempts: 9, nextAttemptAt: null, finishedAt: at(5) });
    await insert(d);
    const answers = await Promise.all([
      db.transaction((em) => deliveries.reopen(em, d.id, 'failed', at(10))),
      db.transaction((em) => deliveries.reopen(em, d.id, 'failed', at(10))),
    ]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await deliveries.find(d.id)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(10), finishedAt: null });
    expect(await db.transaction((em) => deliveries.reopen(em, d.id, 'succeeded', at(11)))).toBe(false);
  });

  it('a fan-out that repeats an event for an endpoint creates its delivery once', async () => {
    const webhookId = uuid();
    const first = delivery(webhookId, 'evt_000000000005a');
    await insert(first);
    await insert(delivery(webhookId, 'evt_000000000005a'), delivery(webhookId, 'evt_000000000005b'));
    const rows = await deliveries.pending(webhookId, 10);
    expect(rows.map((r) => [r.eventId, r.id === first.id])).toEqual([
      ['evt_000000000005a', true],
      ['evt_000000000005b', false],
    ]);
  });

  it("an endpoint's head is its oldest pending delivery, offered only while it is due and nobody holds it", async () => {
    const webhookId = uuid();
    const head = delivery(webhookId, 'evt_000000000006a', { nextAttemptAt: at(30) });
    const next = delivery(webhookId, 'evt_000000000006b');
    await insert(head, next);
    expect(await deliveries.heads(at(29), 10, webhookId)).toEqual([]);
    expect((await deliveries.heads(at(30), 10, webhookId)).map((d) => d.id)).toEqual([head.id]);
    expect(await deliveries.claim(head.id, 'held', at(30), at(45))).toBe(true);
    expect(await deliveries.heads(at(31), 10, webhookId)).toEqual([]);
  });
});
