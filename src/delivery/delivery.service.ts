import { every } from '../common/every';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/principal';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { formatMoney } from '../common/money';
import { formatCst, formatCstDate } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { InvoicesService } from '../invoices/invoices.service';
import { RenderingService } from '../rendering/rendering.service';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryEntity } from './delivery.entity';

const MAX_ATTEMPTS = 6;
const SWEEP_EVERY_MS = 30_000;
/** A delivery still pending this long after its last attempt began is taken up again (its process died). */
const STALE_PENDING_MS = 5 * 60_000;
const backoffMs = (attempts: number) => Math.min(60_000 * 2 ** (attempts - 1), 3600_000);

/** A receipt as shown: an outbox file by its name only (rows written before kept a full path). */
const receiptOf = (receipt: string | null) => (receipt?.startsWith('file: ') ? `file: ${path.basename(receipt.slice(6))}` : receipt);

export function deliveryView(d: DeliveryEntity) {
  return {
    id: d.id,
    invoiceNumber: d.invoiceNumber,
    channel: d.channel,
    to: d.to,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    receipt: receiptOf(d.receipt),
    createdAt: formatCst(d.createdAt),
    nextAttemptAt: d.nextAttemptAt ? formatCst(d.nextAttemptAt) : null,
    sentAt: d.sentAt ? formatCst(d.sentAt) : null,
  };
}

/**
 * Delivery by e-mail (SPEC section 7): the PDF, the OFD and the XML as attachments. The delivery
 * is recorded before anything is sent, every attempt's outcome is written back, and failures are
 * retried with backoff by a sweep (and on request): nothing is lost. Times here are real time.
 */
@Injectable()
export class DeliveryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Delivery');
  private readonly transport: Transporter;
  private stop: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly invoices: InvoicesService,
    private readonly rendering: RenderingService,
    private readonly deliveries: DeliveriesRepository,
  ) {
    this.transport = config.smtpUrl ? createTransport(config.smtpUrl) : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  onModuleInit(): void {
    this.stop = every(SWEEP_EVERY_MS, () => this.retryDue(), this.logger, 'the retry sweep');
  }

  onModuleDestroy(): void {
    this.stop();
  }

  async deliver(principal: Principal, number: string, to: string, record: RecordResponse) {
    const { invoice } = await this.invoices.find(principal, number);
    if (invoice.sellerTaxId !== principal.taxpayerId) throw Problems.forbidden('only the seller delivers an invoice');
    const now = new Date();
    const row: DeliveryEntity = {
      id: randomUUID(),
      invoiceNumber: number,
      sellerTaxId: invoice.sellerTaxId,
      channel: 'email',
      to,
      status: 'pending',
      attempts: 0,
      lastError: null,
      receipt: null,
      createdAt: now,
      nextAttemptAt: now,
      sentAt: null,
      createdBy: principal.actorRef,
    };
    await this.db.transaction(async (em) => {
      await this.deliveries.insert(em, row);
      await this.audit.record(em, principal, {
        action: 'delivery.requested',
        objectType: 'delivery',
        objectId: row.id,
        taxpayerId: invoice.sellerTaxId,
        after: { invoice: number, channel: 'email', to },
      });
      await (record.provisional ?? record)(em, deliveryView(row));
    });
    // The first attempt runs before answering: the replay of an Idempotency-Key is this answer,
    // not the pending record written with the delivery.
    const view = deliveryView(await this.attempt(row.id));
    await record.amend?.(view);
    return view;
  }

  async list(principal: Principal, number: string) {
    await this.invoices.find(principal, number);
    const rows = await this.deliveries.ofInvoice(number, 500);
    return { items: rows.map(deliveryView), nextCursor: null };
  }

  async retry(principal: Principal, id: string) {
    const row = await this.deliveries.find(id);
    if (!row) throw Problems.notFound(`delivery ${id}`);
    await this.invoices.find(principal, row.invoiceNumber);
    if (row.sellerTaxId !== principal.taxpayerId) throw Problems.forbidden('only the seller retries a delivery');
    if (row.status === 'sent') throw Problems.invalidState(`delivery ${id} was sent at ${formatCst(row.sentAt!)}`);
    await this.db.transaction((em) => this.deliveries.update(em, id, { status: 'pending', nextAttemptAt: new Date() }));
    return deliveryView(await this.attempt(id));
  }

  /** Attempts every delivery that is due (failed with its backoff passed, or pending and stale). */
  async retryDue(): Promise<number> {
    const now = Date.now();
    const due = await this.deliveries.due(new Date(now), new Date(now - STALE_PENDING_MS), 50);
    for (const d of due) await this.attempt(d.id);
    return due.length;
  }

  /** One attempt: claimed with a conditional update, so two processes never send the same attempt. */
  private async attempt(id: string): Promise<DeliveryEntity> {
    const row = await this.deliveries.get(id);
    if (row.status === 'sent' || row.attempts >= MAX_ATTEMPTS) return row;
    const claimed = await this.db.transaction((em) => this.deliveries.claim(em, id, row.attempts, new Date()));
    if (!claimed) return this.deliveries.get(id);
    const attempts = row.attempts + 1;
    let update: Partial<DeliveryEntity>;
    try {
      const receipt = await this.send(row);
      update = { status: 'sent', sentAt: new Date(), receipt: receipt.slice(0, 500), lastError: null, nextAttemptAt: null };
    } catch (error) {
      const message = String((error as Error)?.message ?? error).slice(0, 500);
      this.logger.warn(`delivery ${id} attempt ${attempts} failed: ${message}`);
      update = { status: 'failed', lastError: message, nextAttemptAt: attempts >= MAX_ATTEMPTS ? null : new Date(Date.now() + backoffMs(attempts)) };
    }
    await this.db.transaction(async (em) => {
      await this.deliveries.update(em, id, update);
      await this.audit.record(em, 'system', {
        action: update.status === 'sent' ? 'delivery.sent' : 'delivery.failed',
        objectType: 'delivery',
        objectId: id,
        taxpayerId: row.sellerTaxId,
        after: { attempts, status: update.status, error: update.lastError ?? null },
      });
    });
    return this.deliveries.get(id);
  }

  private async send(row: DeliveryEntity): Promise<string> {
    const invoice = await this.invoices.readModel({ kind: 'api_key', id: 'delivery', role: 'admin', taxpayerId: null, actorRef: 'system' }, row.invoiceNumber);
    const [pdf, ofd, xml] = await Promise.all([
      this.rendering.renderInvoice(invoice, 'pdf'),
      this.rendering.renderInvoice(invoice, 'ofd'),
      this.rendering.renderInvoice(invoice, 'xml'),
    ]);
    const kind = invoice.red ? '红字' : '';
    const message = {
      from: this.config.mailFrom,
      to: row.to,
      subject: `您收到一张${kind}电子发票：${invoice.seller.name} ${invoice.number}`,
      text:
        `发票号码：${invoice.number}\n开票日期：${formatCstDate(invoice.issuedAt)}\n销售方：${invoice.seller.name}\n` +
        `价税合计：${formatMoney(invoice.totalWithTax)}\n\n附件为该发票的 PDF、OFD 版式文件和 XML 数据文件。`,
      attachments: [pdf, ofd, xml].map((r) => ({ filename: r.filename, content: r.body, contentType: r.type })),
      headers: { 'X-Invoice-Number': invoice.number, 'X-Delivery-Id': row.id },
    };
    const info = await this.transport.sendMail(message);
    if (this.config.smtpUrl) return `smtp: ${info.response ?? info.messageId}`;
    await fs.mkdir(this.config.outboxDir, { recursive: true });
    const file = path.join(this.config.outboxDir, `${invoice.number}-${row.id}.eml`);
    await fs.writeFile(file, info.message as Buffer);
    return `file: ${path.basename(file)}`; // the outbox file's name, never a path on the server
  }
}
