import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { canRead, Principal, tenantScope } from '../common/principal';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor, Page, pageLimit } from '../common/pagination';
import { Problems } from '../common/problem';
import { formatCstDate, parseIsoInstant, periodOf } from '../common/time';
import { Db } from '../database/db.service';
import { Outbox } from '../database/outbox.service';
import { QuotaService } from '../quota/quota.service';
import { ListInvoicesQuery } from './invoice.dto';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { InvoiceFilter, takeKeys } from './invoice-scan';
import { invoiceReadModel, InvoiceReadModel } from './invoice-read-model';
import { invoiceView, InvoiceView } from './invoice.view';
import { CountedSums, InvoicesRepository, LineSums } from './invoices.repository';

const DAY_MS = 24 * 3600 * 1000;

/** Lines grouped by their invoice's number. */
function linesByInvoice(lines: InvoiceLineEntity[]): Map<string, InvoiceLineEntity[]> {
  const byNumber = new Map<string, InvoiceLineEntity[]>();
  for (const line of lines) byNumber.set(line.invoiceNumber, [...(byNumber.get(line.invoiceNumber) ?? []), line]);
  return byNumber;
}

export const USAGES = ['deduction', 'no_deduction', 'export_refund', 'agent_export_refund'] as const;
export type Usage = (typeof USAGES)[number];

/** Red-letter facts about invoices, supplied by the red-letter module (which depends on this one). */
export interface InvoiceRelations {
  redConfirmations: unknown[];
  redInvoices: unknown[];
  redConfirmationNumber?: string | null;
}
export type RelationsLoader = (invoices: InvoiceEntity[]) => Promise<Map<string, InvoiceRelations>>;
/** The number of a live slip on the blue invoice (01-04, no red issued yet), read inside the
 * caller's transaction, which holds the blue's row; null when there is none. */
export type LiveSlipFinder = (em: EntityManager, blueNumber: string) => Promise<string | null>;

/** `YYYY-MM-DD` (a Beijing day) or an ISO instant. */
function boundary(value: string | undefined, field: string, end: boolean): Date | null {
  if (value === undefined) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = parseIsoInstant(`${value}T00:00:00+08:00`);
    if (start) return end ? new Date(start.getTime() + DAY_MS - 1) : start;
  } else {
    const instant = parseIsoInstant(value);
    if (instant) return instant;
  }
  throw Problems.field(field, 'must be a date YYYY-MM-DD or an ISO 8601 instant with an offset');
}

@Injectable()
export class InvoicesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly quota: QuotaService,
    private readonly outbox: Outbox,
    private readonly repository: InvoicesRepository,
  ) {}

  private relations: RelationsLoader = async () => new Map();

  private liveSlip: LiveSlipFinder = async () => null;

  /** Called once by the red-letter module. */
  useRelations(loader: RelationsLoader): void {
    this.relations = loader;
  }

  /** Called once by the red-letter module: how to find a live slip that locks a blue invoice. */
  useLiveSlips(finder: LiveSlipFinder): void {
    this.liveSlip = finder;
  }

  /**
   * SPEC 6: while a slip is live on a blue invoice, the blue is locked (no usage confirmation, no
   * accounting entry, no void). Inside a transaction holding the blue's row, so that a slip filed
   * concurrently is either seen here or sees this change (it takes the same row lock).
   */
  private async refuseIfSlipLive(em: EntityManager, number: string, what: string): Promise<void> {
    const slip = await this.liveSlip(em, number);
    if (slip)
      throw Problems.invalidState(
        `red-letter confirmation slip ${slip} is live on invoice ${number}: ${what} until the slip is revoked, rejected or void, or its red invoice issued`,
      );
  }

  /** Views with their red-letter relations. */
  async views(invoices: InvoiceEntity[], lines: InvoiceLineEntity[]): Promise<InvoiceView[]> {
    const related = await this.relations(invoices);
    const byNumber = linesByInvoice(lines);
    return invoices.map((i) => {
      const view = invoiceView(i, byNumber.get(i.number) ?? []);
      const r = related.get(i.number);
      return r ? { ...view, ...r } : view;
    });
  }

  /** Read models (what the renderers take) with their red-letter relations. */
  async readModels(invoices: InvoiceEntity[], lines: InvoiceLineEntity[]): Promise<InvoiceReadModel[]> {
    const related = await this.relations(invoices);
    const byNumber = linesByInvoice(lines);
    return invoices.map((i) => invoiceReadModel(i, byNumber.get(i.number) ?? [], related.get(i.number)));
  }

  private visible(principal: Principal, invoice: InvoiceEntity): boolean {
    return canRead(principal, invoice.sellerTaxId) || canRead(principal, invoice.buyerTaxId);
  }

  /** The invoice if the principal may see it (its seller, its buyer, auditors in scope, officers). */
  async find(principal: Principal, number: string): Promise<{ invoice: InvoiceEntity; lines: InvoiceLineEntity[] }> {
    const invoice = /^\d{20}$/.test(number) ? await this.repository.find(number) : null;
    if (!invoice || !this.visible(principal, invoice)) throw Problems.notFound(`invoice ${number}`);
    const lines = await this.repository.lines(number);
    return { invoice, lines };
  }

  async get(principal: Principal, number: string): Promise<InvoiceView> {
    const { invoice, lines } = await this.find(principal, number);
    return (await this.views([invoice], lines))[0];
  }

  /** The invoice's read model, for the renderers, if the principal may see it. */
  async readModel(principal: Principal, number: string): Promise<InvoiceReadModel> {
    const { invoice, lines } = await this.find(principal, number);
    return (await this.readModels([invoice], lines))[0];
  }

  /** The invoice's row, locked for the rest of the transaction where the database has row locks. */
  async lock(em: EntityManager, number: string): Promise<InvoiceEntity> {
    const row = await this.repository.lock(em, number);
    if (!row) throw Problems.notFound(`invoice ${number}`);
    return row;
  }

  /** The invoice's lines in order, as the transaction sees them. */
  linesOf(em: EntityManager, number: string): Promise<InvoiceLineEntity[]> {
    return this.repository.linesOf(em, number);
  }

  /** The blue invoice's status after its reds: red_full when every line is reversed in full. */
  async markReversed(em: EntityManager, blueNumber: string, full: boolean): Promise<void> {
    await this.repository.setStatus(em, blueNumber, full ? 'red_full' : 'red_partial');
  }

  /** Red invoices of the given blue invoices. */
  redsOf(blueNumbers: string[]): Promise<InvoiceEntity[]> {
    return this.repository.redsOf(blueNumbers);
  }

  /** Sums over a taxpayer's invoices for its VAT return figures (committed rows; see InvoicesRepository). */
  salesSums(taxId: string, from: Date, to: Date): Promise<LineSums[]> {
    return this.repository.salesSums(taxId, from, to);
  }

  deductionConfirmedSums(taxId: string, from: Date, to: Date): Promise<CountedSums> {
    return this.repository.deductionConfirmedSums(taxId, from, to);
  }

  typesOf(numbers: string[]): Promise<Map<string, InvoiceEntity['type']>> {
    return this.repository.typesOf(numbers);
  }

  /** 用途确认 by the buyer; once made, only a tax officer corrects it (SPEC section 5). */
  async confirmUsage(principal: Principal, number: string, purpose: Usage): Promise<InvoiceView> {
    const { invoice: seen } = await this.find(principal, number);
    const officer = principal.role === 'tax_officer' || principal.role === 'admin';
    if (!officer && (principal.role !== 'taxpayer' || seen.buyerTaxId !== principal.taxpayerId))
      throw Problems.forbidden('only the buyer confirms the usage of a received invoice');
    const now = this.clock.now();
    await this.db.transaction(async (em) => {
      const invoice = await this.lock(em, number);
      if (invoice.color !== 'blue' || invoice.status === 'voided')
        throw Problems.invalidState(`invoice ${number} is ${invoice.color === 'red' ? 'a red invoice' : 'voided'}`);
      if (invoice.status === 'red_full')
        throw Problems.invalidState(`invoice ${number} is red_full: reversed in full by red invoices, there is nothing left to use`);
      if (!officer && invoice.usage !== null) throw Problems.invalidState(`the usage is already confirmed as ${invoice.usage}; only a tax officer corrects it`);
      if (officer && invoice.usage === null) throw Problems.invalidState('the buyer has not confirmed a usage yet: there is nothing to correct');
      await this.refuseIfSlipLive(em, number, 'its usage cannot be confirmed or corrected');
      if (!(await this.repository.setUsage(em, number, invoice.usage, purpose, now)))
        throw Problems.invalidState(`the usage of ${number} changed meanwhile; read it again`);
      await this.audit.record(em, principal, {
        action: officer ? 'invoice.usage_corrected' : 'invoice.usage_confirmed',
        objectType: 'invoice',
        objectId: number,
        taxpayerId: invoice.buyerTaxId,
        before: { usage: invoice.usage },
        after: { usage: purpose },
      });
    });
    return this.get(principal, number);
  }

  /** 入账标识 on and off, by the buyer. */
  async accountingEntry(principal: Principal, number: string, entered: boolean): Promise<InvoiceView> {
    const { invoice } = await this.find(principal, number);
    if (principal.role !== 'taxpayer' || invoice.buyerTaxId !== principal.taxpayerId)
      throw Problems.forbidden('only the buyer records the accounting entry of a received invoice');
    const next = entered ? 'entered' : 'not_entered';
    if (invoice.accountingEntry !== next) {
      await this.db.transaction(async (em) => {
        const locked = await this.lock(em, number);
        if (locked.accountingEntry === next) return;
        await this.refuseIfSlipLive(em, number, 'its accounting entry cannot change');
        await this.repository.setAccountingEntry(em, number, next);
        await this.audit.record(em, principal, {
          action: 'invoice.accounting_entry',
          objectType: 'invoice',
          objectId: number,
          taxpayerId: invoice.buyerTaxId,
          before: { accountingEntry: locked.accountingEntry },
          after: { accountingEntry: next },
        });
      });
    }
    return this.get(principal, number);
  }

  /** 查验: anyone, by number, issue date and total; answers match and status, nothing more. */
  async verify(number: string, issueDate: string, totalWithTax: bigint) {
    const invoice = await this.repository.find(number);
    const matches = invoice !== null && formatCstDate(invoice.issuedAt) === issueDate && invoice.totalWithTax === totalWithTax;
    if (!matches) return { match: false };
    return { match: true, color: invoice.color, status: invoice.status };
  }

  async list(principal: Principal, query: ListInvoicesQuery): Promise<Page<InvoiceView>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 2, ([at, number]) => Number.isSafeInteger(at) && (at as number) >= 0 && /^\d{20}$/.test(String(number)));
    const { taxId, outside } = tenantScope(principal, query.taxId);
    if (outside) return { items: [], nextCursor: null };
    const filter: InvoiceFilter = {
      taxId,
      direction: query.direction ?? 'issued',
      from: boundary(query.from, 'from', false),
      to: boundary(query.to, 'to', true),
      color: query.color,
      type: query.type,
      status: query.status,
      medium: query.medium,
      counterparty: query.counterparty,
    };
    const start = after ? { issuedAt: new Date(Number(after[0])), number: String(after[1]) } : null;
    // Newest first, one more than the page to know whether another follows (src/invoices/invoice-scan.ts).
    const keys = await takeKeys(this.repository.scan(filter, 'DESC', start, limit + 1), limit + 1);
    const { invoices: page, lines } = await this.repository.page(keys.slice(0, limit));
    const last = keys[limit - 1];
    return {
      items: await this.views(page, lines),
      nextCursor: keys.length > limit ? encodeCursor([last.issuedAt.getTime(), last.number]) : null,
    };
  }

  /** 作废: a paper blue invoice, by its seller, in the month it was issued; gives its quota back. */
  async void(principal: Principal, number: string): Promise<InvoiceView> {
    const { invoice, lines } = await this.find(principal, number);
    if (invoice.sellerTaxId !== principal.taxpayerId) throw Problems.forbidden('only the seller voids an invoice');
    if (invoice.medium !== 'paper') throw Problems.invalidState('an electronic invoice cannot be voided: issue a red invoice through a confirmation slip');
    if (invoice.color !== 'blue') throw Problems.invalidState('only a blue invoice can be voided');
    if (invoice.status !== 'issued') throw Problems.invalidState(`invoice ${number} is ${invoice.status}`);
    const now = this.clock.now();
    if (periodOf(now) !== invoice.period)
      throw Problems.invalidState(`invoice ${number} was issued in ${invoice.period}; a paper invoice can be voided only in its own month`);
    await this.db.transaction(async (em) => {
      const locked = await this.lock(em, number);
      if (locked.status !== 'issued') throw Problems.invalidState(`invoice ${number} is ${locked.status}`);
      await this.refuseIfSlipLive(em, number, 'a paper invoice with a live slip cannot be voided');
      if (!(await this.repository.void(em, number, now))) throw Problems.invalidState(`invoice ${number} is no longer issued`);
      await this.audit.record(em, principal, {
        action: 'invoice.voided',
        objectType: 'invoice',
        objectId: number,
        taxpayerId: invoice.sellerTaxId,
        before: { status: 'issued' },
        after: { status: 'voided' },
      });
      await this.quota.restore(
        em,
        { taxpayerId: invoice.sellerTaxId, period: invoice.period },
        invoice.totalAmount,
        'paper_void_restore',
        number,
        principal.actorRef,
      );
      await this.outbox.emit(em, [
        {
          type: 'invoice.voided',
          taxIds: [invoice.sellerTaxId, invoice.buyerTaxId],
          payload: invoiceView({ ...invoice, status: 'voided', voidedAt: now }, lines),
        },
      ]);
    });
    return (await this.views([{ ...invoice, status: 'voided', voidedAt: now }], lines))[0];
  }
}
