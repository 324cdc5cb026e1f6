import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditInput, AuditService } from '../audit/audit.service';
import { canRead, Principal } from '../common/principal';
import { Clock } from '../common/clock';
import { formatMoney } from '../common/money';
import { decodeCursor, encodeCursor, Page, PageQuery, pageLimit } from '../common/pagination';
import { ProblemException, Problems } from '../common/problem';
import { formatCst, Period, periodOf, shiftPeriod } from '../common/time';
import { AppConfig } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { Outbox, OutboxInput } from '../database/outbox.service';
import { totalChanged } from './quota-events';
import { TaxpayerEntity } from '../taxpayers/taxpayer.entity';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { QuotaLedgerEntity, QuotaMonthEntity } from './quota.entities';
import { QuotaLedgerRepository } from './quota-ledger.repository';
import { monthKey, QuotaMonthsRepository } from './quota-months.repository';
import { VatFilingsRepository } from './vat-filings.repository';
import {
  availableOf,
  decideIssue,
  defaultInitialQuota,
  LedgerKind,
  periodicTotal,
  temporaryEligible,
  TemporaryPolicy,
  windowCapOf,
  windowFilingOf,
  capWithSuccessor,
} from './rules';

/** What issuing needs to know before it takes the quota row: computed outside the transaction. */
export interface QuotaContext {
  taxpayerId: string;
  period: Period;
  /** Whether the month is in the declaration window: its cap (the previous month's remaining,
   * whose row exists) is read under the lock when deciding. */
  inWindow: boolean;
  /** Whether a temporary adjustment may happen this month (low risk, scan passes). */
  eligible: boolean;
  /** The filing whose record decides whether the next month is in its declaration window (null:
   * it has none). Read inside the transaction, and only when the next month has issued already. */
  nextWindowFiling: string | null;
}

export interface QuotaView {
  period: string;
  total: string;
  used: string;
  remaining: string;
  available: string;
  inDeclarationWindow: boolean;
  temporaryAdjusted: boolean;
  temporaryRaise: string;
  /** A month that has not started and nobody set: its total as the policy would set it today. */
  projected: boolean;
}

const SYSTEM = 'system';

/** An amount to consume (consumeMany): an invoice being issued, or a paper collection. */
export interface ConsumeItem {
  context: QuotaContext;
  amount: bigint;
  /** What the ledger entry names: the invoice number, which an invoice takes only once the quota
   * has accepted it (a function, called then), or a paper collection's reference. */
  ref: string | (() => string);
  actor: string;
  kind?: LedgerKind;
}

/** What consumeMany answers for an item: its refusal (422 QUOTA_EXCEEDED) or null, and the
 * declaration window's cap as it stood when the item was decided. */
export interface ConsumeResult {
  refusal: ProblemException | null;
  windowCap: bigint | null;
}

const MONTH_CACHE_LIMIT = 100_000;

/**
 * The monthly quota. Every change to a month's `total` or `used` is made in the caller's
 * transaction with an entry in the append-only ledger, either as a conditional UPDATE on its row
 * (single changes) or as a read-modify-write of rows locked first (consumeMany: group commit and
 * batches; SQLite runs one transaction at a time). The rules themselves live in ./rules.ts.
 */
@Injectable()
export class QuotaService {
  readonly policy: TemporaryPolicy;
  /** (taxpayer, period) pairs known to have a row: saves a SELECT per issue. Safe to lose. */
  private readonly knownMonths = new Set<string>();
  /** Filings are never withdrawn: once seen, remembered. */
  private readonly knownFilings = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly taxpayers: TaxpayersService,
    config: AppConfig,
    private readonly outbox: Outbox,
    private readonly months: QuotaMonthsRepository,
    private readonly ledgerRows: QuotaLedgerRepository,
    private readonly filings: VatFilingsRepository,
  ) {
    this.policy = { ratioPercent: config.temporaryRatioPercent, upliftPercent: config.temporaryUpliftPercent };
  }

  // ------------------------------------------------------------------ months

  /** The taxpayer, if the principal may read it. */
  async readable(principal: Principal, taxId: string): Promise<TaxpayerEntity> {
    const taxpayer = canRead(principal, taxId) ? await this.taxpayers.find(taxId) : null;
    if (!taxpayer) throw Problems.notFound(`taxpayer ${taxId}`);
    return taxpayer;
  }

  /** The taxpayer, if the principal may read it and it has a quota (a pilot). */
  async pilotFor(principal: Principal, taxId: string): Promise<TaxpayerEntity> {
    const taxpayer = await this.readable(principal, taxId);
    if (!taxpayer.pilot) throw Problems.invalidState(`taxpayer ${taxId} is not a pilot taxpayer: it has no quota on this platform`);
    return taxpayer;
  }

  /**
   * Makes sure the month has its row: a month nobody ran the periodic policy for is computed on
   * first use, by the same policy (the registration month takes the initial total). Returns
   * whether this call created it.
   */
  async ensureMonth(taxpayer: TaxpayerEntity, period: Period): Promise<boolean> {
    const key = `${taxpayer.taxId}:${period}`;
    if (this.knownMonths.has(key)) return false;
    const registered = periodOf(taxpayer.registeredAt);
    if (period < registered) throw Problems.notFound(`quota for ${period} (the taxpayer was registered in ${registered})`);
    let created = false;
    if (!(await this.months.exists({ taxpayerId: taxpayer.taxId, period }))) {
      const { kind, total } = await this.policyTotal(taxpayer, period);
      try {
        await this.db.transaction(async (em) => {
          const now = this.clock.now();
          await this.months.insert(em, {
            taxpayerId: taxpayer.taxId,
            period,
            total,
            used: 0n,
            temporaryAdjusted: false,
            temporaryRaise: 0n,
            ledgerSeq: 1n,
            createdAt: now,
          });
          await this.ledgerRows.append(em, [
            ledgerRow({ taxpayerId: taxpayer.taxId, period }, 1n, now, kind, total, total, 0n, kind === 'initial' ? 'registration' : 'periodic policy', SYSTEM),
          ]);
          await this.audit.record(em, 'system', {
            action: `quota.${kind}`,
            objectType: 'quota_month',
            objectId: key,
            taxpayerId: taxpayer.taxId,
            after: { total: formatMoney(total) },
          });
          await this.outbox.emit(em, [
            totalChanged({
              taxId: taxpayer.taxId,
              period,
              kind,
              previousTotal: null,
              total,
              used: 0n,
              ref: kind === 'initial' ? 'registration' : 'periodic policy',
            }),
          ]);
        });
        created = true;
      } catch (error) {
        if (!isDuplicate(error)) throw error; // another request or process created it first
      }
    }
    if (this.knownMonths.size >= MONTH_CACHE_LIMIT) this.knownMonths.clear();
    this.knownMonths.add(key);
    return created;
  }

  /** The month's total by policy: the initial total in the registration month, else periodic. */
  private async policyTotal(taxpayer: TaxpayerEntity, period: Period): Promise<{ kind: LedgerKind; total: bigint }> {
    const initial = taxpayer.initialQuota ?? defaultInitialQuota(taxpayer);
    if (period <= periodOf(taxpayer.registeredAt)) return { kind: 'initial', total: initial };
    const recent = await this.months.some(
      taxpayer.taxId,
      [1, 2, 3].map((n) => shiftPeriod(period, -n)),
    );
    return {
      kind: 'periodic',
      total: periodicTotal(
        { ...taxpayer, initialQuota: initial },
        recent.map((m) => m.used),
      ),
    };
  }

  /** Whether the month has not started yet (Beijing time). */
  isFuture(period: Period): boolean {
    return period > periodOf(this.clock.now());
  }

  /** Whether the VAT filing for the period (YYYY-MM or YYYY-Qn) is recorded. */
  async filedFor(taxId: string, filingPeriod: string): Promise<boolean> {
    const key = `${taxId}:${filingPeriod}`;
    if (this.knownFilings.has(key)) return true;
    const filed = await this.filings.exists(taxId, filingPeriod);
    if (filed) this.knownFilings.add(key);
    return filed;
  }

  /** Everything issuing needs before its transaction: the month (and in the window the previous one) exists. */
  async prepare(taxpayer: TaxpayerEntity, period: Period): Promise<QuotaContext> {
    await this.ensureMonth(taxpayer, period);
    const inWindow = await this.inWindow(taxpayer, period);
    if (inWindow) await this.ensureMonth(taxpayer, shiftPeriod(period, -1));
    return {
      taxpayerId: taxpayer.taxId,
      period,
      inWindow,
      eligible: temporaryEligible(taxpayer),
      nextWindowFiling: windowFilingOf({
        frequency: taxpayer.filingFrequency,
        period: shiftPeriod(period, 1),
        registeredPeriod: periodOf(taxpayer.registeredAt),
      }),
    };
  }

  /** Whether the month is in the taxpayer's declaration window (the previous period not yet filed). */
  private async inWindow(taxpayer: TaxpayerEntity, period: Period): Promise<boolean> {
    const due = windowFilingOf({ frequency: taxpayer.filingFrequency, period, registeredPeriod: periodOf(taxpayer.registeredAt) });
    return due !== null && !(await this.filedFor(taxpayer.taxId, due));
  }

  /** The declaration window's cap on `used` as it stands (for views), or null outside the window. */
  async windowCapNow(context: QuotaContext): Promise<bigint | null> {
    if (!context.inWindow) return null;
    return windowCapOf(await this.months.get({ taxpayerId: context.taxpayerId, period: shiftPeriod(context.period, -1) }));
  }

  /**
   * The month as it stands. A month that has not started is not fixed by being looked at: unless
   * an officer has set it explicitly, it is shown as projected by the policy from today's data.
   */
  async view(taxpayer: TaxpayerEntity, period: Period): Promise<QuotaView> {
    if (this.isFuture(period)) {
      const registered = periodOf(taxpayer.registeredAt);
      if (period < registered) throw Problems.notFound(`quota for ${period} (the taxpayer was registered in ${registered})`);
      const set = await this.months.find({ taxpayerId: taxpayer.taxId, period });
      if (set) return this.viewOf(set, null);
      const { total } = await this.policyTotal(taxpayer, period);
      return { ...this.viewOf({ period, total, used: 0n, temporaryAdjusted: false, temporaryRaise: 0n } as QuotaMonthEntity, null), projected: true };
    }
    const context = await this.prepare(taxpayer, period);
    const row = await this.months.get({ taxpayerId: taxpayer.taxId, period });
    return this.viewOf(row, await this.windowCapNow(context));
  }

  viewOf(row: QuotaMonthEntity, windowCap: bigint | null): QuotaView {
    return {
      period: row.period,
      total: formatMoney(row.total),
      used: formatMoney(row.used),
      remaining: formatMoney(row.total - row.used),
      available: formatMoney(availableOf(row, windowCap)),
      inDeclarationWindow: windowCap !== null,
      temporaryAdjusted: row.temporaryAdjusted,
      temporaryRaise: formatMoney(row.temporaryRaise),
      projected: false,
    };
  }

  // ------------------------------------------------------------------ consuming and restoring

  /** Gives back `amount` (a same-month red invoice, a voided paper invoice). */
  async restore(
    em: EntityManager,
    context: { taxpayerId: string; period: Period },
    amount: bigint,
    kind: LedgerKind,
    ref: string,
    actor: string,
  ): Promise<void> {
    if (!(await this.months.giveBack(em, context, amount)))
      throw new Error(`cannot restore ${formatMoney(amount)} to ${context.taxpayerId} ${context.period}: less is used`);
    const row = await this.readMonth(em, context);
    await this.ledger(em, context, row.ledgerSeq, kind, -amount, row.total, row.used, ref, actor);
  }

  /**
   * Replaces the month's total (periodic set by an officer, manual adjustment, an approved
   * application). Refused when the new total is below what is already used.
   */
  async setTotal(
    em: EntityManager,
    taxpayerId: string,
    period: Period,
    newTotal: bigint,
    kind: LedgerKind,
    ref: string,
    actor: Principal,
  ): Promise<QuotaMonthEntity> {
    const context = { taxpayerId, period };
    const before = (await this.months.lock(em, [context])).get(monthKey(context))!;
    if (!(await this.months.replaceTotal(em, context, newTotal))) {
      throw Problems.invalidState(`the new total ${formatMoney(newTotal)} is below what ${period} has already used (${formatMoney(before.used)})`, {
        used: formatMoney(before.used),
      });
    }
    const row = await this.readMonth(em, context);
    await this.ledger(em, context, row.ledgerSeq, kind, row.total - before.total, row.total, row.used, ref, actor.actorRef);
    await this.audit.record(em, actor, {
      action: `quota.${kind}`,
      objectType: 'quota_month',
      objectId: `${taxpayerId}:${period}`,
      taxpayerId,
      before: { total: formatMoney(before.total) },
      after: { total: formatMoney(row.total), ref },
    });
    await this.outbox.emit(em, [totalChanged({ taxId: taxpayerId, period, kind, previousTotal: before.total, total: row.total, used: row.used, ref })]);
    return row;
  }

  /**
   * Consumes quota for one or many items in one transaction (group commit, batches, paper
   * collections). The months involved are locked in one statement, in key order, and with them,
   * for an item in the declaration window, the previous month, whose remaining amount is the cap
   * (read under the lock, not before), and the next month if it exists: at the turn of the month,
   * a late invoice of the old month may not take the remaining amount that the new month, in its
   * window, has already used (rules.capWithSuccessor). Earlier months' items are decided first,
   * each by rules.decideIssue (temporary raise included); then the ledger rows, the audit events of
   * temporary raises and one UPDATE of every changed month are written. Answers each item's
   * refusal or null, in order.
   */
  async consumeMany(em: EntityManager, items: ConsumeItem[]): Promise<ConsumeResult[]> {
    if (items.length === 0) return [];
    const shifted = (c: { taxpayerId: string; period: Period }, by: number) => ({ taxpayerId: c.taxpayerId, period: shiftPeriod(c.period, by) });
    const months = await this.months.lock(
      em,
      [...items.map((i) => i.context), ...items.filter((i) => i.context.inWindow).map((i) => shifted(i.context, -1))],
      items.map((i) => shifted(i.context, 1)),
    );
    // A next month that has already issued (only at the turn of a month): is it in its window?
    // Its filing is read in this transaction, after the months are locked.
    const nextInWindow = new Map<string, boolean>();
    for (const { context } of items) {
      const key = monthKey(shifted(context, 1));
      if ((months.get(key)?.used ?? 0n) > 0n && !nextInWindow.has(key)) {
        const filing = context.nextWindowFiling;
        nextInWindow.set(key, filing !== null && !(await this.filings.exists(context.taxpayerId, filing, em)));
      }
    }
    const at = this.clock.now();
    const ledger: QuotaLedgerEntity[] = [];
    const events: AuditInput[] = [];
    const raised: OutboxInput[] = [];
    const decide = ({ context, amount, ref: refOf, actor, kind = 'issue' }: ConsumeItem): ConsumeResult => {
      const month = months.get(monthKey(context))!;
      const windowCap = !context.inWindow ? null : windowCapOf(months.get(monthKey(shifted(context, -1)))!);
      const nextKey = monthKey(shifted(context, 1));
      const next = months.get(nextKey);
      const cap = capWithSuccessor(month, windowCap, next ? { used: next.used, inWindow: nextInWindow.get(nextKey) ?? false } : null);
      const decision = decideIssue(month, amount, { windowCap: cap, eligible: context.eligible, policy: this.policy });
      if (!decision.ok) return { refusal: quotaExceeded(decision.available, amount), windowCap };
      const ref = typeof refOf === 'function' ? refOf() : refOf;
      if (decision.raised > 0n) {
        ledger.push(ledgerRow(context, ++month.ledgerSeq, at, 'temporary', decision.raised, decision.total, month.used, 'temporary adjustment', SYSTEM));
        events.push({
          action: 'quota.temporary',
          objectType: 'quota_month',
          objectId: monthKey(context),
          taxpayerId: context.taxpayerId,
          before: { total: formatMoney(month.total) },
          after: { total: formatMoney(decision.total), trigger: ref },
        });
        raised.push(
          totalChanged({
            taxId: context.taxpayerId,
            period: context.period,
            kind: 'temporary',
            previousTotal: month.total,
            total: decision.total,
            used: decision.used,
            ref: `temporary adjustment (${ref})`,
          }),
        );
        month.temporaryRaise = decision.raised;
        month.temporaryAdjusted = true;
      }
      month.total = decision.total;
      month.used = decision.used;
      ledger.push(ledgerRow(context, ++month.ledgerSeq, at, kind, amount, month.total, month.used, ref, actor));
      month.changed = true;
      return { refusal: null, windowCap };
    };
    // An earlier month's items first (arrival order otherwise): at the turn of the month, the last
    // issues of the old month count in the remaining amount that caps the new one.
    const order = items
      .map((_, i) => i)
      .sort((a, b) => (items[a].context.period < items[b].context.period ? -1 : items[a].context.period > items[b].context.period ? 1 : a - b));
    const results: ConsumeResult[] = new Array(items.length);
    for (const index of order) results[index] = decide(items[index]);
    await this.ledgerRows.append(em, ledger);
    await this.audit.recordMany(
      em,
      events.map((event) => ({ actor: 'system', event })),
    );
    await this.outbox.emit(em, raised);
    await this.months.saveLocked(em, [...months.values()]);
    return results;
  }

  /** The row as this transaction now sees it (after its own UPDATE, which holds the row). */
  readMonth(em: EntityManager, context: { taxpayerId: string; period: Period }): Promise<QuotaMonthEntity> {
    return this.months.read(em, context);
  }

  async ledger(
    em: EntityManager,
    context: { taxpayerId: string; period: Period },
    seq: bigint,
    kind: LedgerKind,
    delta: bigint,
    totalAfter: bigint,
    usedAfter: bigint,
    ref: string | null,
    actor: string,
  ): Promise<void> {
    await this.ledgerRows.append(em, [ledgerRow(context, seq, this.clock.now(), kind, delta, totalAfter, usedAfter, ref, actor)]);
  }

  // ------------------------------------------------------------------ reading the ledger

  async ledgerPage(principal: Principal, taxId: string, period: Period, query: PageQuery): Promise<Page<ReturnType<typeof ledgerView>>> {
    const taxpayer = await this.pilotFor(principal, taxId);
    if (!this.isFuture(period)) await this.ensureMonth(taxpayer, period);
    else if (period < periodOf(taxpayer.registeredAt)) throw Problems.notFound(`quota for ${period}`);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 1, ([seq]) => Number.isSafeInteger(seq) && (seq as number) >= 0);
    const rows = await this.ledgerRows.page({ taxpayerId: taxId, period }, after ? Number(after[0]) : null, limit + 1);
    const items = rows.slice(0, limit).map(ledgerView);
    return { items, nextCursor: rows.length > limit ? encodeCursor([Number(rows[limit - 1].seq)]) : null };
  }

  /** The pilot taxpayers registered by the end of `period` (those a periodic run covers). */
  registeredBy(period: Period): Promise<TaxpayerEntity[]> {
    return this.taxpayers.pilotsRegisteredBy(period);
  }
}

export function ledgerRow(
  context: { taxpayerId: string; period: Period },
  seq: bigint,
  at: Date,
  kind: LedgerKind,
  delta: bigint,
  totalAfter: bigint,
  usedAfter: bigint,
  ref: string | null,
  actor: string,
): QuotaLedgerEntity {
  return {
    taxpayerId: context.taxpayerId,
    period: context.period,
    seq,
    at,
    kind,
    delta,
    totalAfter,
    usedAfter,
    ref: ref === null ? null : ref.slice(0, 64),
    actor,
  };
}

export function ledgerView(row: QuotaLedgerEntity) {
  return {
    seq: Number(row.seq),
    at: formatCst(row.at),
    kind: row.kind,
    delta: formatMoney(row.delta),
    totalAfter: formatMoney(row.totalAfter),
    usedAfter: formatMoney(row.usedAfter),
    ref: row.ref,
  };
}

export function quotaExceeded(available: bigint, amount: bigint): ProblemException {
  return new ProblemException(422, 'QUOTA_EXCEEDED', `the amount ${formatMoney(amount)} does not fit the quota available now (${formatMoney(available)})`, {
    available: formatMoney(available),
  });
}
