import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../src/config/config';
import { Outbox } from '../../src/database/outbox.service';
import { SecretBox } from '../../src/webhooks/secret-box';
import { WebhookDeliveriesRepository } from '../../src/webhooks/webhook-deliveries.repository';
import { WebhookAttemptEntity } from '../../src/webhooks/webhook.entities';
import { consumerInvoice, expectStatus, Json, Party, registerWebhook, T0 } from '../support/drivers';
import { expectProblem } from '../support/problems';
import { registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';
import { Receiver, signedBy, until } from '../support/webhook-receiver';

// Webhook limits and failure handling (issue 16, review items 1-3, 6, 7), on both databases with
// a real receiver on 127.0.0.1: endpoints on one host do not queue behind each other; one
// taxpayer's endpoints hold at most its share of the delivery slots, and it has at most
// WEBHOOK_MAX_PER_TAXPAYER webhooks; an attempt whose claim came back too late is not sent; a
// change rolled back emits nothing; the timeout and its retry; rotating twice within the overlap;
// without WEBHOOK_SECRET_KEY the outbox still drains.

const KEY = randomBytes(32).toString('hex');
const ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_SECRET_KEY: KEY };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const invoice = (medium: 'electronic' | 'paper' = 'electronic') => consumerInvoice('100.00', { medium, drawer: '张三' });

describe('webhook limits (private targets allowed, a receiver on 127.0.0.1)', () => {
  let t: TestApp;
  let rx: Receiver;
  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
    t = await startApp(ENV);
    await setClock(t, T0);
  });
  afterAll(async () => {
    rx.release('/hang');
    await t.close();
    await rx.stop();
  });

  const register = async (who: Party, path: string, events: string[] = ['invoice.issued']) =>
    await registerWebhook(t, who.token, { url: rx.url(path), events });
  const issue = async (who: Party, medium: 'electronic' | 'paper' = 'electronic') =>
    expectStatus(await t.http(who.token).post('/v1/invoices').send(invoice(medium)), 201);

  it('endpoints on one host do not queue behind each other: a fast one is delivered while three on its host hang', async () => {
    const slow = await Promise.all([1, 2, 3].map(() => registerTaxpayer(t, {}, '22')));
    for (const [i, p] of slow.entries()) await register(p, `/hang/iso-${i}`);
    for (const p of slow) await issue(p);
    // All three are in flight at once (with two sockets per host, the third would wait for one).
    await until('three held requests', () => rx.open('/hang/iso-').length === 3, 8);
    const fast = await registerTaxpayer(t, {}, '22');
    await register(fast, '/fast');
    const { number } = await issue(fast);
    await until('the fast delivery', () => rx.at('/fast').length === 1);
    expect(rx.at('/fast')[0].body.data.number).toBe(number);
    // ... while the three slow ones are still in flight: none answered, none given up.
    expect(rx.open('/hang/iso-')).toHaveLength(3);
    rx.release('/hang/iso-');
  });

  it("one taxpayer's endpoints hold at most its share of the slots (WEBHOOK_TAXPAYER_CONCURRENCY, 4 of 16); others are delivered meanwhile", async () => {
    const greedy = await registerTaxpayer(t, {}, '22');
    for (let i = 0; i < 6; i++) await register(greedy, `/hang/share-${i}`);
    await issue(greedy);
    await until('four held requests', () => rx.open('/hang/share-').length === 4);
    const other = await registerTaxpayer(t, {}, '22');
    await register(other, '/other');
    await issue(other);
    await until('the other taxpayer’s delivery', () => rx.at('/other').length === 1);
    await sleep(1000); // a few more dispatcher rounds: still no fifth
    expect(rx.open('/hang/share-')).toHaveLength(4);
    const asked = () => new Set(rx.received.filter((r) => r.path.startsWith('/hang/share-')).map((r) => r.path)).size;
    expect(asked()).toBe(4);
    // Answering frees the slots: the two left wait their turn, then get theirs.
    rx.release('/hang/share-');
    await until('all six endpoints asked', () => asked() === 6);
    rx.release('/hang/share-');
  });

  it('a taxpayer has at most WEBHOOK_MAX_PER_TAXPAYER (16) webhooks: one more is a 409 naming the limit and the fix', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hooks = [];
    for (let i = 0; i < 16; i++) hooks.push(await register(p, `/cap-${i}`));
    const refused = await t
      .http(p.token)
      .post('/v1/webhooks')
      .send({ url: rx.url('/cap-16'), events: ['*'] });
    expectProblem(refused, 409, 'INVALID_STATE');
    expect(refused.body).toMatchObject({ limit: 16, webhooks: 16, detail: expect.stringMatching(/WEBHOOK_MAX_PER_TAXPAYER \(16\).*DELETE \/v1\/webhooks/) });
    // Another taxpayer is not affected; deleting one makes room.
    await register(await registerTaxpayer(t, {}, '22'), '/cap-other');
    expectStatus(await t.http(p.token).delete(`/v1/webhooks/${hooks[0].id}`), 204);
    await register(p, '/cap-16');
  });

  it('a change rolled back emits nothing: a void whose transaction fails after its event was written sends no invoice.voided', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    await register(p, '/voided', ['invoice.voided']);
    const paper = await issue(p, 'paper');
    const outbox = t.app.get(Outbox);
    const emit = outbox.emit.bind(outbox);
    const failing = jest.spyOn(outbox, 'emit').mockImplementationOnce(async (em, events) => {
      await emit(em, events);
      throw new Error('the transaction fails after the event was written');
    });
    try {
      expect((await t.http(p.token).post(`/v1/invoices/${paper.number}/void`)).status).toBe(500);
    } finally {
      failing.mockRestore();
    }
    expect(expectStatus(await t.http(p.token).get(`/v1/invoices/${paper.number}`), 200).status).toBe('issued');
    expectStatus(await t.http(p.token).post(`/v1/invoices/${paper.number}/void`), 200);
    await until('the invoice.voided delivery', () => rx.at('/voided').length >= 1);
    await sleep(1000); // a rolled-back event, had it been kept, would arrive too
    expect(rx.at('/voided').map((r) => [r.body.type, r.body.data.number])).toEqual([['invoice.voided', paper.number]]);
  });

  it('rotating twice within the overlap: the newest and the one it replaced sign; the first secret stops at once', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await register(p, '/rotated-twice');
    const first = expectStatus(await t.http(p.token).post(`/v1/webhooks/${hook.id}/rotate-secret`), 200);
    const second = expectStatus(await t.http(p.token).post(`/v1/webhooks/${hook.id}/rotate-secret`), 200);
    expect(second).toMatchObject({ previousSecretKeyId: first.secretKeyId, previousSecretExpiresAt: expect.stringMatching(/\+08:00$/) });
    await issue(p);
    const [r] = await until('the delivery', () => (rx.at('/rotated-twice').length ? rx.at('/rotated-twice') : null));
    const header = String(r.headers['einvoice-signature']);
    expect(header.split(',').filter((x) => x.startsWith('v1='))).toHaveLength(2);
    expect(signedBy(header, r.raw, second.secret, Infinity)).toBe(true);
    expect(signedBy(header, r.raw, first.secret, Infinity)).toBe(true);
    expect(signedBy(header, r.raw, hook.secret)).toBe(false);
    const [delivery] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items;
    const [attempt] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts`), 200).items;
    expect(attempt.keyIds).toEqual([second.secretKeyId, first.secretKeyId]);
  });
});

describe('the attempt timeout and the claim rule (WEBHOOK_TIMEOUT_SECONDS=1)', () => {
  let t: TestApp;
  let rx: Receiver;
  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
    t = await startApp({ ...ENV, WEBHOOK_TIMEOUT_SECONDS: '1' });
    await setClock(t, T0);
  });
  afterAll(async () => {
    rx.release('/hang');
    await t.close();
    await rx.stop();
  });

  it('an attempt whose claim came back too late to hold a whole attempt is not sent; the next claim sends it, as its first attempt', async () => {
    // A 1 s timeout: a claim lasts 21 s and an attempt is sent only if its UPDATE came back within 10 s.
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await registerWebhook(t, p.token, { url: rx.url('/claimed'), events: ['invoice.issued'] });
    const repository = t.app.get(WebhookDeliveriesRepository);
    const claim = repository.claim.bind(repository);
    const late = jest.spyOn(repository, 'claim').mockImplementationOnce(async (...args) => {
      const claimed = await claim(...args);
      await sleep(10_500); // the UPDATE "took" 10.5 s
      return claimed;
    });
    try {
      expectStatus(await t.http(p.token).post('/v1/invoices').send(invoice()), 201);
      await until('the delivery', () => rx.at('/claimed').length === 1, 40);
      const [delivery] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items;
      // Sent under the second claim: the first one was released unsent.
      expect(late.mock.calls.filter(([id]) => id === delivery.id).length).toBe(2);
      const done = await until('the delivery recorded', async () =>
        expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.status === 'succeeded'),
      );
      expect(done.attempts).toBe(1);
      expect(rx.at('/claimed')).toHaveLength(1);
    } finally {
      late.mockRestore();
    }
  }, 90_000);

  it('a receiver that never answers: the attempt ends as timeout and is retried with backoff', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await registerWebhook(t, p.token, { url: rx.url('/hang/timeout'), events: ['invoice.issued'] });
    expectStatus(await t.http(p.token).post('/v1/invoices').send(invoice()), 201);
    const delivery = await until('two attempts', async () =>
      expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.attempts >= 2),
    );
    expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: 'no answer within 1 s', nextAttemptAt: expect.any(String) });
    const attempts = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts`), 200).items;
    expect(attempts.slice(-2).map((a: Json) => [a.errorClass, a.statusCode])).toEqual([
      ['timeout', null],
      ['timeout', null],
    ]);
    for (const a of attempts) expect(a.durationMs).toBeGreaterThanOrEqual(950);
    // The same event each time; the second try waited out the first one's 1 s and the 1 s backoff.
    const tries = rx.at('/hang/timeout');
    expect(new Set(tries.map((r) => r.body.id)).size).toBe(1);
    const sent = (await t.dataSource.getRepository(WebhookAttemptEntity).find({ where: { deliveryId: delivery.id }, order: { createdAt: 'ASC' } })).map((a) =>
      a.createdAt.getTime(),
    );
    expect(sent[1] - sent[0]).toBeGreaterThanOrEqual(1900);
  });
});

/** SecretBox without a key, as on MySQL without WEBHOOK_SECRET_KEY (SQLite would generate a key file). */
@Injectable()
class NoKeyBox extends SecretBox {
  constructor(config: AppConfig) {
    super({ ...config, webhookSecretKey: null, webhookKeyFile: null } as AppConfig);
  }
}

describe('without WEBHOOK_SECRET_KEY', () => {
  let t: TestApp;
  beforeAll(async () => {
    // On MySQL the service runs as configured (no key, no key file); on SQLite the key file is kept out.
    t = await startApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }, process.env.TEST_DB === 'mysql' ? [] : [{ provide: SecretBox, useClass: NoKeyBox }]);
    await setClock(t, T0);
  });
  afterAll(() => t.close());

  it('the fan-out still runs: the events nobody can subscribe to are removed and the outbox drains; the webhook routes answer 503', async () => {
    expect(t.app.get(SecretBox).key).toBeNull();
    const p = await registerTaxpayer(t, {}, '22');
    expectProblem(
      await t
        .http(p.token)
        .post('/v1/webhooks')
        .send({ url: 'http://127.0.0.1:9/x', events: ['*'] }),
      503,
      'SERVICE_UNAVAILABLE',
    );
    for (let i = 0; i < 3; i++) expectStatus(await t.http(p.token).post('/v1/invoices').send(invoice()), 201);
    const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM outbox_events'))[0].n);
    // Issuing wrote events (the quota's first use, the invoices); they go, none is left undispatched.
    await until('the outbox to drain', async () => (await count()) === 0, 20);
  });
});
