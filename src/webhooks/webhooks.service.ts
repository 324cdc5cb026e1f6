import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Principal } from '../common/principal';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { PageQuery } from '../common/pagination';
import { Problems } from '../common/problem';
import { formatCst } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { checkTargetUrl } from './address-policy';
import { SecretBox } from './secret-box';
import { keyId } from './signature';
import { CreateWebhookDto, ListWebhooksQuery } from './webhooks.dto';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from './webhook.entities';
import { SecretChange, WebhooksRepository } from './webhooks.repository';

/** The webhook as the API shows it; `open` decrypts a stored secret (for its key id, never shown). */
export function webhookView(w: WebhookEntity, open: (sealed: string) => string) {
  const overlapping = w.previousSecretEnc !== null && w.previousExpiresAt !== null && w.previousExpiresAt.getTime() > Date.now();
  return {
    id: w.id,
    taxId: w.taxId,
    url: w.url,
    events: w.events.split(','),
    description: w.description,
    createdAt: formatCst(w.createdAt),
    secretKeyId: keyId(open(w.secretEnc)),
    previousSecretKeyId: overlapping ? keyId(open(w.previousSecretEnc!)) : null,
    previousSecretExpiresAt: overlapping ? formatCst(w.previousExpiresAt!) : null,
  };
}

export function webhookAttemptView(a: WebhookAttemptEntity) {
  return {
    id: a.id,
    deliveryId: a.deliveryId,
    attemptedAt: formatCst(a.createdAt),
    statusCode: a.statusCode,
    errorClass: a.errorClass,
    error: a.error,
    durationMs: a.durationMs,
    responseExcerpt: a.responseExcerpt,
    keyIds: a.keyIds ? a.keyIds.split(',') : [],
  };
}

export function webhookDeliveryView(d: WebhookDeliveryEntity) {
  const at = (v: Date | null) => (v ? formatCst(v) : null);
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastDurationMs: d.lastDurationMs,
    lastError: d.lastError,
    lastAttemptAt: at(d.lastAttemptAt),
    nextAttemptAt: d.status === 'pending' ? at(d.nextAttemptAt) : null,
    deliveredAt: at(d.deliveredAt),
    createdAt: formatCst(d.createdAt),
  };
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * Webhook endpoints (API.md "Webhooks"): a taxpayer principal manages its own, an admin any
 * taxpayer's; other roles may not (403), and another taxpayer's webhook is not found (404).
 * Times here are real time (not the test clock), like the deliveries they schedule.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly taxpayers: TaxpayersService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveryRows: WebhookDeliveriesRepository,
    private readonly attemptRows: WebhookAttemptsRepository,
  ) {}

  private view(w: WebhookEntity) {
    return webhookView(w, (sealed) => this.box.open(sealed));
  }

  private taxIdFor(principal: Principal, taxId: string | undefined): string {
    if (principal.role === 'admin') {
      if (!taxId) throw Problems.field('taxId', 'is required when an admin registers a webhook: the taxpayer whose events it receives');
      return taxId;
    }
    if (principal.role !== 'taxpayer' || !principal.taxpayerId) throw Problems.forbidden('only a taxpayer principal or an admin manages webhooks');
    if (taxId && taxId !== principal.taxpayerId) throw Problems.forbidden('a taxpayer principal registers webhooks for its own events only');
    return principal.taxpayerId;
  }

  async create(principal: Principal, dto: CreateWebhookDto, record: RecordResponse) {
    const taxId = this.taxIdFor(principal, dto.taxId);
    const problem = checkTargetUrl(dto.url, this.config.webhookAllowPrivateTargets);
    if (problem) throw Problems.field('url', problem);
    if (!(await this.taxpayers.find(taxId))) throw Problems.notFound(`taxpayer ${taxId}`);
    const limit = this.config.webhookMaxPerTaxpayer;
    const live = await this.webhooks.countLive(taxId);
    if (live >= limit)
      throw Problems.invalidState(
        `taxpayer ${taxId} has ${live} webhooks, the most WEBHOOK_MAX_PER_TAXPAYER (${limit}) allows: ` +
          'delete one it no longer needs (DELETE /v1/webhooks/{id}), or subscribe one endpoint to several events (events accepts a list, or "*")',
        { limit, webhooks: live },
      );
    const secret = newSecret();
    const row: WebhookEntity = {
      id: randomUUID(),
      taxId,
      url: dto.url,
      events: (dto.events.includes('*') ? ['*'] : dto.events).join(','),
      description: dto.description ?? null,
      secretEnc: this.box.seal(secret),
      previousSecretEnc: null,
      previousExpiresAt: null,
      createdAt: new Date(),
      createdBy: principal.actorRef,
      deletedAt: null,
    };
    const view = { ...this.view(row), secret };
    await this.audit.insertAudited(
      principal,
      WebhookEntity,
      row,
      { action: 'webhook.created', objectType: 'webhook', objectId: row.id, taxpayerId: taxId, after: { url: row.url, events: row.events } },
      { body: view, record },
    );
    return view;
  }

  /** The webhook, if the principal may manage it (404 otherwise, as for any object not one's own). */
  async find(principal: Principal, id: string): Promise<WebhookEntity> {
    const row = await this.webhooks.find(id);
    const mine = row && row.deletedAt === null && (principal.role === 'admin' || (principal.role === 'taxpayer' && principal.taxpayerId === row.taxId));
    if (!mine) throw Problems.notFound(`webhook ${id}`);
    return row;
  }

  async get(principal: Principal, id: string) {
    return this.view(await this.find(principal, id));
  }

  async list(principal: Principal, query: ListWebhooksQuery) {
    if (principal.role !== 'admin' && (!principal.taxpayerId || (query.taxId && query.taxId !== principal.taxpayerId))) return { items: [], nextCursor: null };
    const taxId = principal.role === 'admin' ? (query.taxId ?? null) : principal.taxpayerId;
    const { rows, nextCursor } = await this.webhooks.page(taxId, query);
    return { items: rows.map((w) => this.view(w)), nextCursor };
  }

  /** Deletes the webhook; its deliveries not yet made are cancelled. */
  async remove(principal: Principal, id: string): Promise<void> {
    const row = await this.find(principal, id);
    await this.db.transaction(async (em) => {
      if (!(await this.webhooks.markDeleted(em, id, new Date()))) return;
      await this.deliveryRows.cancelPending(em, id, this.clock.now());
      await this.audit.record(em, principal, {
        action: 'webhook.deleted',
        objectType: 'webhook',
        objectId: id,
        taxpayerId: row.taxId,
        before: { url: row.url },
      });
    });
  }

  /**
   * A new secret; the one it replaces keeps being signed with (a second `v1=`) for
   * WEBHOOK_ROTATION_OVERLAP_HOURS, so receivers can switch without losing an event. One previous
   * secret is kept, never two: rotating again within the overlap makes the secret it replaces
   * the previous one (for a fresh overlap from now), and the one before that stops signing at
   * once, so a receiver that still knows only that one fails from then on. Rotate again only
   * after the receiver has switched to the secret the last rotation answered.
   */
  async rotate(principal: Principal, id: string) {
    const row = await this.find(principal, id);
    const secret = newSecret();
    const overlap = this.config.webhookRotationOverlapHours * 3600_000;
    const update: SecretChange = {
      secretEnc: this.box.seal(secret),
      previousSecretEnc: overlap > 0 ? row.secretEnc : null,
      previousExpiresAt: overlap > 0 ? new Date(Date.now() + overlap) : null,
    };
    await this.db.transaction(async (em) => {
      if (!(await this.webhooks.replaceSecret(em, id, row.secretEnc, update))) throw Problems.invalidState(`webhook ${id} changed meanwhile; try again`);
      await this.audit.record(em, principal, {
        action: 'webhook.secret_rotated',
        objectType: 'webhook',
        objectId: id,
        taxpayerId: row.taxId,
        after: { previousSecretExpiresAt: update.previousExpiresAt?.toISOString() ?? null },
      });
    });
    return { ...this.view({ ...row, ...update }), secret };
  }

  async deliveries(principal: Principal, id: string, query: PageQuery) {
    await this.find(principal, id);
    const { rows, nextCursor } = await this.deliveryRows.page(id, query);
    return { items: rows.map(webhookDeliveryView), nextCursor };
  }

  /** A delivery's attempts, newest first (each with its time, answer or error class, duration, body excerpt and key ids). */
  async attempts(principal: Principal, id: string, deliveryId: string, query: PageQuery) {
    await this.find(principal, id);
    const delivery = await this.deliveryRows.findOf(id, deliveryId);
    if (!delivery) throw Problems.notFound(`webhook delivery ${deliveryId}`);
    const { rows, nextCursor } = await this.attemptRows.page(deliveryId, query);
    return { items: rows.map(webhookAttemptView), nextCursor };
  }

  /** Sends a delivery again (same event id), as soon as its endpoint's earlier deliveries are done; a fresh three days of retries. */
  async redeliver(principal: Principal, deliveryId: string) {
    const delivery = await this.deliveryRows.find(deliveryId);
    if (!delivery) throw Problems.notFound(`webhook delivery ${deliveryId}`);
    await this.find(principal, delivery.webhookId).catch(() => {
      throw Problems.notFound(`webhook delivery ${deliveryId}`);
    });
    if (delivery.status === 'pending')
      throw Problems.invalidState(
        `delivery ${deliveryId} is pending already (next attempt ${delivery.nextAttemptAt ? formatCst(delivery.nextAttemptAt) : 'now'})`,
      );
    const now = new Date();
    await this.db.transaction(async (em) => {
      if (!(await this.deliveryRows.reopen(em, deliveryId, delivery.status, now)))
        throw Problems.invalidState(`delivery ${deliveryId} changed meanwhile; read it again`);
    });
    return webhookDeliveryView({ ...delivery, status: 'pending', attempts: 0, nextAttemptAt: now, claimedUntil: null, claimToken: null, finishedAt: null });
  }
}
