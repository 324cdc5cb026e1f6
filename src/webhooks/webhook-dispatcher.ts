import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LookupFunction } from 'node:net';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { every } from '../common/every';
import { ForegroundFirst } from '../common/foreground-first';
import { formatCst } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { OutboxEventEntity } from '../database/outbox.entity';
import { Outbox } from '../database/outbox.service';
import { retryDelaySeconds } from './backoff';
import { claimMs, sendDeadline } from './claims';
import { subscribes } from './events';
import { createPoster, Poster, PostOutcome } from './http-post';
import { SecretBox } from './secret-box';
import { headsToRead, pickHeads } from './slots';
import { keyId, signatureHeader } from './signature';
import { OutboxEventsRepository } from './outbox-events.repository';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { DeliveryOutcome, newDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entities';
import { WebhooksRepository } from './webhooks.repository';
import { webhookDeliveryView } from './webhooks.service';

const POLL_MS = 200;
const FAN_OUT_BATCH = 500;
/** Fan-out rounds a tick makes at most before it starts due deliveries (the rest waits for the next tick). */
const FAN_OUT_ROUNDS_PER_TICK = 8;
/** Events fanned out per step while the process is busy serving requests (ForegroundFirst). */
const FAN_OUT_BATCH_BUSY = 25;
/** Event-loop utilization from which the dispatcher yields to requests. */
const BUSY_UTILIZATION = 0.6;
/** An endpoint's pending deliveries read at a time. */
const PAGE = 50;
/** The real-time milliseconds inside an outbox event id (`evt_` + 12 hex). */
const emittedAt = (eventId: string) => parseInt(eventId.slice(4, 16), 16);

/**
 * Delivers outbox events to webhooks, in every process. Each tick (every 200 ms) it fans new
 * outbox rows out to the subscribed endpoints (one delivery row per event and endpoint, unique, so
 * two processes fanning out the same rows create each once), then works the endpoints whose oldest
 * pending delivery is due: an endpoint's deliveries go out one at a time in event order, each
 * claimed first with a conditional UPDATE (so no two processes send the same attempt at once; a
 * claim runs out after claimMs, so a killed process loses nothing). At most WEBHOOK_CONCURRENCY
 * endpoints are worked at once per process, of them at most WEBHOOK_TAXPAYER_CONCURRENCY of one
 * taxpayer's. All of it runs beside request handling: a slow or dead endpoint holds one slot for
 * at most WEBHOOK_TIMEOUT_SECONDS per attempt, never waits for a socket behind another endpoint on
 * the same host (the poster opens as many per host as there are slots), and never touches issuing.
 * Without WEBHOOK_SECRET_KEY nothing can be signed: the fan-out still runs (so events nobody
 * subscribed to are deleted and the outbox does not grow), deliveries wait for the key.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private poster: Poster;
  private readonly working = new Map<string, Promise<void>>();
  /** Endpoints being worked, per taxpayer (at most webhookTaxpayerConcurrency each). */
  private readonly perTaxpayer = new Map<string, number>();
  /** Each webhook's taxpayer (it never changes), learnt as heads come. */
  private readonly taxIdOf = new Map<string, string>();
  private stop: () => void = () => undefined;
  private ticking = false;
  private stopped = false;
  /** Requests first: while the event loop is busy, fan-out steps and attempts go at the floor rate. */
  private readonly gate: ForegroundFirst;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly outbox: Outbox,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly attempts: WebhookAttemptsRepository,
    private readonly outboxEvents: OutboxEventsRepository,
  ) {
    this.poster = this.newPoster();
    this.gate = new ForegroundFirst(BUSY_UTILIZATION, config.webhookBusyFloorPerSecond);
  }

  /** Resolves names with `resolve` from now on (tests: a name that resolves to a refused address). */
  useResolver(resolve: LookupFunction): void {
    this.poster.destroy();
    this.poster = this.newPoster(resolve);
  }

  /** As many sockets per origin as there are slots, so endpoints on one host never wait for each other's. */
  private newPoster(resolve?: LookupFunction): Poster {
    const { webhookAllowPrivateTargets: allowPrivate, webhookConcurrency: maxSockets, webhookTimeoutSeconds } = this.config;
    return createPoster({ allowPrivate, maxSockets, timeoutMs: webhookTimeoutSeconds * 1000, resolve });
  }

  onModuleInit(): void {
    this.stop = every(POLL_MS, () => this.tick(), this.logger, 'the webhook dispatcher');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.stop();
    this.poster.destroy();
    await Promise.allSettled([...this.working.values()]);
  }

  /** One round: fan out, then (with a key to sign with) start work on due endpoints. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      // A bounded number of fan-out rounds, then deliveries: under sustained issuing the outbox
      // never runs dry, and an unbounded fan-out would keep every delivery waiting behind it.
      for (let round = 0; round < FAN_OUT_ROUNDS_PER_TICK; round++) {
        await this.gate.admit(() => this.stopped);
        const size = this.gate.busy() ? FAN_OUT_BATCH_BUSY : FAN_OUT_BATCH;
        if ((await this.fanOut(size)) < size || this.stopped) break;
      }
      if (this.box.key) await this.startDue();
    } finally {
      this.ticking = false;
    }
  }

  /** New outbox rows -> delivery rows for the endpoints subscribed at the time; rows nobody subscribed to are deleted. */
  private async fanOut(size: number): Promise<number> {
    const events = await this.outboxEvents.undispatched(size);
    if (events.length === 0) return 0;
    const hooks = await this.webhooks.liveOf([...new Set(events.map((e) => e.taxId))]);
    const now = new Date();
    const deliveries: WebhookDeliveryEntity[] = [];
    const matched: string[] = [];
    const unmatched: string[] = [];
    for (const event of events) {
      const targets = hooks.filter((h) => h.taxId === event.taxId && subscribes(h.events, event.type) && h.createdAt.getTime() <= emittedAt(event.id));
      (targets.length ? matched : unmatched).push(event.id);
      for (const hook of targets) {
        deliveries.push(newDelivery(randomUUID(), hook.id, event, now));
      }
    }
    await this.db.transaction(async (em) => {
      await this.deliveries.insertNew(em, deliveries);
      if (matched.length) await this.outboxEvents.markDispatched(em, matched);
      if (unmatched.length) await this.outboxEvents.deleteUndispatched(em, unmatched);
    });
    return events.length;
  }

  /** The oldest pending delivery of each endpoint (its head), if it is due and nobody holds it: up to `take`. */
  private heads(take: number): Promise<WebhookDeliveryEntity[]> {
    return this.deliveries.heads(new Date(), take);
  }

  /**
   * Starts work on due endpoints, up to WEBHOOK_CONCURRENCY at once, at most
   * WEBHOOK_TAXPAYER_CONCURRENCY of them one taxpayer's (the rules: slots.ts).
   */
  private async startDue(): Promise<void> {
    const { webhookConcurrency: slots, webhookTaxpayerConcurrency: share, webhookMaxPerTaxpayer } = this.config;
    const use = { slots, share, working: new Set(this.working.keys()), perTaxpayer: this.perTaxpayer };
    if (this.working.size >= slots) return;
    const full = [...this.perTaxpayer].filter(([, n]) => n >= share).map(([taxId]) => taxId);
    const heads = await this.heads(headsToRead(use, full.length ? (await this.webhooks.liveOf(full)).length : 0, webhookMaxPerTaxpayer));
    const unknown = [...new Set(heads.map((h) => h.webhookId).filter((id) => !this.taxIdOf.has(id)))];
    if (this.taxIdOf.size > 100_000) this.taxIdOf.clear(); // learnt again as needed
    if (unknown.length) for (const [id, taxId] of await this.webhooks.taxIdsOf(unknown)) this.taxIdOf.set(id, taxId);
    // A webhook not found (never, as rows are only marked deleted) counts as a taxpayer of its own.
    const taxIdOf = (webhookId: string) => this.taxIdOf.get(webhookId) ?? `?${webhookId}`;
    for (const head of pickHeads(heads, taxIdOf, use)) {
      if (this.stopped) break;
      const taxId = taxIdOf(head.webhookId);
      this.perTaxpayer.set(taxId, (this.perTaxpayer.get(taxId) ?? 0) + 1);
      const work = this.workEndpoint(head)
        .catch((e: Error) => this.logger.warn(`webhook ${head.webhookId}: ${e?.message ?? e}`))
        .finally(() => {
          this.working.delete(head.webhookId);
          const left = (this.perTaxpayer.get(taxId) ?? 1) - 1;
          if (left > 0) this.perTaxpayer.set(taxId, left);
          else this.perTaxpayer.delete(taxId);
        });
      this.working.set(head.webhookId, work);
    }
  }

  /**
   * One endpoint's due deliveries, one after the other, in event order: its pending deliveries are
   * read oldest first, a page at a time, with their events and the webhook's secrets read once
   * per page; the work stops at the first one that is not due, is held by another process, or
   * fails (the later ones wait for its retry).
   */
  private async workEndpoint(first: WebhookDeliveryEntity): Promise<void> {
    let page: WebhookDeliveryEntity[] = [first];
    while (page.length && !this.stopped) {
      const [hook, events] = await Promise.all([this.webhooks.find(first.webhookId), this.outboxEvents.findMany(page.map((d) => d.eventId))]);
      const secrets = hook && !hook.deletedAt ? this.secretsOf(hook) : [];
      for (const delivery of page) {
        if (this.stopped || delivery.nextAttemptAt === null || delivery.nextAttemptAt.getTime() > Date.now()) return;
        await this.gate.admit(() => this.stopped);
        if (!(await this.attempt(delivery, hook, secrets, events.find((e) => e.id === delivery.eventId) ?? null))) return;
      }
      page = await this.deliveries.pending(first.webhookId, PAGE);
    }
  }

  private secretsOf(hook: WebhookEntity): string[] {
    const secrets = [this.box.open(hook.secretEnc)];
    if (hook.previousSecretEnc && hook.previousExpiresAt && hook.previousExpiresAt.getTime() > Date.now()) secrets.push(this.box.open(hook.previousSecretEnc));
    return secrets;
  }

  /** Claims the delivery and makes one attempt; true when it succeeded (false: held elsewhere, or failed). */
  private async attempt(delivery: WebhookDeliveryEntity, hook: WebhookEntity | null, secrets: string[], event: OutboxEventEntity | null): Promise<boolean> {
    const token = randomUUID();
    const timeoutMs = this.config.webhookTimeoutSeconds * 1000;
    const now = new Date();
    const until = now.getTime() + claimMs(timeoutMs);
    if (!(await this.deliveries.claim(delivery.id, token, now, new Date(until)))) return false;
    const deadline = sendDeadline(until, Date.now(), timeoutMs);
    if (deadline === null) {
      // The claim came back too late to hold a whole attempt: not sent, released, tried again later.
      await this.finish(delivery, token, {});
      return false;
    }
    if (!hook || hook.deletedAt || !event) {
      await this.finish(delivery, token, {
        status: 'cancelled',
        nextAttemptAt: null,
        lastError: !event ? 'the event is no longer kept' : 'the webhook was deleted',
      });
      return true;
    }
    // Stored as a JSON string value; some driver stacks hand it back parsed (see IdempotencyService).
    const data = typeof event.payload === 'string' ? event.payload : JSON.stringify(event.payload);
    const envelope = JSON.stringify({ id: event.id, type: event.type, createdAt: formatCst(event.createdAt), taxId: event.taxId });
    const body = `${envelope.slice(0, -1)},"data":${data}}`;
    const sentAt = new Date();
    const outcome = await this.poster.post(
      hook.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'einvoice-webhooks/1',
        'einvoice-event-id': event.id,
        'einvoice-event-type': event.type,
        'einvoice-signature': signatureHeader(secrets, Math.floor(Date.now() / 1000), body),
      },
      deadline,
    );
    const tried: WebhookAttemptEntity = {
      id: randomUUID(),
      deliveryId: delivery.id,
      createdAt: sentAt,
      statusCode: outcome.status,
      errorClass: outcome.errorClass,
      error: outcome.error?.slice(0, 500) ?? null,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.excerpt || null,
      keyIds: secrets.map(keyId).join(','),
    };
    await this.record(delivery, hook, token, outcome, tried);
    return outcome.error === null;
  }

  private async record(delivery: WebhookDeliveryEntity, hook: WebhookEntity, token: string, outcome: PostOutcome, tried: WebhookAttemptEntity): Promise<void> {
    const attempts = delivery.attempts + 1;
    const at = new Date();
    const common = {
      attempts,
      lastStatusCode: outcome.status,
      lastDurationMs: outcome.durationMs,
      lastError: outcome.error?.slice(0, 500) ?? null,
      lastAttemptAt: at,
    };
    if (outcome.error === null) {
      await this.finish(delivery, token, { ...common, status: 'succeeded', deliveredAt: at, nextAttemptAt: null }, [], tried);
      return;
    }
    const delay = retryDelaySeconds(attempts, this.config.webhookRetryBaseSeconds);
    if (delay !== null) {
      await this.finish(delivery, token, { ...common, nextAttemptAt: new Date(at.getTime() + delay * 1000) }, [], tried);
      return;
    }
    const failed: WebhookDeliveryEntity = { ...delivery, ...common, status: 'failed', nextAttemptAt: null, claimedUntil: null, claimToken: null };
    this.logger.warn(`webhook delivery ${delivery.id} to ${hook.url} failed for good after ${attempts} attempts: ${outcome.error}`);
    await this.finish(
      delivery,
      token,
      { ...common, status: 'failed', nextAttemptAt: null },
      delivery.eventType === 'delivery.failed'
        ? []
        : [{ type: 'delivery.failed', taxIds: [hook.taxId], payload: { ...webhookDeliveryView(failed), url: hook.url } }],
      tried,
    );
  }

  /**
   * Writes the attempt's outcome and releases the claim, if this process still holds it; the
   * attempt's history row and any events go in the same transaction. A delivery that ends
   * (succeeded, failed, cancelled) gets `finishedAt` by the clock, from which retention counts.
   */
  private async finish(
    delivery: WebhookDeliveryEntity,
    token: string,
    set: DeliveryOutcome,
    events: Parameters<Outbox['emit']>[1] = [],
    tried: WebhookAttemptEntity | null = null,
  ): Promise<void> {
    const finished = set.status !== undefined && set.status !== 'pending' ? { finishedAt: this.clock.now() } : {};
    const work = async (em: EntityManager) => {
      if (!(await this.deliveries.finish(em, delivery.id, token, { ...set, ...finished }))) return;
      if (tried) await this.attempts.insert(em, tried);
      if (events.length) await this.outbox.emit(em, events);
    };
    await (events.length || tried ? this.db.transaction(work) : this.deliveries.single(work));
  }
}
