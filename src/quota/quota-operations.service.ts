import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditInput, AuditService } from '../audit/audit.service';
import { Principal, tenantScope } from '../common/principal';
import { Clock } from '../common/clock';
import { formatMoney, MAX_MONEY_FEN, parseMoney } from '../common/money';
import { PageQuery } from '../common/pagination';
import { ProblemException, Problems } from '../common/problem';
import { formatCst, Period, periodOf } from '../common/time';
import { Db } from '../database/db.service';
import { Outbox } from '../database/outbox.service';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { ApplicationDto, ApplicationsQuery, AdjustmentDto, ObjectionDto, PaperCollectionDto, VatFilingDto } from './quota.dto';
import { PaperCollectionEntity, QuotaApplicationEntity, QuotaObjectionEntity, VatFilingEntity } from './quota.entities';
import { quotaExceeded, QuotaService, QuotaView } from './quota.service';
import { isDuplicate } from '../database/db-errors';
import { parseFilingPeriod } from './rules';
import { PaperCollectionsRepository } from './paper-collections.repository';
import { QuotaApplicationsRepository } from './quota-applications.repository';
import { QuotaObjectionsRepository } from './quota-objections.repository';
import { VatFilingsRepository } from './vat-filings.repository';

function applicationView(a: QuotaApplicationEntity) {
  return {
    id: a.id,
    taxId: a.taxpayerId,
    period: a.period,
    requestedTotal: formatMoney(a.requestedTotal),
    reason: a.reason,
    status: a.status,
    decidedBy: a.decidedBy,
    decisionReason: a.decisionReason,
    createdAt: formatCst(a.createdAt),
    decidedAt: a.decidedAt ? formatCst(a.decidedAt) : null,
  };
}

function objectionView(o: QuotaObjectionEntity) {
  return { id: o.id, taxId: o.taxpayerId, period: o.period, reason: o.reason, createdAt: formatCst(o.createdAt) };
}

/** The quota's HTTP-facing operations (API.md "Quota"): decisions; the statements are in the repositories. */
@Injectable()
export class QuotaOperationsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly quota: QuotaService,
    private readonly outbox: Outbox,
    private readonly applications: QuotaApplicationsRepository,
    private readonly objections: QuotaObjectionsRepository,
    private readonly filings: VatFilingsRepository,
    private readonly paperCollections: PaperCollectionsRepository,
  ) {}

  private currentPeriod(): Period {
    return periodOf(this.clock.now());
  }

  async get(principal: Principal, taxId: string, period?: Period): Promise<QuotaView> {
    const taxpayer = await this.quota.pilotFor(principal, taxId);
    return this.quota.view(taxpayer, period ?? this.currentPeriod());
  }

  /** A tax officer sets a month's total explicitly (kind periodic or manual). */
  async adjust(principal: Principal, taxId: string, dto: AdjustmentDto, record: RecordResponse): Promise<QuotaView> {
    const taxpayer = await this.quota.pilotFor(principal, taxId);
    const windowCap = await this.quota.windowCapNow(await this.quota.prepare(taxpayer, dto.period));
    return this.db.transaction(async (em) => {
      const row = await this.quota.setTotal(em, taxId, dto.period, parseMoney(dto.newTotal), dto.kind, dto.reason, principal);
      const view = this.quota.viewOf(row, windowCap);
      await record(em, view);
      return view;
    });
  }

  /** Applies the periodic policy to every pilot taxpayer for the month; a second run changes nothing. */
  async periodicRun(principal: Principal, period: Period, record: RecordResponse = async () => undefined) {
    if (period > this.currentPeriod()) {
      throw Problems.invalidState(`${period} has not started: its total depends on the usage of the months before it, which is not final yet`);
    }
    const taxpayers = await this.quota.registeredBy(period);
    let created = 0;
    for (const taxpayer of taxpayers) if (await this.quota.ensureMonth(taxpayer, period)) created++;
    const view = { period, taxpayers: taxpayers.length, created, unchanged: taxpayers.length - created };
    await this.db.transaction(async (em) => {
      await this.audit.record(em, principal, {
        action: 'quota.periodic_run',
        objectType: 'quota_period',
        objectId: period,
        after: { taxpayers: taxpayers.length, created },
      });
      await record(em, view);
    });
    return view;
  }

  /** A new row (written by `insert`), its audit event and the answer recorded under the Idempotency-Key: one transaction. */
  private created(principal: Principal, insert: (em: EntityManager) => Promise<void>, event: AuditInput, body: object, record: RecordResponse) {
    return this.db.transaction(async (em) => {
      await insert(em);
      await this.audit.record(em, principal, event);
      await record(em, body);
    });
  }

  private ownPilot(principal: Principal, taxId: string) {
    if (principal.taxpayerId !== taxId) throw Problems.notFound(`taxpayer ${taxId}`);
    return this.quota.pilotFor(principal, taxId);
  }

  async apply(principal: Principal, taxId: string, dto: ApplicationDto, record: RecordResponse) {
    await this.ownPilot(principal, taxId);
    const row: QuotaApplicationEntity = {
      id: randomUUID(),
      taxpayerId: taxId,
      period: this.currentPeriod(),
      requestedTotal: parseMoney(dto.requestedTotal),
      reason: dto.reason,
      status: 'pending',
      decidedBy: null,
      decisionReason: null,
      createdAt: this.clock.now(),
      decidedAt: null,
    };
    const view = applicationView(row);
    await this.created(
      principal,
      (em) => this.applications.insert(em, row),
      { action: 'quota.application_filed', objectType: 'quota_application', objectId: row.id, taxpayerId: taxId, after: view },
      view,
      record,
    );
    return view;
  }

  async decide(principal: Principal, id: string, decision: 'approved' | 'rejected', reason: string | null) {
    const application = await this.applications.find(id);
    if (!application) throw Problems.notFound(`application ${id}`);
    if (application.status !== 'pending') throw Problems.invalidState(`application ${id} is already ${application.status}`);
    if (decision === 'approved') {
      if (application.period < this.currentPeriod())
        throw Problems.invalidState(`application ${id} was for ${application.period}, which has ended; it can only be rejected`);
      const taxpayer = await this.quota.pilotFor(principal, application.taxpayerId);
      await this.quota.ensureMonth(taxpayer, application.period);
    }
    const decidedAt = this.clock.now();
    await this.db.transaction(async (em) => {
      const decided = await this.applications.decide(em, id, { status: decision, decidedBy: principal.actorRef, decisionReason: reason, decidedAt });
      if (!decided) throw Problems.invalidState(`application ${id} is no longer pending`);
      if (decision === 'approved') {
        await this.quota.setTotal(em, application.taxpayerId, application.period, application.requestedTotal, 'manual', `application ${id}`, principal);
      }
      await this.audit.record(em, principal, {
        action: `quota.application_${decision}`,
        objectType: 'quota_application',
        objectId: id,
        taxpayerId: application.taxpayerId,
        before: { status: 'pending' },
        after: { status: decision, reason },
      });
      await this.outbox.emit(em, [
        {
          type: 'quota.application_decided',
          taxIds: [application.taxpayerId],
          payload: applicationView({ ...application, status: decision, decidedBy: principal.actorRef, decisionReason: reason, decidedAt }),
        },
      ]);
    });
    return applicationView({ ...application, status: decision, decidedBy: principal.actorRef, decisionReason: reason, decidedAt });
  }

  async listApplications(principal: Principal, query: ApplicationsQuery) {
    const { taxId: scope, outside } = tenantScope(principal, query.taxId);
    if (outside) return { items: [], nextCursor: null };
    const { rows, nextCursor } = await this.applications.page(scope, query.status ?? null, query);
    return { items: rows.map(applicationView), nextCursor };
  }

  async object(principal: Principal, taxId: string, dto: ObjectionDto, record: RecordResponse) {
    await this.ownPilot(principal, taxId);
    const row: QuotaObjectionEntity = { id: randomUUID(), taxpayerId: taxId, period: this.currentPeriod(), reason: dto.reason, createdAt: this.clock.now() };
    const view = objectionView(row);
    await this.created(
      principal,
      (em) => this.objections.insert(em, row),
      {
        action: 'quota.objection_lodged',
        objectType: 'quota_objection',
        objectId: row.id,
        taxpayerId: taxId,
        after: { period: row.period, reason: row.reason },
      },
      view,
      record,
    );
    return view;
  }

  async listObjections(principal: Principal, taxId: string, query: PageQuery) {
    await this.quota.pilotFor(principal, taxId);
    const { rows, nextCursor } = await this.objections.page(taxId, query);
    return { items: rows.map(objectionView), nextCursor };
  }

  /** Records the VAT return for a period as filed and matched now. Recording it again changes nothing. */
  async recordFiling(principal: Principal, taxId: string, dto: VatFilingDto, record: RecordResponse): Promise<{ created: boolean; body: object }> {
    // Any registered taxpayer files: a non-pilot buyer's filing decides whether it "had deducted".
    const taxpayer = await this.quota.readable(principal, taxId);
    if (principal.role === 'taxpayer' && principal.taxpayerId !== taxId) throw Problems.notFound(`taxpayer ${taxId}`);
    const parsed = parseFilingPeriod(dto.period)!;
    const expected = taxpayer.filingFrequency === 'monthly' ? 'month' : 'quarter';
    if (parsed.kind !== expected) {
      throw Problems.field('period', `${taxId} files ${taxpayer.filingFrequency}: give ${expected === 'month' ? 'YYYY-MM' : 'YYYY-Qn'}`);
    }
    if (parsed.lastMonth >= this.currentPeriod()) throw Problems.field('period', `${dto.period} has not ended yet`);
    const existing = await this.filings.find(taxId, dto.period);
    const view = (f: VatFilingEntity) => ({ taxId, period: f.period, filedAt: formatCst(f.filedAt) });
    // Already recorded: answered 200, and that answer recorded under the Idempotency-Key; if a
    // concurrent twin with the same key recorded its 201 first, this fails on the key and the
    // twin's answer is replayed (IdempotencyService.run).
    const already = async (f: VatFilingEntity) => {
      await this.db.transaction((em) => record(em, view(f), 200));
      return { created: false, body: view(f) };
    };
    if (existing) return already(existing);
    const row: VatFilingEntity = { taxpayerId: taxId, period: dto.period, filedAt: this.clock.now(), actor: principal.actorRef };
    try {
      await this.created(
        principal,
        (em) => this.filings.insert(em, row),
        { action: 'vat_filing.recorded', objectType: 'vat_filing', objectId: `${taxId}:${dto.period}`, taxpayerId: taxId, after: view(row) },
        view(row),
        record,
      );
    } catch (error) {
      if (!isDuplicate(error)) throw error;
      return already(await this.filings.get(taxId, dto.period));
    }
    return { created: true, body: view(row) };
  }

  /** A collection of blank legacy paper invoices consumes count x single-invoice maximum now. */
  async collectPaper(principal: Principal, taxId: string, dto: PaperCollectionDto, record: RecordResponse) {
    const taxpayer = await this.ownPilot(principal, taxId);
    const max = parseMoney(dto.maxAmountPerInvoice);
    if (taxpayer.paperMaxAmountPerInvoice !== null && max > taxpayer.paperMaxAmountPerInvoice) {
      throw new ProblemException(
        422,
        'PAPER_LIMIT_EXCEEDED',
        `maxAmountPerInvoice ${dto.maxAmountPerInvoice} is above the taxpayer's single-invoice maximum ${formatMoney(taxpayer.paperMaxAmountPerInvoice)}`,
        {
          paperMaxAmountPerInvoice: formatMoney(taxpayer.paperMaxAmountPerInvoice),
        },
      );
    }
    const amount = max * BigInt(dto.count);
    const period = this.currentPeriod();
    if (amount > MAX_MONEY_FEN) {
      const view = await this.quota.view(taxpayer, period);
      throw quotaExceeded(parseMoney(view.available), amount);
    }
    const context = { ...(await this.quota.prepare(taxpayer, period)), eligible: false };
    const row: PaperCollectionEntity = {
      id: randomUUID(),
      taxpayerId: taxId,
      period,
      invoiceKind: dto.invoiceKind,
      count: dto.count,
      maxAmountPerInvoice: max,
      amount,
      collectedAt: this.clock.now(),
    };
    return this.db.transaction(async (em) => {
      await this.paperCollections.insert(em, row);
      await this.audit.record(em, principal, {
        action: 'quota.paper_collection',
        objectType: 'paper_collection',
        objectId: row.id,
        taxpayerId: taxId,
        after: { invoiceKind: row.invoiceKind, count: row.count, maxAmountPerInvoice: dto.maxAmountPerInvoice, amount: formatMoney(amount) },
      });
      const [{ refusal, windowCap }] = await this.quota.consumeMany(em, [
        { context, amount, ref: `collection ${row.id}`, actor: principal.actorRef, kind: 'paper_collection' },
      ]);
      if (refusal) throw refusal;
      const month = await this.quota.readMonth(em, context);
      const view = {
        id: row.id,
        invoiceKind: row.invoiceKind,
        count: row.count,
        maxAmountPerInvoice: formatMoney(max),
        amount: formatMoney(amount),
        collectedAt: formatCst(row.collectedAt),
        quota: this.quota.viewOf(month, windowCap),
      };
      await record(em, view);
      return view;
    });
  }
}
