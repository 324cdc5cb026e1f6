import { randomBytes, randomUUID } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { OutboxEventEntity } from '../../src/database/outbox.entity';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { RETENTION_BATCH, WebhookRetention } from '../../src/webhooks/webhook-retention';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook.entities';
import { expectStatus, INSTALL, invoiceBody, Json, Party, registerWebhook, T0 } from '../support/drivers';
import { expectProblem } from '../support/problems';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, TestApp } from '../support/test-app';
import { Receiver, signedBy, until } from '../support/webhook-receiver';

// Webhooks (API.md "Webhooks", issue 16): every event type once, signed as documented and checked
// here with an independent HMAC; a 500 then a 200 gives the same event twice and nothing else;
// the delivery log and redelivery; SSRF refusals without WEBHOOK_ALLOW_PRIVATE_TARGETS. A real
// HTTP receiver listens on 127.0.0.1 (the app runs with WEBHOOK_ALLOW_PRIVATE_TARGETS=true).

/** The canonical 专票 to `buyer` with one consulting line of `amount` at 6 %. */
const blueTo = (buyer: Party, medium: 'electronic' | 'paper' = 'electronic', amount = '1000.00'): Json =>
  invoiceBody(buyer, { medium, lines: [{ ...INSTALL, name: '咨询服务', amount }] });

const ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') };

describe('webhooks (private targets allowed, a receiver on 127.0.0.1)', () => {
  let t: TestApp;
  let rx: Receiver;
  let officer: string;
  let seller: Party;
  let buyer: Party;

  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
    t = await startApp(ENV);
    await setClock(t, T0);
    officer = await apiKey(t, 'tax_officer');
    seller = await registerTaxpayer(t, {}, '22');
    buyer = await registerTaxpayer(t, {}, '41');
  });
  afterAll(async () => {
    await t.close();
    await rx.stop();
  });

  const register = async (who: Party, path: string, events: string[] = ['*']) =>
    await registerWebhook(t, who.token, { url: rx.url(path), events, description: path });

  it('delivers every event type once, to the party it concerns, signed with its webhook secret', async () => {
    const sellerHook = await register(seller, '/seller');
    const buyerHook = await register(buyer, '/buyer');
    expect(sellerHook.secret).toMatch(/^whsec_/);
    expect(sellerHook).toMatchObject({ url: rx.url('/seller'), events: ['*'], taxId: seller.taxId });

    // invoice.issued (seller), invoice.received (buyer); the month's first use sets its total (quota.total_changed)
    const blue = expectStatus(await t.http(seller.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    // invoice.voided (both): a paper invoice voided in its month
    const paper = expectStatus(await t.http(seller.token).post('/v1/invoices').send(blueTo(buyer, 'paper')), 201);
    expectStatus(await t.http(seller.token).post(`/v1/invoices/${paper.number}/void`), 200);
    // quota.application_decided and quota.total_changed (manual)
    const application = expectStatus(
      await t.http(seller.token).post(`/v1/taxpayers/${seller.taxId}/quota/applications`).send({ requestedTotal: '8000000.00', reason: '季度备货' }),
      201,
    );
    expectStatus(await t.http(officer).post(`/v1/quota/applications/${application.id}/approve`).send({ reason: '同意' }), 200);
    // Slips: the buyer entered the invoices in its accounts, so the seller's slips await the buyer (02).
    const slipOnNew = async () => {
      const invoice = expectStatus(await t.http(seller.token).post('/v1/invoices').send(blueTo(buyer)), 201);
      expectStatus(await t.http(buyer.token).post(`/v1/invoices/${invoice.number}/accounting-entry`).send({ entered: true }), 200);
      const slip = expectStatus(await t.http(seller.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: invoice.number, reason: '01' }), 201);
      expect(slip.status).toBe('02');
      return slip;
    };
    const confirmed = await slipOnNew();
    expectStatus(await t.http(buyer.token).post(`/v1/red-confirmations/${confirmed.id}/confirm`), 200);
    const red = expectStatus(await t.http(seller.token).post(`/v1/red-confirmations/${confirmed.id}/red-invoice`), 201);
    const rejected = await slipOnNew();
    expectStatus(await t.http(buyer.token).post(`/v1/red-confirmations/${rejected.id}/reject`), 200);
    const revoked = await slipOnNew();
    expectStatus(await t.http(seller.token).post(`/v1/red-confirmations/${revoked.id}/revoke`), 200);
    const expired = await slipOnNew();
    // red_confirmation.expired: 72 hours later by the (manual) clock; the sweep that reading runs voids it.
    await setClock(t, '2023-07-23T10:00:00+08:00');
    expect(expectStatus(await t.http(seller.token).get(`/v1/red-confirmations/${expired.id}`), 200).status).toBe('07');
    await setClock(t, T0);

    // delivery.failed: a third webhook of the seller's that always answers 500, on its last try
    // (its attempts set to where three days of backoff end), reported to the seller's '*' webhook.
    rx.script.set('/dead', new Array(100).fill(500));
    const dead = await register(seller, '/dead', ['invoice.issued']);
    expectStatus(await t.http(seller.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const first = await until('a first try at /dead', async () => {
      const log = expectStatus(await t.http(seller.token).get(`/v1/webhooks/${dead.id}/deliveries`), 200);
      return log.items.find((d: Json) => d.attempts >= 1);
    });
    expect(first).toMatchObject({ status: 'pending', lastStatusCode: 500, nextAttemptAt: expect.any(String) });
    await t.dataSource
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ attempts: 18, nextAttemptAt: new Date() })
      .where('id = :id', { id: first.id })
      .execute();

    const wanted: Record<string, 'seller' | 'buyer' | 'both'> = {
      'invoice.issued': 'seller',
      'invoice.received': 'buyer',
      'invoice.voided': 'both',
      'red_confirmation.created': 'both',
      'red_confirmation.awaiting_confirmation': 'buyer',
      'red_confirmation.confirmed': 'both',
      'red_confirmation.rejected': 'both',
      'red_confirmation.revoked': 'both',
      'red_confirmation.expired': 'both',
      'red_invoice.issued': 'both',
      'quota.total_changed': 'seller',
      'quota.application_decided': 'seller',
      'delivery.failed': 'seller',
    };
    const typesAt = (path: string) => new Set(rx.at(path).map((r) => r.body.type));
    await until('every event type', () =>
      Object.entries(wanted).every(([type, who]) => (who === 'buyer' || typesAt('/seller').has(type)) && (who === 'seller' || typesAt('/buyer').has(type))),
    );

    for (const [path, hook, party, other] of [
      ['/seller', sellerHook, seller, buyer],
      ['/buyer', buyerHook, buyer, seller],
    ] as const) {
      for (const r of rx.at(path)) {
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.body).toEqual({
          id: expect.stringMatching(/^evt_[0-9a-f]+$/),
          type: expect.any(String),
          createdAt: expect.stringMatching(/\+08:00$/),
          taxId: party.taxId,
          data: expect.any(Object),
        });
        expect(signedBy(r.headers['einvoice-signature'], r.raw, hook.secret)).toBe(true);
        expect(signedBy(r.headers['einvoice-signature'], r.raw, 'whsec_someone-else')).toBe(false);
        // Not the other party's events of its own (invoice.issued is the seller's only, ...).
        expect(wanted[r.body.type] === (party === seller ? 'buyer' : 'seller')).toBe(false);
      }
      expect(other).toBeDefined();
    }
    const ofType = (path: string, type: string) =>
      rx
        .at(path)
        .filter((r) => r.body.type === type)
        .map((r) => r.body);
    // The data is the object as the API shows it.
    expect(ofType('/seller', 'invoice.issued').find((e) => e.data.number === blue.number)!.data).toMatchObject({
      number: blue.number,
      totalAmount: '1000.00',
      seller: { taxId: seller.taxId },
    });
    expect(ofType('/buyer', 'invoice.received').find((e) => e.data.number === blue.number)).toBeDefined();
    expect(ofType('/buyer', 'invoice.voided')[0].data).toMatchObject({ number: paper.number, status: 'voided' });
    expect(ofType('/buyer', 'red_confirmation.awaiting_confirmation').map((e) => e.data.id)).toEqual(
      expect.arrayContaining([confirmed.id, rejected.id, revoked.id, expired.id]),
    );
    expect(ofType('/seller', 'red_confirmation.awaiting_confirmation')).toEqual([]);
    expect(ofType('/seller', 'red_confirmation.confirmed')[0].data).toMatchObject({ id: confirmed.id, status: '04' });
    expect(ofType('/seller', 'red_confirmation.rejected')[0].data).toMatchObject({ id: rejected.id, status: '05' });
    expect(ofType('/seller', 'red_confirmation.revoked')[0].data).toMatchObject({ id: revoked.id, status: '08' });
    expect(ofType('/buyer', 'red_confirmation.expired')[0].data).toMatchObject({ id: expired.id, status: '07' });
    // The sweep that voided it ran by the manual clock: the event's createdAt is the clock's time, for both parties.
    expect(ofType('/buyer', 'red_confirmation.expired').map((e) => e.createdAt)).toEqual(['2023-07-23T10:00:00+08:00']);
    expect(ofType('/seller', 'red_confirmation.expired').map((e) => [e.data.id, e.createdAt])).toEqual([[expired.id, '2023-07-23T10:00:00+08:00']]);
    expect(ofType('/buyer', 'red_invoice.issued')[0].data).toMatchObject({ number: red.number, color: 'red', blueInvoiceNumber: confirmed.blueInvoiceNumber });
    expect(ofType('/seller', 'quota.application_decided')[0].data).toMatchObject({ id: application.id, status: 'approved' });
    expect(ofType('/seller', 'quota.total_changed').map((e) => e.data.kind)).toEqual(expect.arrayContaining(['initial', 'manual']));
    expect(ofType('/seller', 'quota.total_changed').find((e) => e.data.kind === 'manual')!.data).toMatchObject({
      previousTotal: '7500000.00',
      total: '8000000.00',
    });
    expect(ofType('/seller', 'delivery.failed')[0].data).toMatchObject({
      id: first.id,
      webhookId: dead.id,
      status: 'failed',
      eventType: 'invoice.issued',
      lastStatusCode: 500,
    });
    // Each event id arrives once at each endpoint (every one of these was answered 200 at once).
    for (const path of ['/seller', '/buyer']) {
      const ids = rx.at(path).map((r) => r.body.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // In order per endpoint: the seller's events arrive in the order they were emitted.
    const sellerIds = rx.at('/seller').map((r) => r.body.id);
    expect([...sellerIds].sort()).toEqual(sellerIds);

    // The failed delivery stays in the log, and can be sent again.
    const failed = expectStatus(await t.http(seller.token).get(`/v1/webhooks/${dead.id}/deliveries`), 200).items.find((d: Json) => d.id === first.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 19, nextAttemptAt: null, lastError: 'answered 500' });
    rx.script.set('/dead', []);
    const again = expectStatus(await t.http(seller.token).post(`/v1/webhook-deliveries/${first.id}/redeliver`), 200);
    expect(again).toMatchObject({ id: first.id, status: 'pending', attempts: 0 });
    await until('the redelivery', async () =>
      expectStatus(await t.http(seller.token).get(`/v1/webhooks/${dead.id}/deliveries`), 200).items.find(
        (d: Json) => d.id === first.id && d.status === 'succeeded',
      ),
    );
    const deadIds = rx.at('/dead').map((r) => r.body.id);
    expect(deadIds.filter((id) => id === deadIds[0]).length).toBe(deadIds.length); // always the same event
    expectProblem(await t.http(buyer.token).post(`/v1/webhook-deliveries/${first.id}/redeliver`), 404, 'NOT_FOUND');
  });

  it('a 500 then a 200: the same event id twice and nothing else; the log shows both tries', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    rx.script.set('/flaky', [500]);
    const hook = await register(p, '/flaky', ['invoice.issued']);
    const invoice = expectStatus(await t.http(p.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const done = await until('the delivery to succeed', async () =>
      expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.status === 'succeeded'),
    );
    expect(done).toMatchObject({
      eventType: 'invoice.issued',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: expect.any(String),
      lastDurationMs: expect.any(Number),
    });
    const got = rx.at('/flaky');
    expect(got).toHaveLength(2);
    expect(got[0].body.id).toBe(got[1].body.id);
    expect(got[0].body.id).toBe(done.eventId);
    expect(got[1].body.data.number).toBe(invoice.number);
    expect(signedBy(got[1].headers['einvoice-signature'], got[1].raw, hook.secret)).toBe(true);

    // The attempt history: both tries, newest first, with their answers and the key that signed.
    const attempts = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries/${done.id}/attempts`), 200);
    expect(attempts.items).toEqual([
      expect.objectContaining({ deliveryId: done.id, statusCode: 200, errorClass: null, error: null, responseExcerpt: 'ok', keyIds: [hook.secretKeyId] }),
      expect.objectContaining({
        deliveryId: done.id,
        statusCode: 500,
        errorClass: 'http_status',
        error: 'answered 500',
        responseExcerpt: 'ok',
        keyIds: [hook.secretKeyId],
      }),
    ]);
    for (const a of attempts.items) {
      expect(a.attemptedAt).toMatch(/\+08:00$/);
      expect(Number.isInteger(a.durationMs)).toBe(true);
    }
    expect(hook.secretKeyId).toMatch(/^key_[0-9a-f]{8}$/);
    // Scoped like the log: another taxpayer gets 404, and so does a delivery of another webhook.
    expectProblem(await t.http(buyer.token).get(`/v1/webhooks/${hook.id}/deliveries/${done.id}/attempts`), 404, 'NOT_FOUND');
    const other = await register(p, '/flaky-other', ['invoice.received']);
    expectProblem(await t.http(p.token).get(`/v1/webhooks/${other.id}/deliveries/${done.id}/attempts`), 404, 'NOT_FOUND');
    expect(expectStatus(await t.http(ADMIN_TOKEN).get(`/v1/webhooks/${hook.id}/deliveries/${done.id}/attempts?limit=1`), 200)).toMatchObject({
      items: [expect.objectContaining({ statusCode: 200 })],
      nextCursor: expect.any(String),
    });
  });

  it('a batch emits invoice.issued for each invoice it issued (in its one transaction), none for a refused item', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await register(p, '/batch', ['invoice.issued']);
    const body = {
      invoices: [
        blueTo(buyer, 'electronic', '10.00'),
        blueTo(buyer, 'electronic', '20.00'),
        { ...blueTo(buyer), lines: [] },
        blueTo(buyer, 'electronic', '30.00'),
      ],
    };
    const { results } = expectStatus(await t.http(p.token).post('/v1/invoices/batch').send(body), 200);
    const numbers = results.filter((r: Json) => r.number).map((r: Json) => r.number);
    expect(numbers).toHaveLength(3);
    await until('three events at /batch', () => rx.at('/batch').length >= 3);
    expect(
      rx
        .at('/batch')
        .map((r) => r.body.data.number)
        .sort(),
    ).toEqual([...numbers].sort());
    expect(rx.at('/batch').every((r) => signedBy(r.headers['einvoice-signature'], r.raw, hook.secret))).toBe(true);
  });

  it('rotation: both secrets sign during the overlap; the new one is shown once', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await register(p, '/rotated', ['invoice.issued']);
    const rotated = expectStatus(await t.http(p.token).post(`/v1/webhooks/${hook.id}/rotate-secret`), 200);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.previousSecretExpiresAt).toEqual(expect.stringMatching(/\+08:00$/));
    expect(rotated).toMatchObject({ previousSecretKeyId: hook.secretKeyId, secretKeyId: expect.stringMatching(/^key_/) });
    expect(rotated.secretKeyId).not.toBe(hook.secretKeyId);
    expect(expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}`), 200).secret).toBeUndefined();
    expectStatus(await t.http(p.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const [r] = await until('a delivery at /rotated', () => (rx.at('/rotated').length ? rx.at('/rotated') : null));
    expect(
      String(r.headers['einvoice-signature'])
        .split(',')
        .filter((x) => x.startsWith('v1=')),
    ).toHaveLength(2);
    expect(signedBy(r.headers['einvoice-signature'], r.raw, rotated.secret)).toBe(true);
    expect(signedBy(r.headers['einvoice-signature'], r.raw, hook.secret)).toBe(true);
    const [delivery] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items;
    const [attempt] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts`), 200).items;
    expect(attempt.keyIds).toEqual([rotated.secretKeyId, hook.secretKeyId]);
  });

  it('a redirect is not followed: the delivery fails with 302 and the target is never asked', async () => {
    const p = await registerTaxpayer(t, {}, '22');
    const hook = await register(p, '/redirect', ['invoice.issued']);
    expectStatus(await t.http(p.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const tried = await until('a try', async () =>
      expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.attempts >= 1),
    );
    expect(tried).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: expect.stringMatching(/redirect not followed/) });
    expect(rx.at('/target')).toEqual([]);
    expectStatus(await t.http(p.token).delete(`/v1/webhooks/${hook.id}`), 204);
    const log = await t.dataSource.query('SELECT status FROM webhook_deliveries WHERE webhook_id = ?', [hook.id]);
    expect(log.map((d: Json) => d.status)).toEqual(['cancelled']);
  });

  it('routes: scoped like every read; an admin registers for any taxpayer with taxId; bad input is a 400 naming the field', async () => {
    const mine = await register(seller, '/scoped', ['invoice.received']);
    const list = expectStatus(await t.http(seller.token).get('/v1/webhooks'), 200);
    expect(list.items.every((w: Json) => w.taxId === seller.taxId)).toBe(true);
    expect(list.items.map((w: Json) => w.id)).toContain(mine.id);
    expect(list.items.some((w: Json) => 'secret' in w)).toBe(false);
    expectProblem(await t.http(buyer.token).get(`/v1/webhooks/${mine.id}`), 404, 'NOT_FOUND');
    expectProblem(await t.http(buyer.token).delete(`/v1/webhooks/${mine.id}`), 404, 'NOT_FOUND');
    expectProblem(await t.http(buyer.token).get(`/v1/webhooks/${mine.id}/deliveries`), 404, 'NOT_FOUND');
    expectProblem(await t.http(buyer.token).post(`/v1/webhooks/${mine.id}/rotate-secret`), 404, 'NOT_FOUND');
    expectProblem(
      await t
        .http(buyer.token)
        .post('/v1/webhooks')
        .send({ url: rx.url('/x'), events: ['*'], taxId: seller.taxId }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await t.http(officer).get('/v1/webhooks'), 403, 'FORBIDDEN');
    expectProblem(
      await t
        .http(officer)
        .post('/v1/webhooks')
        .send({ url: rx.url('/x'), events: ['*'], taxId: seller.taxId }),
      403,
      'FORBIDDEN',
    );
    expectStatus(await t.http(ADMIN_TOKEN).get(`/v1/webhooks/${mine.id}`), 200);
    expectProblem(
      await t
        .http(ADMIN_TOKEN)
        .post('/v1/webhooks')
        .send({ url: rx.url('/x'), events: ['*'] }),
      400,
      'VALIDATION_FAILED',
      'taxId',
    );
    const byAdmin = await registerWebhook(t, ADMIN_TOKEN, { url: rx.url('/admin'), events: ['quota.total_changed'], taxId: buyer.taxId });
    expect(byAdmin.taxId).toBe(buyer.taxId);
    expect(expectStatus(await t.http(buyer.token).get('/v1/webhooks'), 200).items.map((w: Json) => w.id)).toContain(byAdmin.id);
    expect(expectStatus(await t.http(ADMIN_TOKEN).get(`/v1/webhooks?taxId=${buyer.taxId}`), 200).items.every((w: Json) => w.taxId === buyer.taxId)).toBe(true);
    expectProblem(
      await t
        .http(seller.token)
        .post('/v1/webhooks')
        .send({ url: rx.url('/x'), events: ['invoice.paid'] }),
      400,
      'VALIDATION_FAILED',
      'events',
    );
    expectProblem(
      await t
        .http(seller.token)
        .post('/v1/webhooks')
        .send({ url: rx.url('/x'), events: [] }),
      400,
      'VALIDATION_FAILED',
      'events',
    );
    expectProblem(
      await t
        .http(seller.token)
        .post('/v1/webhooks')
        .send({ url: 'ftp://127.0.0.1/x', events: ['*'] }),
      400,
      'VALIDATION_FAILED',
      'url',
    );
    // Cloud metadata addresses: refused even with private targets allowed.
    expectProblem(
      await t
        .http(seller.token)
        .post('/v1/webhooks')
        .send({ url: 'http://169.254.169.254/latest/meta-data/', events: ['*'] }),
      400,
      'VALIDATION_FAILED',
      'url',
    );
    expectProblem(
      await t
        .http(seller.token)
        .post('/v1/webhooks')
        .send({ url: 'http://[fd00:ec2::254]/', events: ['*'] }),
      400,
      'VALIDATION_FAILED',
      'url',
    );
    expectProblem(await t.http(seller.token).get('/v1/webhooks/not-a-uuid'), 404, 'NOT_FOUND');
    expectStatus(await t.http(seller.token).delete(`/v1/webhooks/${mine.id}`), 204);
    expectProblem(await t.http(seller.token).get(`/v1/webhooks/${mine.id}`), 404, 'NOT_FOUND');
    // The secret is stored encrypted: the database holds no whsec_.
    const rows = await t.dataSource.query('SELECT secret_enc FROM webhooks');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r: Json) => !String(r.secret_enc).includes('whsec_'))).toBe(true);
  });
});

describe('webhooks without WEBHOOK_ALLOW_PRIVATE_TARGETS (SSRF)', () => {
  let t: TestApp;
  let rx: Receiver;
  let p: Party;
  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
    t = await startApp({ WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_SECRET_KEY: ENV.WEBHOOK_SECRET_KEY });
    await setClock(t, T0);
    p = await registerTaxpayer(t, {}, '22');
  });
  afterAll(async () => {
    await t.close();
    await rx.stop();
  });

  it.each([
    ['loopback', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['a private network', () => 'http://10.1.2.3/hook'],
    ['link-local', () => 'http://169.254.10.10/hook'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/hook`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`],
    ['localhost', (port: number) => `http://localhost:${port}/hook`],
    ['loopback as one decimal number', (port: number) => `http://2130706433:${port}/hook`],
    ['loopback in hex shorthand', (port: number) => `http://0x7f.1:${port}/hook`],
    ['IPv4-compatible loopback', (port: number) => `http://[::127.0.0.1]:${port}/hook`],
    ['IPv4-translated loopback', (port: number) => `http://[::ffff:0:7f00:1]:${port}/hook`],
    ['6to4 loopback', (port: number) => `http://[2002:7f00:1::]:${port}/hook`],
    ['the metadata address inside IPv6', () => 'http://[::169.254.169.254]/latest/meta-data/'],
  ])('registering %s is a 400 naming url', async (_label, url) => {
    expectProblem(
      await t
        .http(p.token)
        .post('/v1/webhooks')
        .send({ url: url(rx.port), events: ['*'] }),
      400,
      'VALIDATION_FAILED',
      'url',
    );
  });

  it('a name that resolves to loopback is refused when connecting (DNS rebinding cannot bypass it); nothing reaches the receiver', async () => {
    const dispatcher = t.app.get(WebhookDispatcher);
    dispatcher.useResolver(((hostname: string, _o: unknown, cb: (e: Error | null, a: { address: string; family: number }[]) => void) =>
      hostname === 'erp.rebind.test'
        ? cb(null, [{ address: '127.0.0.1', family: 4 }])
        : cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), [])) as unknown as LookupFunction);
    const hook = await registerWebhook(t, p.token, { url: `http://erp.rebind.test:${rx.port}/hook`, events: ['invoice.issued'] });
    const buyer = await registerTaxpayer(t, {}, '41');
    expectStatus(await t.http(p.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const tried = await until('a try', async () =>
      expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.attempts >= 1),
    );
    expect(tried).toMatchObject({
      status: 'pending',
      lastStatusCode: null,
      lastError: expect.stringMatching(/refused.*127\.0\.0\.1.*WEBHOOK_ALLOW_PRIVATE_TARGETS/),
    });
    expect(rx.received).toEqual([]);
  });

  it.each([
    ['a private network address', '10.20.30.40', /refused.*10\.20\.30\.40.*WEBHOOK_ALLOW_PRIVATE_TARGETS/],
    ['the cloud metadata address', '169.254.169.254', /169\.254\.169\.254.*metadata/],
    ['the metadata address in IPv4-mapped IPv6', '::ffff:169.254.169.254', /metadata/],
  ])('a name that resolves to %s is refused when connecting; the log says why', async (_label, address, why) => {
    const dispatcher = t.app.get(WebhookDispatcher);
    const name = `erp-${randomUUID().slice(0, 8)}.resolve.test`;
    dispatcher.useResolver(((hostname: string, _o: unknown, cb: (e: Error | null, a: { address: string; family: number }[]) => void) =>
      hostname === name
        ? cb(null, [{ address, family: address.includes(':') ? 6 : 4 }])
        : cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), [])) as unknown as LookupFunction);
    const hook = await registerWebhook(t, p.token, { url: `http://${name}/hook`, events: ['invoice.issued'] });
    const buyer = await registerTaxpayer(t, {}, '41');
    expectStatus(await t.http(p.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    const tried = await until('a try', async () =>
      expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries`), 200).items.find((d: Json) => d.attempts >= 1),
    );
    expect(tried).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: expect.stringMatching(why) });
    const [attempt] = expectStatus(await t.http(p.token).get(`/v1/webhooks/${hook.id}/deliveries/${tried.id}/attempts`), 200).items;
    expect(attempt).toMatchObject({ statusCode: null, errorClass: 'refused' });
    expectStatus(await t.http(p.token).delete(`/v1/webhooks/${hook.id}`), 204);
  });
});

describe('webhook retention (WEBHOOK_RETENTION_DAYS=30, the manual clock)', () => {
  let t: TestApp;
  let rx: Receiver;
  let buyer: Party;
  const DAY = 86_400_000;
  const at = (days: number) => new Date(Date.parse(T0) + days * DAY).toISOString();

  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
  });
  afterAll(() => rx.stop());
  // Each test has its own app: each moves the clock, and a sweep counts the whole database.
  beforeEach(async () => {
    t = await startApp({ ...ENV, WEBHOOK_RETENTION_DAYS: '30' });
    await setClock(t, T0);
    buyer = await registerTaxpayer(t, {}, '41');
  });
  afterEach(() => t.close());

  const hookFor = async (path: string) => {
    const who = await registerTaxpayer(t, {}, '22');
    const hook = await registerWebhook(t, who.token, { url: rx.url(path), events: ['invoice.issued'] });
    return { who, hook };
  };
  const log = async (who: Party, hookId: string): Promise<Json[]> => expectStatus(await t.http(who.token).get(`/v1/webhooks/${hookId}/deliveries`), 200).items;
  const issueAndWait = async (who: Party, hookId: string, done: (d: Json) => boolean) => {
    const before = new Set((await log(who, hookId)).map((d) => d.id));
    expectStatus(await t.http(who.token).post('/v1/invoices').send(blueTo(buyer)), 201);
    return until('the delivery', async () => (await log(who, hookId)).find((d) => !before.has(d.id) && done(d)));
  };
  const rowsOf = async (delivery: Json) => ({
    events: (await t.dataSource.query('SELECT id FROM outbox_events WHERE id = ?', [delivery.eventId])).length,
    attempts: (await t.dataSource.query('SELECT id FROM webhook_delivery_attempts WHERE delivery_id = ?', [delivery.id])).length,
  });

  it('removes what finished more than the retention ago; keeps newer, pending and (until its retention) failed deliveries', async () => {
    const retention = t.app.get(WebhookRetention);
    // Delivered at T0.
    const ok = await hookFor('/ret-ok');
    const old = await issueAndWait(ok.who, ok.hook.id, (d) => d.status === 'succeeded');
    // Never delivered: the receiver answers 500 throughout (pending, retried).
    rx.script.set('/ret-down', new Array(1000).fill(500));
    const down = await hookFor('/ret-down');
    const pending = await issueAndWait(down.who, down.hook.id, (d) => d.attempts >= 1);
    // Failed for good on day 10 (its attempts set to where three days of backoff end).
    rx.script.set('/ret-failed', new Array(1000).fill(500));
    const dead = await hookFor('/ret-failed');
    const failing = await issueAndWait(dead.who, dead.hook.id, (d) => d.attempts >= 1);
    await setClock(t, at(10));
    await t.dataSource
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ attempts: 18, nextAttemptAt: new Date() })
      .where('id = :id', { id: failing.id })
      .execute();
    await until('the delivery to fail', async () => (await log(dead.who, dead.hook.id)).find((d) => d.id === failing.id && d.status === 'failed'));
    // Old events an earlier batch holds back (pending, not due): the walk goes on past them.
    const held = Array.from({ length: RETENTION_BATCH + 20 }, (_, i) => `evt_000000000000${String(i).padStart(6, '0')}00000000`);
    await t.dataSource
      .createQueryBuilder()
      .insert()
      .into(OutboxEventEntity)
      .values(
        held.map((id) => ({ id, type: 'invoice.issued', taxId: ok.who.taxId, createdAt: new Date(Date.parse(T0) - DAY), payload: '{}', dispatched: true })),
      )
      .execute();
    await t.dataSource
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryEntity)
      .values(
        held.map((eventId) => ({
          id: randomUUID(),
          webhookId: randomUUID(),
          eventId,
          eventSeq: 0,
          eventType: 'invoice.issued',
          status: 'pending' as const,
          attempts: 3,
          nextAttemptAt: new Date(Date.now() + 365 * DAY),
          createdAt: new Date(),
        })),
      )
      .execute();

    // Day 31: the delivery of day 0 is past its retention; one made now is not.
    await setClock(t, at(31));
    const fresh = await issueAndWait(ok.who, ok.hook.id, (d) => d.status === 'succeeded');
    expect(await rowsOf(old)).toEqual({ events: 1, attempts: 1 });
    expect(await retention.sweep()).toBe(1);
    expect((await log(ok.who, ok.hook.id)).map((d) => d.id)).toEqual([fresh.id]);
    expect(await rowsOf(old)).toEqual({ events: 0, attempts: 0 });
    expect(await rowsOf(fresh)).toEqual({ events: 1, attempts: 1 });
    expect((await log(down.who, down.hook.id)).map((d) => [d.id, d.status])).toEqual([[pending.id, 'pending']]);
    expect((await t.dataSource.query(`SELECT id FROM outbox_events WHERE id IN (${held.map(() => '?').join(',')})`, held)).length).toBe(held.length);
    // The failed delivery (failed on day 10) is kept, with its event, for redelivery.
    expect((await log(dead.who, dead.hook.id)).map((d) => [d.id, d.status])).toEqual([[failing.id, 'failed']]);
    expect((await rowsOf(failing)).events).toBe(1);

    // Day 41: its retention is over; the pending one and the one of day 31 stay.
    await setClock(t, at(41));
    expect(await retention.sweep()).toBe(1);
    expect(await log(dead.who, dead.hook.id)).toEqual([]);
    expect(await rowsOf(failing)).toEqual({ events: 0, attempts: 0 });
    expectProblem(await t.http(dead.who.token).post(`/v1/webhook-deliveries/${failing.id}/redeliver`), 404, 'NOT_FOUND');
    expect((await log(ok.who, ok.hook.id)).map((d) => d.id)).toEqual([fresh.id]);
    expect((await log(down.who, down.hook.id)).map((d) => d.id)).toEqual([pending.id]);
    expect((await rowsOf(pending)).events).toBe(1);
    expect(await retention.sweep()).toBe(0);
  });

  it('a failed delivery redelivered before its retention ends is kept for a whole retention from its new end', async () => {
    const retention = t.app.get(WebhookRetention);
    await setClock(t, at(100));
    rx.script.set('/ret-again', new Array(1000).fill(500));
    const dead = await hookFor('/ret-again');
    const failing = await issueAndWait(dead.who, dead.hook.id, (d) => d.attempts >= 1);
    await t.dataSource
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ attempts: 18, nextAttemptAt: new Date() })
      .where('id = :id', { id: failing.id })
      .execute();
    await until('the delivery to fail', async () => (await log(dead.who, dead.hook.id)).find((d) => d.status === 'failed'));
    // Day 129 (still within its retention): sent again, and answered this time.
    await setClock(t, at(129));
    rx.script.set('/ret-again', []);
    expectStatus(await t.http(dead.who.token).post(`/v1/webhook-deliveries/${failing.id}/redeliver`), 200);
    await until('the redelivery', async () => (await log(dead.who, dead.hook.id)).find((d) => d.status === 'succeeded'));
    await setClock(t, at(140));
    await retention.sweep();
    expect((await log(dead.who, dead.hook.id)).map((d) => d.status)).toEqual(['succeeded']);
    await setClock(t, at(160));
    await retention.sweep();
    expect(await log(dead.who, dead.hook.id)).toEqual([]);
  });
});
