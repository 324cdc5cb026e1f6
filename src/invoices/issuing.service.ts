import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EntityManager } from 'typeorm';
import { AuditInput, AuditService } from '../audit/audit.service';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import type { RecordResponse } from '../common/idempotency.service';
import { formatMoney } from '../common/money';
import { ProblemBody, ProblemException, Problems } from '../common/problem';
import { periodOf } from '../common/time';
import { flattenValidationErrors } from '../common/validation';
import { INSERT_CHUNK } from '../database/db-errors';
import { Db } from '../database/db.service';
import { QuotaLedgerEntity, QuotaMonthEntity } from '../quota/quota.entities';
import { ledgerRow, quotaExceeded, QuotaService } from '../quota/quota.service';
import { decideIssue } from '../quota/rules';
import { TaxpayerEntity } from '../taxpayers/taxpayer.entity';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { draftInvoice, InvoiceDraft, paperLimitProblem } from './invoice-draft';
import { IssueInvoiceDto } from './invoice.dto';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { invoiceView, InvoiceView } from './invoice.view';
import { totalsOf } from './tax-math';
import { NumberingService } from './numbering.service';

export type BatchResult = { number: string } | { error: ProblemBody };

async function insertChunked<T extends object>(em: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await em.insert(entity, rows.slice(i, i + INSERT_CHUNK) as never[]);
}

const issuedEvent = (invoice: InvoiceEntity): AuditInput => ({
  action: 'invoice.issued',
  objectType: 'invoice',
  objectId: invoice.number,
  taxpayerId: invoice.sellerTaxId,
  after: {
    type: invoice.type, medium: invoice.medium, color: invoice.color, buyerTaxId: invoice.buyerTaxId,
    totalAmount: formatMoney(invoice.totalAmount), totalTax: formatMoney(invoice.totalTax), period: invoice.period,
  },
});

/**
 * Issues blue invoices (API.md "Invoices"): validation and tax math outside any transaction,
 * then one short transaction: invoice, lines, audit event and idempotency record, and the quota
 * row last, because it is the hot row.
 */
@Injectable()
export class IssuingService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly quota: QuotaService,
    private readonly numbering: NumberingService,
    private readonly taxpayers: TaxpayersService,
  ) {}

  /** The caller's own taxpayer, which must be a pilot to issue. */
  async sellerOf(principal: Principal): Promise<TaxpayerEntity> {
    const seller = principal.taxpayerId ? await this.taxpayers.findRecent(principal.taxpayerId) : null;
    if (!seller) throw Problems.forbidden('only a taxpayer principal issues invoices');
    if (!seller.pilot) throw Problems.invalidState(`taxpayer ${seller.taxId} is not a pilot taxpayer and cannot issue on this platform`);
    return seller;
  }

  private draft(seller: TaxpayerEntity, dto: IssueInvoiceDto): InvoiceDraft {
    const draft = draftInvoice(seller, dto);
    if (draft instanceof ProblemException) throw draft;
    if (draft.invoice.medium === 'paper') {
      const problem = paperLimitProblem(seller, draft.invoice.totalAmount);
      if (problem) throw problem;
    }
    return draft;
  }

  private complete(draft: InvoiceDraft, number: string, now: Date, actor: string): { invoice: InvoiceEntity; lines: InvoiceLineEntity[] } {
    const invoice: InvoiceEntity = { ...draft.invoice, number, issuedAt: now, period: periodOf(now), issuedBy: actor };
    return { invoice, lines: draft.lines.map((line) => ({ ...line, invoiceNumber: number })) };
  }

  async issue(principal: Principal, dto: IssueInvoiceDto, record: RecordResponse): Promise<InvoiceView> {
    const seller = await this.sellerOf(principal);
    const draft = this.draft(seller, dto);
    const now = this.clock.now();
    const context = await this.quota.prepare(seller, periodOf(now));
    const [number] = await this.numbering.take(this.numbering.prefixFor(now, seller.regionCode));
    const { invoice, lines } = this.complete(draft, number, now, principal.actorRef);
    const view = invoiceView(invoice, lines);
    await this.db.transaction(async (em) => {
      await em.insert(InvoiceEntity, invoice);
      await insertChunked(em, InvoiceLineEntity, lines);
      await this.audit.record(em, principal, issuedEvent(invoice));
      await record(em, view);
      await this.quota.consumeForIssue(em, context, invoice.totalAmount, number, principal.actorRef);
    });
    return view;
  }

  /**
   * A red invoice from a confirmation slip, inside the caller's transaction (which holds the blue
   * invoice's row): its own number, the blue's parties and items with the slip's negative
   * quantities, amounts and taxes, remarks naming the blue invoice and the slip. A red in the same
   * month as its blue gives the red amount back to that month's quota; a later one gives nothing.
   */
  async issueRed(
    em: EntityManager,
    actor: Principal,
    args: { blue: InvoiceEntity; blueLines: InvoiceLineEntity[]; slip: { id: string; number: string; lines: { blueLineNo: number; quantity: string | null; amount: bigint; taxAmount: bigint }[] }; number: string },
  ): Promise<{ invoice: InvoiceEntity; lines: InvoiceLineEntity[] }> {
    const { blue, slip, number } = args;
    const now = this.clock.now();
    const lines: InvoiceLineEntity[] = slip.lines.map((s, i) => {
      const b = args.blueLines.find((l) => l.lineNo === s.blueLineNo)!;
      return {
        invoiceNumber: number, lineNo: i + 1, itemName: b.itemName, categoryShortName: b.categoryShortName, taxClassificationCode: b.taxClassificationCode,
        spec: b.spec, unit: b.unit, quantity: s.quantity, unitPrice: b.unitPrice, amount: s.amount, taxRate: b.taxRate, taxAmount: s.taxAmount, preferentialPolicy: b.preferentialPolicy,
      };
    });
    const totals = totalsOf(lines);
    const invoice: InvoiceEntity = {
      ...blue,
      number,
      color: 'red',
      status: 'issued',
      issuedAt: now,
      period: periodOf(now),
      priceIncludesTax: false,
      totalAmount: totals.totalAmount,
      totalTax: totals.totalTax,
      totalWithTax: totals.totalWithTax,
      remarks: `被红冲蓝字数电票号码：${blue.number} 红字发票信息确认单编号：${slip.number}`,
      usage: null,
      usageConfirmedAt: null,
      accountingEntry: 'not_entered',
      voidedAt: null,
      issuedBy: actor.actorRef,
      blueNumber: blue.number,
      redConfirmationId: slip.id,
    };
    await em.insert(InvoiceEntity, invoice);
    await insertChunked(em, InvoiceLineEntity, lines);
    const event = issuedEvent(invoice);
    await this.audit.record(em, actor, { ...event, after: { ...(event.after as object), blueNumber: blue.number, redConfirmation: slip.number } });
    if (invoice.period === blue.period) {
      await this.quota.restore(em, { taxpayerId: blue.sellerTaxId, period: blue.period }, -totals.totalAmount, 'red_restore', number, actor.actorRef);
    }
    return { invoice, lines };
  }

  /**
   * Up to 1,000 invoices, each succeeding or failing on its own, in one transaction and a
   * handful of statements: the month's row is locked once, each invoice is decided in order by
   * the same rules.decideIssue as a single issue, and everything is written with multi-row
   * INSERTs and one UPDATE of the row (a read-modify-write made safe by the row lock; SQLite
   * runs transactions one at a time).
   */
  async issueBatch(principal: Principal, items: Record<string, unknown>[], record: RecordResponse): Promise<{ results: BatchResult[] }> {
    const seller = await this.sellerOf(principal);
    const results: BatchResult[] = new Array(items.length);
    const drafts: { index: number; draft: InvoiceDraft }[] = [];
    for (let index = 0; index < items.length; index++) {
      try {
        const dto = plainToInstance(IssueInvoiceDto, items[index]);
        const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
        if (errors.length) throw Problems.validation(flattenValidationErrors(errors));
        drafts.push({ index, draft: this.draft(seller, dto) });
      } catch (error) {
        if (!(error instanceof ProblemException)) throw error;
        results[index] = { error: error.toBody() };
      }
    }
    const now = this.clock.now();
    const context = await this.quota.prepare(seller, periodOf(now));
    const numbers = drafts.length ? await this.numbering.take(this.numbering.prefixFor(now, seller.regionCode), drafts.length) : [];

    await this.db.transaction(async (em) => {
      const month = await this.quota.lockMonth(em, context);
      const state = { total: month.total, used: month.used, temporaryAdjusted: month.temporaryAdjusted };
      let raise = month.temporaryRaise;
      let seq = month.ledgerSeq;
      const invoices: InvoiceEntity[] = [];
      const lines: InvoiceLineEntity[] = [];
      const ledger: QuotaLedgerEntity[] = [];
      const events = [] as AuditInput[];
      drafts.forEach(({ index, draft }, k) => {
        const amount = draft.invoice.totalAmount;
        const decision = decideIssue(state, amount, { windowCap: context.windowCap, eligible: context.eligible, policy: this.quota.policy });
        if (!decision.ok) {
          results[index] = { error: quotaExceeded(decision.available, amount).toBody() };
          return;
        }
        const completed = this.complete(draft, numbers[k], now, principal.actorRef);
        if (decision.raised > 0n) {
          raise = decision.raised;
          state.temporaryAdjusted = true;
          ledger.push(ledgerRow(context, ++seq, now, 'temporary', decision.raised, decision.total, state.used, 'temporary adjustment', 'system'));
          events.push({
            action: 'quota.temporary', objectType: 'quota_month', objectId: `${context.taxpayerId}:${context.period}`, taxpayerId: context.taxpayerId,
            before: { total: formatMoney(state.total) }, after: { total: formatMoney(decision.total), trigger: numbers[k] },
          });
        }
        state.total = decision.total;
        state.used = decision.used;
        ledger.push(ledgerRow(context, ++seq, now, 'issue', amount, state.total, state.used, completed.invoice.number, principal.actorRef));
        invoices.push(completed.invoice);
        events.push(issuedEvent(completed.invoice));
        lines.push(...completed.lines);
        results[index] = { number: completed.invoice.number };
      });
      await insertChunked(em, InvoiceEntity, invoices);
      await insertChunked(em, InvoiceLineEntity, lines);
      await this.audit.recordMany(em, principal, events);
      await insertChunked(em, QuotaLedgerEntity, ledger);
      if (ledger.length) {
        await em.update(QuotaMonthEntity, { taxpayerId: context.taxpayerId, period: context.period }, {
          total: state.total, used: state.used, temporaryAdjusted: state.temporaryAdjusted, temporaryRaise: raise, ledgerSeq: seq,
        });
      }
      await record(em, { results });
    });
    return { results };
  }
}

