import { Db } from '../../src/database/db.service';
import { newDelivery, WebhookDeliveriesRepository } from '../../src/webhooks/webhook-deliveries.repository';
import { WebhookDeliveryEntity, WebhookEntity } from '../../src/webhooks/webhook.entities';
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
  let seq = 0;
  /** A delivery of a new event (its `seq` after every earlier one's) to the endpoint. */
  const delivery = (webhookId: string, eventId: string, extra: Partial<WebhookDeliveryEntity> = {}): WebhookDeliveryEntity => ({
    ...newDelivery(uuid(), webhookId, { id: eventId, type: 'invoice.issued', seq: ++seq }, T0),
    ...extra,
  });
  /** A registered endpoint (claims of its deliveries take turns on its row). */
  const endpoint = async (): Promise<string> => {
    const id = uuid();
    await db.transaction((em) =>
      em.insert(WebhookEntity, {
        id,
        taxId: '91220000000000000X',
        url: 'https://erp.example.com/hook',
        events: '*',
        description: null,
        secretEnc: 'sealed',
        previousSecretEnc: null,
        previousExpiresAt: null,
        createdAt: T0,
        createdBy: 'test',
        deletedAt: null,
      }),
    );
    return id;
  };
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

  it("an endpoint's order is its events' seq, not their ids (ids come from the emitting host's clock)", async () => {
    const webhookId = await endpoint();
    const created = delivery(webhookId, 'evt_0000000000ffa'); // stamped by a host whose clock is ahead
    const confirmed = delivery(webhookId, 'evt_000000000001a'); // a later event, from a host whose clock is behind
    await insert(confirmed, created);
    expect((await deliveries.pending(webhookId, 10)).map((d) => d.id)).toEqual([created.id, confirmed.id]);
    expect((await deliveries.heads(at(1), 10, webhookId)).map((d) => d.id)).toEqual([created.id]);
    expect(await deliveries.claim(confirmed.id, 'out-of-order', at(1), at(16))).toBe(false);
    expect(await deliveries.claim(created.id, 'in-order', at(1), at(16))).toBe(true);
  });

  it('one request in flight per endpoint: a redelivery that reopens an older delivery waits until the held one is finished', async () => {
    const webhookId = await endpoint();
    const old = delivery(webhookId, 'evt_000000000007a', { status: 'failed', attempts: 15, nextAttemptAt: null, finishedAt: at(0) });
    const current = delivery(webhookId, 'evt_000000000007b');
    const next = delivery(webhookId, 'evt_000000000007c');
    await insert(old, current, next);
    expect(await deliveries.claim(current.id, 'process-a', at(1), at(16))).toBe(true); // process A sends `current`
    expect(await db.transaction((em) => deliveries.reopen(em, old.id, 'failed', at(2)))).toBe(true);
    // the reopened delivery is the endpoint's head now, but A's request is still in flight
    expect((await deliveries.heads(at(3), 10, webhookId)).map((d) => d.id)).toEqual([old.id]);
    expect(await deliveries.claim(old.id, 'process-b', at(3), at(18))).toBe(false);
    const outcome = { status: 'succeeded' as const, attempts: 1, nextAttemptAt: null, deliveredAt: at(4), finishedAt: at(4) };
    expect(await db.transaction((em) => deliveries.finish(em, current.id, 'process-a', outcome))).toBe(true);
    // A goes on with its page: `next` is not the head any more
    expect(await deliveries.claim(next.id, 'process-a', at(5), at(20))).toBe(false);
    expect(await deliveries.claim(old.id, 'process-b', at(5), at(20))).toBe(true);
    // B's claim ran out (B was killed): `next` still waits behind `old`, which is sent again first
    expect(await deliveries.claim(next.id, 'process-c', at(21), at(36))).toBe(false);
    expect(await deliveries.claim(old.id, 'process-c', at(21), at(36))).toBe(true);
  });

  it('of two claims at once on one endpoint, at most one is granted', async () => {
    const webhookId = await endpoint();
    const a = delivery(webhookId, 'evt_000000000008a');
    const b = delivery(webhookId, 'evt_000000000008b');
    await insert(a, b);
    const answers = await Promise.all([
      deliveries.claim(a.id, 'x', at(1), at(16)),
      deliveries.claim(b.id, 'y', at(1), at(16)),
      deliveries.claim(a.id, 'z', at(1), at(16)),
    ]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[1]).toBe(false);
  });
});
