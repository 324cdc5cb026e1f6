import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditInput, AuditService } from '../audit/audit.service';
import { Principal } from '../common/principal';
import { formatMoney } from '../common/money';
import { Outbox } from '../database/outbox.service';
import { IdempotencyService, RecordResponse } from '../idempotency/idempotency.service';
import { invoiceEvents } from './invoice-events';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { counterpartyRows } from './counterparties';
import { CounterpartiesRepository } from './counterparties.repository';
import { InvoicesRepository } from './invoices.repository';

/** An invoice with its lines, as written. */
export interface IssuedInvoice {
  invoice: InvoiceEntity;
  lines: InvoiceLineEntity[];
}

/** The audit event of an issued invoice (blue or red). */
export const issuedEvent = (invoice: InvoiceEntity): AuditInput => ({
  action: 'invoice.issued',
  objectType: 'invoice',
  objectId: invoice.number,
  taxpayerId: invoice.sellerTaxId,
  after: {
    type: invoice.type,
    medium: invoice.medium,
    color: invoice.color,
    buyerTaxId: invoice.buyerTaxId,
    totalAmount: formatMoney(invoice.totalAmount),
    totalTax: formatMoney(invoice.totalTax),
    period: invoice.period,
  },
});

/**
 * Writes issued invoices inside the caller's transaction: for any number of blue invoices, one
 * multi-row INSERT each of invoices, lines, audit events, webhook (outbox) events and the
 * requests' Idempotency-Key records, whatever the number of invoices.
 */
@Injectable()
export class InvoiceWriter {
  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly counterparties: CounterpartiesRepository,
    private readonly audit: AuditService,
    private readonly outbox: Outbox,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** Blue invoices issued together (a group of single requests, or a batch). */
  async writeBlues(em: EntityManager, issued: (IssuedInvoice & { actor: Principal })[]): Promise<void> {
    await this.invoices.insert(em, issued);
    // Both parties of each invoice as each other's counterparties, in the same transaction.
    await this.counterparties.upsert(em, counterpartyRows(issued.map((i) => i.invoice)));
    await this.audit.recordMany(
      em,
      issued.map(({ actor, invoice }) => ({ actor, event: issuedEvent(invoice) })),
    );
    await this.outbox.emit(em, invoiceEvents(issued));
  }

  /** A red invoice; its audit event names the blue invoice and the slip. */
  async writeRed(em: EntityManager, red: IssuedInvoice, actor: Principal, slipNumber: string): Promise<void> {
    await this.invoices.insert(em, [red]);
    const event = issuedEvent(red.invoice);
    await this.audit.record(em, actor, { ...event, after: { ...(event.after as object), blueNumber: red.invoice.blueNumber, redConfirmation: slipNumber } });
  }

  /** The answers of many requests under their Idempotency-Keys (one INSERT). */
  recordAnswers(em: EntityManager, answers: { record: RecordResponse; body: unknown; status?: number }[]): Promise<void> {
    return this.idempotency.recordMany(em, answers);
  }
}
