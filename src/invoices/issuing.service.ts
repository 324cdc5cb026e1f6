import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AuditInput, AuditService } from '../audit/audit.service';
import { Principal } from '../common/principal';
import { Yielder } from '../common/yielder';
import { Clock } from '../common/clock';
import { IdempotencyRace, IdempotencyService, RecordResponse } from '../idempotency/idempotency.service';
import { formatMoney } from '../common/money';
import { ProblemBody, ProblemException, Problems } from '../common/problem';
import { periodOf } from '../common/time';
import { validated } from '../common/validation';
import { insertRows } from '../database/bulk-writes';
import { AppConfig } from '../config/config';
import { Coalescer, LaneFull, Settled } from '../common/coalescer';
import { Db } from '../database/db.service';
import { Outbox } from '../database/outbox.service';
import { invoiceEvents } from './invoice-events';
import { QuotaContext, QuotaService } from '../quota/quota.service';
import { TaxpayerEntity } from '../taxpayers/taxpayer.entity';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { draftInvoice, InvoiceDraft, paperLimitProblem } from './invoice-draft';
import { IssueInvoiceDto } from './invoice.dto';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { differentialNote, redShare } from './differential';
import { invoiceView, InvoiceView, lineView } from './invoice.view';
import { amountInWords } from './amount-words';
import { totalsOf, netLines } from './tax-math';
import { NumberingService } from './numbering.service';
import { recordCounterparties } from './counterparties';

export type BatchResult = { number: string } | { error: ProblemBody };

/** Single issues committed together at most (Coalescer). */
const MAX_GROUP = 100;
/** Lines of a batch validated and drafted between two turns of the event loop (a few ms of CPU). */
const BATCH_SLICE_LINES = 500;

/** A blue invoice ready to commit: drafted, with its quota context, time and number prefix. */
interface Pending {
  principal: Principal;
  context: QuotaContext;
  draft: InvoiceDraft;
  now: Date;
  prefix: string;
  /** Taken just before the first transaction that tries it, and kept if that one is retried. */
  number?: string;
}

/** A single issue waiting for its group, with its Idempotency-Key recorder. */
interface Submitted extends Pending {
  record: RecordResponse;
}

const issuedEvent = (invoice: InvoiceEntity): AuditInput => ({
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
 * Issues blue invoices (API.md "Invoices"). Validation and tax math run outside any transaction;
 * then the invoices, lines, audit events, idempotency records, ledger rows and quota months of
 * many invoices are written in one short transaction: a batch request's, or a group of single
 * requests that arrived together (group commit, common/coalescer.ts). Each invoice is decided on
 * its own under the month's row lock, so one refusal never refuses another.
 */
@Injectable()
export class IssuingService {
  private readonly singles: Coalescer<Submitted, InvoiceView>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly quota: QuotaService,
    private readonly numbering: NumberingService,
    private readonly taxpayers: TaxpayersService,
    private readonly idempotency: IdempotencyService,
    config: AppConfig,
    private readonly outbox: Outbox,
  ) {
    this.singles = new Coalescer(config.issueLanes, MAX_GROUP, (group) => this.issueGroup(group), config.issueQueueLimit);
  }

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
    try {
      return await this.singles.submit(seller.taxId, { principal, context, draft, now, prefix: this.numbering.prefixFor(now, seller.regionCode), record });
    } catch (error) {
      if (!(error instanceof LaneFull)) throw error;
      throw new ProblemException(
        503,
        'SERVICE_UNAVAILABLE',
        `${error.waiting} invoices are already waiting to be issued here; retry in a moment (with the same Idempotency-Key)`,
        { retryAfter: 1 },
      );
    }
  }

  /**
   * A group of single issues. Idempotency-Keys first, so that they do not fail the shared
   * transaction: a key already recorded (a retry whose first attempt committed meanwhile) is
   * answered by its replay, and a key that appears twice in the group waits until the group is
   * done (it will find the first attempt's record). The rest are committed together.
   */
  private async issueGroup(group: Submitted[]): Promise<Settled<InvoiceView>[]> {
    const outcomes: Settled<InvoiceView>[] = new Array(group.length);
    const recorded = await this.idempotency.recorded(group.flatMap((m) => (m.record.keyId ? [m.record.keyId] : [])));
    const seen = new Set<string>();
    const now: number[] = [];
    const later: number[] = [];
    group.forEach(({ record: { keyId } }, i) => {
      if (keyId && recorded.has(keyId)) outcomes[i] = { ok: false, error: new IdempotencyRace() };
      else if (keyId && seen.has(keyId)) later.push(i);
      else {
        if (keyId) seen.add(keyId);
        now.push(i);
      }
    });
    const place = (indexes: number[], settled: Settled<InvoiceView>[]) => indexes.forEach((index, k) => (outcomes[index] = settled[k]));
    if (now.length) place(now, await this.commitGroup(now.map((i) => group[i])));
    if (later.length) place(later, await this.issueGroup(later.map((i) => group[i])));
    return outcomes;
  }

  /**
   * One transaction for a group. A refusal is recorded under its key in the same transaction, so
   * that a duplicate waiting for it finds it. If the transaction fails as a whole (a key recorded
   * by another process in the meantime, a lost connection), an invoice whose number is in the
   * database nevertheless was issued (the connection lost on COMMIT) and is answered as such; each
   * other member is tried again alone with the number it already has, so that one request's
   * failure is never another's.
   */
  private async commitGroup(group: Submitted[]): Promise<Settled<InvoiceView>[]> {
    try {
      await this.assignNumbers(group);
      return await this.db.transaction(async (em) => {
        const committed = await this.commit(em, group);
        const outcomes: Settled<InvoiceView>[] = [];
        for (const [i, result] of committed.entries()) {
          if (result instanceof ProblemException) {
            await group[i].record(em, result.toBody(), result.getStatus());
            outcomes.push({ ok: false, error: result });
            continue;
          }
          const view = invoiceView(result.invoice, result.lines);
          await group[i].record(em, view);
          outcomes.push({ ok: true, value: view });
        }
        return outcomes;
      });
    } catch (error) {
      const issued = await this.issuedAmong(group).catch(() => null);
      if (issued === null) return group.map(() => ({ ok: false, error }));
      const outcomes: Settled<InvoiceView>[] = [];
      for (const member of group) {
        if (issued.has(member.number!)) {
          const { invoice, lines } = this.complete(member.draft, member.number!, member.now, member.principal.actorRef);
          outcomes.push({ ok: true, value: invoiceView(invoice, lines) });
        } else if (group.length === 1) outcomes.push({ ok: false, error });
        else outcomes.push(...(await this.commitGroup([member])));
      }
      return outcomes;
    }
  }

  /** Which of the members' numbers are invoices in the database. */
  private async issuedAmong(group: Pending[]): Promise<Set<string>> {
    const numbers = group.flatMap((m) => (m.number ? [m.number] : []));
    if (numbers.length === 0) return new Set();
    const rows = await this.db.dataSource.manager.find(InvoiceEntity, { select: { number: true }, where: { number: In(numbers) } });
    return new Set(rows.map((r) => r.number));
  }

  /** Numbers for those without one, taken per prefix (outside any transaction: see NumberingService). */
  private async assignNumbers(pending: Pending[]): Promise<void> {
    const byPrefix = new Map<string, Pending[]>();
    for (const p of pending) {
      if (p.number) continue;
      const members = byPrefix.get(p.prefix);
      if (members) members.push(p);
      else byPrefix.set(p.prefix, [p]);
    }
    for (const [prefix, members] of byPrefix) {
      const numbers = await this.numbering.take(prefix, members.length);
      members.forEach((m, i) => (m.number = numbers[i]));
    }
  }

  /**
   * Writes the invoices whose amounts fit the quota (QuotaService.consumeMany decides each in
   * turn) with multi-row INSERTs; answers each one's rows, or its 422 QUOTA_EXCEEDED.
   */
  private async commit(em: EntityManager, pending: Pending[]): Promise<({ invoice: InvoiceEntity; lines: InvoiceLineEntity[] } | ProblemException)[]> {
    const consumed = await this.quota.consumeMany(
      em,
      pending.map((p) => ({ context: p.context, amount: p.draft.invoice.totalAmount, ref: p.number!, actor: p.principal.actorRef })),
    );
    const invoices: InvoiceEntity[] = [];
    const lines: InvoiceLineEntity[] = [];
    const events: { actor: Principal; event: AuditInput }[] = [];
    const results = pending.map((p, i) => {
      const { refusal } = consumed[i];
      if (refusal) return refusal;
      const completed = this.complete(p.draft, p.number!, p.now, p.principal.actorRef);
      invoices.push(completed.invoice);
      lines.push(...completed.lines);
      events.push({ actor: p.principal, event: issuedEvent(completed.invoice) });
      return completed;
    });
    await insertRows(em, InvoiceEntity, invoices);
    await insertRows(em, InvoiceLineEntity, lines);
    await recordCounterparties(em, invoices);
    await this.audit.recordMany(em, events);
    await this.outbox.emit(em, invoiceEvents(results));
    return results;
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
    args: {
      blue: InvoiceEntity;
      blueLines: InvoiceLineEntity[];
      slip: { id: string; number: string; reason: string; lines: { blueLineNo: number; quantity: string | null; amount: bigint; taxAmount: bigint }[] };
      number: string;
    },
  ): Promise<{ invoice: InvoiceEntity; lines: InvoiceLineEntity[] }> {
    const { blue, slip, number } = args;
    const now = this.clock.now();
    // A discounted blue line is reversed on its net amount: one red line at the net unit price.
    const basis = netLines(args.blueLines);
    const lines: InvoiceLineEntity[] = slip.lines.map((s, i) => {
      const b = basis.find((l) => l.lineNo === s.blueLineNo)!;
      return {
        invoiceNumber: number,
        lineNo: i + 1,
        itemName: b.itemName,
        categoryShortName: b.categoryShortName,
        taxClassificationCode: b.taxClassificationCode,
        // A sales discount (04) changes amounts only: no quantity, no unit price (SPEC 6).
        spec: b.spec,
        unit: b.unit,
        quantity: args.slip.reason === '04' ? null : s.quantity,
        unitPrice: args.slip.reason === '04' ? null : b.unitPrice,
        amount: s.amount,
        taxRate: b.taxRate,
        taxAmount: s.taxAmount,
        preferentialPolicy: b.preferentialPolicy,
        lineNature: '0',
      };
    });
    const totals = totalsOf(lines);
    const deduction = blue.deduction === null ? null : await this.redDeduction(em, blue, totals.totalAmount);
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
      remarks:
        `被红冲蓝字数电票号码：${blue.number} 红字发票信息确认单编号：${slip.number}` +
        (blue.differentialTaxation && deduction !== null ? ` ${differentialNote(blue.differentialTaxation.kind, deduction)}` : ''),
      differentialTaxation: blue.differentialTaxation ? { kind: blue.differentialTaxation.kind, deductions: [] } : null,
      deduction,
      usage: null,
      usageConfirmedAt: null,
      accountingEntry: 'not_entered',
      voidedAt: null,
      issuedBy: actor.actorRef,
      blueNumber: blue.number,
      redConfirmationId: slip.id,
    };
    await em.insert(InvoiceEntity, invoice);
    await insertRows(em, InvoiceLineEntity, lines);
    const event = issuedEvent(invoice);
    await this.audit.record(em, actor, { ...event, after: { ...(event.after as object), blueNumber: blue.number, redConfirmation: slip.number } });
    if (invoice.period === blue.period) {
      await this.quota.restore(em, { taxpayerId: blue.sellerTaxId, period: blue.period }, -totals.totalAmount, 'red_restore', number, actor.actorRef);
    }
    return { invoice, lines };
  }

  /**
   * A 差额征税 red's deduction (negative): the blue's deduction in the proportion of the red's
   * amount to the blue's, round(deduction x red amount / blue amount) half up; the red that brings
   * the reds to the blue's whole amount takes whatever deduction remains, so that all reds of a
   * blue reverse its deduction exactly.
   */
  private async redDeduction(em: EntityManager, blue: InvoiceEntity, redAmount: bigint): Promise<bigint> {
    const earlier = await em.find(InvoiceEntity, { select: { totalAmount: true, deduction: true }, where: { blueNumber: blue.number, color: 'red' } });
    const reversedAmount = earlier.reduce((sum, r) => sum - r.totalAmount, 0n) - redAmount;
    const reversedDeduction = earlier.reduce((sum, r) => sum - (r.deduction ?? 0n), 0n);
    return -redShare(blue.deduction!, blue.totalAmount, -redAmount, reversedAmount, reversedDeduction);
  }

  /**
   * Up to 1,000 invoices, each succeeding or failing on its own, in one transaction and a
   * handful of statements (see commit).
   */
  async issueBatch(principal: Principal, items: Record<string, unknown>[], record: RecordResponse): Promise<{ results: BatchResult[] }> {
    const seller = await this.sellerOf(principal);
    const results: BatchResult[] = new Array(items.length);
    const drafts: { index: number; draft: InvoiceDraft }[] = [];
    // Validation and tax math of a large batch are split into slices of about BATCH_SLICE_LINES
    // lines, between which the event loop serves other requests.
    const yielder = new Yielder(BATCH_SLICE_LINES);
    for (let index = 0; index < items.length; index++) {
      try {
        drafts.push({ index, draft: this.draft(seller, validated(IssueInvoiceDto, items[index])) });
      } catch (error) {
        if (!(error instanceof ProblemException)) throw error;
        results[index] = { error: error.toBody() };
      }
      const lines = (items[index] as { lines?: unknown }).lines;
      await yielder.tick(1 + (Array.isArray(lines) ? lines.length : 0));
    }
    const now = this.clock.now();
    const context = await this.quota.prepare(seller, periodOf(now));
    const prefix = this.numbering.prefixFor(now, seller.regionCode);
    const pending: Pending[] = drafts.map(({ draft }) => ({ principal, context, draft, now, prefix }));
    await this.assignNumbers(pending);
    await this.db.transaction(async (em) => {
      const committed = pending.length ? await this.commit(em, pending) : [];
      committed.forEach((result, k) => {
        results[drafts[k].index] = result instanceof ProblemException ? { error: result.toBody() } : { number: result.invoice.number };
      });
      await record(em, { results });
    });
    return { results };
  }

  /**
   * The console's preview (POST /v1/invoices/preview): the lines and totals the same body would be
   * issued with, by the same drafting and tax math, refused with the same problems (paper limit
   * included). No number, no quota, nothing stored.
   */
  async preview(principal: Principal, dto: IssueInvoiceDto) {
    const draft = this.draft(await this.sellerOf(principal), dto);
    const { totalAmount, totalTax, totalWithTax } = draft.invoice;
    return {
      lines: draft.lines.map((line) => lineView({ ...line, invoiceNumber: '' })),
      totalAmount: formatMoney(totalAmount),
      totalTax: formatMoney(totalTax),
      totalWithTax: formatMoney(totalWithTax),
      totalWithTaxInWords: amountInWords(totalWithTax),
    };
  }
}
