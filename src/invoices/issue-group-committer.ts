import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Coalescer, Settled } from '../common/coalescer';
import { Principal } from '../common/principal';
import { ProblemException } from '../common/problem';
import { periodOf } from '../common/time';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { IdempotencyRace, IdempotencyService, RecordResponse } from '../idempotency/idempotency.service';
import { QuotaContext, QuotaService } from '../quota/quota.service';
import { InvoiceDraft } from './invoice-draft';
import { invoiceView, InvoiceView } from './invoice.view';
import { IssuedInvoice, InvoiceWriter } from './invoice-writer';
import { InvoicesRepository } from './invoices.repository';
import { NumberHold, NumberingService } from './numbering.service';

/** Single issues committed together at most. */
const MAX_GROUP = 100;

/** A blue invoice ready to commit: drafted, with its quota context, time and number prefix. */
export interface BlueInvoice {
  principal: Principal;
  context: QuotaContext;
  draft: InvoiceDraft;
  now: Date;
  prefix: string;
  /** Taken in the first transaction whose quota accepted the invoice, and kept if that one is retried. */
  number?: string;
}

/** A single issue waiting for its group, with its Idempotency-Key recorder. */
export interface SingleIssue extends BlueInvoice {
  record: RecordResponse;
}

/** What committing a blue invoice gave: the invoice written, or its refusal (422 QUOTA_EXCEEDED). */
export type Committed = IssuedInvoice | ProblemException;

/** The invoice and lines a draft becomes under its number. */
export function completed(member: BlueInvoice & { number: string }): IssuedInvoice {
  const { draft, number, now, principal } = member;
  return {
    invoice: { ...draft.invoice, number, issuedAt: now, period: periodOf(now), issuedBy: principal.actorRef },
    lines: draft.lines.map((line) => ({ ...line, invoiceNumber: number })),
  };
}

/**
 * Commits blue invoices in groups, one short transaction a group (README "Group commit"): the
 * single requests that arrive together (each taxpayer's in one of ISSUE_LANES lanes,
 * common/coalescer.ts), or a batch request's invoices. In the transaction the quota decides each
 * invoice on its own under the months' row locks; only then does an accepted invoice take its
 * number (held for the group beforehand, so that no query is needed), and the invoices, lines,
 * audit events, webhook events, ledger rows, months and Idempotency-Key records of the whole group
 * are written with multi-row statements. A refusal takes no number.
 */
@Injectable()
export class IssueGroupCommitter {
  private readonly lanes: Coalescer<SingleIssue, InvoiceView>;

  constructor(
    private readonly db: Db,
    private readonly quota: QuotaService,
    private readonly numbering: NumberingService,
    private readonly idempotency: IdempotencyService,
    private readonly writer: InvoiceWriter,
    private readonly invoices: InvoicesRepository,
    config: AppConfig,
  ) {
    this.lanes = new Coalescer(config.issueLanes, MAX_GROUP, (group) => this.issueGroup(group), config.issueQueueLimit);
  }

  /** A single issue, committed with whatever else of its lane arrives meanwhile. Rejects with LaneFull when its lane is full. */
  submit(taxId: string, issue: SingleIssue): Promise<InvoiceView> {
    return this.lanes.submit(taxId, issue);
  }

  /**
   * A batch's invoices, in one transaction of their own (no lane): each written or refused on its
   * own; `record` records the batch's answer in the same transaction.
   */
  async commitBatch(members: BlueInvoice[], record: (em: EntityManager, committed: Committed[]) => Promise<void>): Promise<Committed[]> {
    const hold = await this.numbering.hold(members.map((m) => m.prefix));
    try {
      return await this.db.transaction(async (em) => {
        const committed = await this.commit(em, members, hold);
        await record(em, committed);
        return committed;
      });
    } finally {
      hold.release();
    }
  }

  /**
   * A group of single issues. Idempotency-Keys first, so that they do not fail the shared
   * transaction: a key already recorded (a retry whose first attempt committed meanwhile) is
   * answered by its replay, and a key that appears twice in the group waits until the group is
   * done (it will find the first attempt's record). The rest are committed together.
   */
  protected async issueGroup(group: SingleIssue[]): Promise<Settled<InvoiceView>[]> {
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
   * other member is tried again alone, with the number it took if it took one (a number that went
   * into a failed transaction is not handed out again), so that one request's failure is never
   * another's.
   */
  protected async commitGroup(group: SingleIssue[]): Promise<Settled<InvoiceView>[]> {
    const hold = await this.numbering.hold(group.flatMap((m) => (m.number ? [] : [m.prefix])));
    try {
      return await this.db.transaction(async (em) => {
        const committed = await this.commit(em, group, hold);
        const answers = committed.map((result, i) =>
          result instanceof ProblemException
            ? { record: group[i].record, body: result.toBody(), status: result.getStatus(), outcome: { ok: false, error: result } as const }
            : { record: group[i].record, body: invoiceView(result.invoice, result.lines), outcome: null },
        );
        await this.writer.recordAnswers(em, answers);
        return answers.map((a): Settled<InvoiceView> => a.outcome ?? { ok: true, value: a.body as InvoiceView });
      });
    } catch (error) {
      const issued = await this.invoices.existing(group.flatMap((m) => (m.number ? [m.number] : []))).catch(() => null);
      if (issued === null) return group.map(() => ({ ok: false, error }));
      const outcomes: Settled<InvoiceView>[] = [];
      for (const member of group) {
        if (member.number && issued.has(member.number)) {
          const { invoice, lines } = completed({ ...member, number: member.number });
          outcomes.push({ ok: true, value: invoiceView(invoice, lines) });
        } else if (group.length === 1) outcomes.push({ ok: false, error });
        else outcomes.push(...(await this.commitGroup([member])));
      }
      return outcomes;
    } finally {
      hold.release();
    }
  }

  /**
   * Decides each invoice by the quota (QuotaService.consumeMany, in one locking statement), gives
   * each accepted one its number, and writes them (InvoiceWriter); answers each one's rows, or its
   * 422 QUOTA_EXCEEDED.
   */
  private async commit(em: EntityManager, members: BlueInvoice[], hold: NumberHold): Promise<Committed[]> {
    if (members.length === 0) return [];
    const consumed = await this.quota.consumeMany(
      em,
      members.map((m) => ({
        context: m.context,
        amount: m.draft.invoice.totalAmount,
        ref: () => (m.number ??= hold.take(m.prefix)),
        actor: m.principal.actorRef,
      })),
    );
    const issued: (IssuedInvoice & { actor: Principal })[] = [];
    const results = members.map((m, i): Committed => {
      const { refusal } = consumed[i];
      if (refusal) return refusal;
      const invoice = completed({ ...m, number: m.number! });
      issued.push({ ...invoice, actor: m.principal });
      return invoice;
    });
    await this.writer.writeBlues(em, issued);
    return results;
  }
}
