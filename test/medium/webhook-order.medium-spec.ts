import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock } from '../../src/common/clock';
import { Db } from '../../src/database/db.service';
import { Outbox } from '../../src/database/outbox.service';
import { SecretBox } from '../../src/webhooks/secret-box';
import { WebhookEntity } from '../../src/webhooks/webhook.entities';
import { MediumContext, startContext } from '../support/medium';
import { makeTaxId } from '../support/tax-ids';

// Issue 16, "in order per endpoint": events are delivered in the order they happened even when
// they were written by processes whose clocks disagree. An event id carries its process's wall
// clock, so ordering by id would put a later event from a host whose clock is behind first; the
// outbox's `seq`, numbered by the database at insert, respects happens-before instead.
describe('webhook order across processes whose clocks disagree', () => {
  let ctx: MediumContext;
  let db: Db;
  let outboxA: Outbox;
  let outboxB: Outbox;
  let server: http.Server;
  const received: { type: string; id: string; status: number }[] = [];
  const answers: number[] = [];

  beforeAll(async () => {
    ctx = await startContext({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') });
    db = ctx.get(Db);
    outboxA = ctx.get(Outbox);
    // Another process on another host: its own outbox writer, its wall clock set below.
    outboxB = new Outbox(ctx.get(Clock));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const status = answers.length ? answers.shift()! : 200;
        received.push({ type: body.type, id: body.id, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await ctx.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function until<T>(what: string, probe: () => T | Promise<T>, seconds = 30): Promise<NonNullable<T>> {
    for (let i = 0; i < seconds * 20; i++) {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const emit = (outbox: Outbox, taxId: string, type: string, slip: string) =>
    db.transaction((em) => outbox.emit(em, [{ type, taxIds: [taxId], payload: { id: slip, type } }]));

  it('a receiver gets `created` before `confirmed` when the process that confirmed has a clock behind', async () => {
    const taxId = makeTaxId('22');
    const { port } = server.address() as AddressInfo;
    const hook: WebhookEntity = {
      id: randomUUID(),
      taxId,
      url: `http://127.0.0.1:${port}/hook`,
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
    answers.push(500);
    const createdAt = Date.now();
    await emit(outboxA, taxId, 'red_confirmation.created', 'slip-1');
    await until('the first try of created', () => received.length >= 1);

    // Process B, whose clock is half a second behind A's, confirms the slip after it saw the
    // creation committed (happens-before): its event id sorts before the creation's.
    outboxB.wallClock = () => createdAt - 500;
    await emit(outboxB, taxId, 'red_confirmation.confirmed', 'slip-1');
    const ids = await db.dataSource.query('SELECT id, type FROM outbox_events WHERE tax_id = ? ORDER BY id', [taxId]);
    expect(ids.map((e: { type: string }) => e.type)).toEqual(['red_confirmation.confirmed', 'red_confirmation.created']);

    await until('both events delivered', () => received.filter((r) => r.status === 200).length >= 2);
    expect(received.map((r) => [r.type, r.status])).toEqual([
      ['red_confirmation.created', 500],
      ['red_confirmation.created', 200],
      ['red_confirmation.confirmed', 200],
    ]);
  });
});
