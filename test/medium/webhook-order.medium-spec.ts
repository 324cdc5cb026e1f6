import { randomBytes, randomUUID } from 'node:crypto';
import { Clock } from '../../src/common/clock';
import { migrate } from '../../src/database/database.module';
import { Db } from '../../src/database/db.service';
import { Outbox } from '../../src/database/outbox.service';
import { OutboxEventsRepository } from '../../src/webhooks/outbox-events.repository';
import { SecretBox } from '../../src/webhooks/secret-box';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { WebhookEntity } from '../../src/webhooks/webhook.entities';
import { MediumContext, startContext } from '../support/medium';
import { makeTaxId } from '../support/tax-ids';
import { Receiver, until } from '../support/webhook-receiver';

// Issue 16, "in order per endpoint": events are delivered in the order they happened even when
// they were written by processes whose clocks disagree. An event id carries its process's wall
// clock, so ordering by id would put a later event from a host whose clock is behind first; the
// outbox's `seq`, numbered by the database at insert, respects happens-before instead.
describe('webhook order across processes whose clocks disagree', () => {
  let ctx: MediumContext;
  let db: Db;
  let outboxA: Outbox;
  let outboxB: Outbox;
  const rx = new Receiver();

  beforeAll(async () => {
    ctx = await startContext({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') });
    db = ctx.get(Db);
    outboxA = ctx.get(Outbox);
    // Another process on another host: its own outbox writer, its wall clock set below.
    outboxB = new Outbox(ctx.get(Clock));
    await rx.start();
  });
  afterAll(async () => {
    await ctx.close();
    await rx.stop();
  });

  const emit = (outbox: Outbox, taxId: string, type: string, slip: string) =>
    db.transaction((em) => outbox.emit(em, [{ type, taxIds: [taxId], payload: { id: slip, type } }]));

  it('a receiver gets `created` before `confirmed` when the process that confirmed has a clock behind', async () => {
    const taxId = makeTaxId('22');
    const hook: WebhookEntity = {
      id: randomUUID(),
      taxId,
      url: rx.url('/hook'),
      events: '*',
      description: null,
      secretEnc: ctx.get(SecretBox).seal('whsec_order'),
      previousSecretEnc: null,
      previousExpiresAt: null,
      createdAt: new Date(),
      createdBy: 'test',
      deletedAt: null,
    };
    await db.transaction((em) => em.insert(WebhookEntity, hook));
    await new Promise((r) => setTimeout(r, 1_000)); // the endpoint existed a while before either event

    // Process A records the slip's creation; the receiver's first answer is a 500, so the delivery
    // of `created` waits for its retry (1 s) while `confirmed` comes in.
    rx.script.set('/hook', [500]);
    const createdAt = Date.now();
    await emit(outboxA, taxId, 'red_confirmation.created', 'slip-1');
    await until('the first try of created', () => rx.received.length >= 1);

    // Process B, whose clock is half a second behind A's, confirms the slip after it saw the
    // creation committed (happens-before): its event id sorts before the creation's.
    outboxB.wallClock = () => createdAt - 500;
    await emit(outboxB, taxId, 'red_confirmation.confirmed', 'slip-1');
    const ids = await db.dataSource.query('SELECT id, type FROM outbox_events WHERE tax_id = ? ORDER BY id', [taxId]);
    expect(ids.map((e: { type: string }) => e.type)).toEqual(['red_confirmation.confirmed', 'red_confirmation.created']);

    await until('both events delivered', () => rx.received.filter((r) => r.status === 200).length >= 2);
    expect(rx.received.map((r) => [r.body.type, r.status])).toEqual([
      ['red_confirmation.created', 500],
      ['red_confirmation.created', 200],
      ['red_confirmation.confirmed', 200],
    ]);
  });
});

describe('outbox seq: fan-out order and the migration that introduced it', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => {
    ctx = await startContext({ WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') });
    db = ctx.get(Db);
    // This context's dispatcher stands still, so the outbox rows stay as written.
    await ctx.get(WebhookDispatcher).onModuleDestroy();
  });
  afterAll(() => ctx.close());

  it('fan-out reads new events in the order they were written, not by id', async () => {
    const behind = new Outbox(ctx.get(Clock));
    behind.wallClock = () => Date.now() - 60_000;
    const taxId = makeTaxId('41');
    await db.transaction((em) => ctx.get(Outbox).emit(em, [{ type: 'invoice.issued', taxIds: [taxId], payload: { n: 1 } }]));
    await db.transaction((em) => behind.emit(em, [{ type: 'invoice.voided', taxIds: [taxId], payload: { n: 1 } }]));
    await db.transaction((em) => ctx.get(Outbox).emit(em, [{ type: 'invoice.received', taxIds: [taxId], payload: { n: 1 } }]));
    // This test's events (the migration test may have left others behind).
    const events = (await ctx.get(OutboxEventsRepository).undispatched(100)).filter((e) => e.taxId === taxId);
    expect(events.map((e) => e.type)).toEqual(['invoice.issued', 'invoice.voided', 'invoice.received']);
    expect(events[1].id < events[0].id).toBe(true); // by id, `voided` would have come first
  });

  it('existing events are numbered in their old id order, and existing deliveries take their seq', async () => {
    const ds = ctx.dataSource;
    await ds.query('DELETE FROM outbox_events');
    await ds.undoLastMigration({ transaction: 'each' });
    const row = (id: string) => [id, 'invoice.issued', '91220000000000000X', '2026-07-01 00:00:00.000', '"{}"', 1];
    for (const id of ['evt_000000000003aa', 'evt_000000000001aa', 'evt_000000000002aa'])
      await ds.query('INSERT INTO outbox_events (id, type, tax_id, created_at, payload, dispatched) VALUES (?, ?, ?, ?, ?, ?)', row(id));
    const delivery = (id: string, eventId: string) => [id, 'hook', eventId, 'invoice.issued', 'pending', 0, '2026-07-01 00:00:00.000'];
    for (const [id, eventId] of [
      ['d1', 'evt_000000000002aa'],
      ['d2', 'evt_000000000003aa'],
      ['d3', 'evt_gone'],
    ])
      await ds.query(
        'INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        delivery(id, eventId),
      );
    await migrate(ds);
    const events = await ds.query('SELECT seq, id FROM outbox_events ORDER BY seq');
    expect(events.map((e: { id: string }) => e.id)).toEqual(['evt_000000000001aa', 'evt_000000000002aa', 'evt_000000000003aa']);
    const seqOf = new Map(events.map((e: { id: string; seq: number | string }) => [e.id, Number(e.seq)]));
    const deliveries = await ds.query('SELECT id, event_seq FROM webhook_deliveries ORDER BY id');
    expect(deliveries.map((d: { id: string; event_seq: number | string }) => [d.id, Number(d.event_seq)])).toEqual([
      ['d1', seqOf.get('evt_000000000002aa')],
      ['d2', seqOf.get('evt_000000000003aa')],
      ['d3', 0],
    ]);
    // New events come after the numbered ones.
    await db.transaction((em) => ctx.get(Outbox).emit(em, [{ type: 'invoice.issued', taxIds: [makeTaxId('22')], payload: {} }]));
    const [last] = await ds.query('SELECT seq FROM outbox_events ORDER BY seq DESC LIMIT 1');
    expect(Number(last.seq)).toBe(4);
  });
});
