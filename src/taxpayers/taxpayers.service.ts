import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Principal, canRead, tenantScope } from '../common/principal';
import { Clock } from '../common/clock';
import { formatMoney, parseMoney } from '../common/money';
import { decodeCursor, encodeCursor, Page, PageQuery, pageLimit } from '../common/pagination';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { formatCst, Period, periodStart, shiftPeriod } from '../common/time';
import { TtlCache } from '../common/ttl-cache';
import { AppConfig } from '../config/config';
import { Db } from '../database/db.service';
import { PROVINCES, provinceProblem } from './provinces';
import { CreateTaxpayerDto, UpdateTaxpayerDto } from './taxpayer.dto';
import { defaultInitialQuota } from './risk-scaling';
import { TaxpayerEntity } from './taxpayer.entity';
import { TaxpayersRepository } from './taxpayers.repository';
import { usccProblem } from './uscc';

export function taxpayerView(t: TaxpayerEntity) {
  return {
    taxId: t.taxId,
    name: t.name,
    regionCode: t.regionCode,
    regionName: PROVINCES[t.regionCode]?.name ?? null,
    address: t.address,
    phone: t.phone,
    bankName: t.bankName,
    bankAccount: t.bankAccount,
    taxpayerType: t.taxpayerType,
    filingFrequency: t.filingFrequency,
    riskLevel: t.riskLevel,
    creditRating: t.creditRating,
    pilot: t.pilot,
    initialQuota: t.initialQuota === null ? null : formatMoney(t.initialQuota),
    paperMaxAmountPerInvoice: t.paperMaxAmountPerInvoice === null ? null : formatMoney(t.paperMaxAmountPerInvoice),
    registeredAt: formatCst(t.registeredAt),
  };
}

export type TaxpayerView = ReturnType<typeof taxpayerView>;

@Injectable()
export class TaxpayersService {
  private readonly recent: TtlCache<string, TaxpayerEntity>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    config: AppConfig,
    private readonly rows: TaxpayersRepository,
  ) {
    this.recent = new TtlCache(config.cacheSeconds * 1000);
  }

  async exists(taxId: string): Promise<boolean> {
    return this.rows.exists(taxId);
  }

  /** The taxpayer, or null. No scope check: for other modules' use. */
  find(taxId: string): Promise<TaxpayerEntity | null> {
    return this.rows.find(taxId);
  }

  /** The pilot taxpayers registered by the end of `period` (those a periodic quota run covers), by tax id. */
  pilotsRegisteredBy(period: Period): Promise<TaxpayerEntity[]> {
    return this.rows.pilotsRegisteredBy(new Date(periodStart(shiftPeriod(period, 1)).getTime() - 1));
  }

  /** The same, possibly up to CACHE_SECONDS old (a change in this process is seen at once): for hot paths. */
  async findRecent(taxId: string): Promise<TaxpayerEntity | null> {
    const cached = this.recent.get(taxId);
    if (cached) return cached;
    const row = await this.find(taxId);
    if (row) this.recent.set(taxId, row);
    return row;
  }

  async register(actor: Principal, dto: CreateTaxpayerDto, record: RecordResponse = async () => undefined): Promise<TaxpayerView> {
    const idProblem = usccProblem(dto.taxId);
    if (idProblem) throw Problems.field('taxId', idProblem);
    const regionCode = dto.regionCode ?? dto.taxId.slice(2, 4);
    const regionProblem = provinceProblem(regionCode);
    if (regionProblem) throw Problems.field('regionCode', dto.regionCode ? regionProblem : `${regionProblem}; give regionCode explicitly`);
    const pilot = dto.pilot ?? true;
    if (!pilot && dto.initialQuota !== undefined) throw Problems.field('initialQuota', 'only a pilot taxpayer has a quota');
    const now = this.clock.now();
    const row: TaxpayerEntity = {
      taxId: dto.taxId,
      name: dto.name,
      regionCode,
      address: dto.address ?? '',
      phone: dto.phone ?? '',
      bankName: dto.bankName ?? '',
      bankAccount: dto.bankAccount ?? '',
      taxpayerType: dto.taxpayerType ?? 'general',
      filingFrequency: dto.filingFrequency ?? 'monthly',
      riskLevel: dto.riskLevel ?? 'medium',
      creditRating: dto.creditRating ?? 'M',
      pilot,
      initialQuota: null,
      paperMaxAmountPerInvoice: dto.paperMaxAmountPerInvoice === undefined ? null : parseMoney(dto.paperMaxAmountPerInvoice),
      registeredAt: now,
      updatedAt: now,
    };
    // A pilot registered without an initial total gets the policy's default (quota/rules.ts).
    if (pilot) row.initialQuota = dto.initialQuota === undefined ? defaultInitialQuota(row) : parseMoney(dto.initialQuota);
    await this.db.transaction(async (em) => {
      if (await this.rows.exists(row.taxId, em)) throw Problems.alreadyExists(`taxpayer ${row.taxId}`);
      await this.rows.insert(em, row); // a concurrent twin: 409 too
      await this.audit.record(em, actor, {
        action: 'taxpayer.registered',
        objectType: 'taxpayer',
        objectId: row.taxId,
        taxpayerId: row.taxId,
        after: taxpayerView(row),
      });
      await record(em, taxpayerView(row));
    });
    return taxpayerView(row);
  }

  async get(principal: Principal, taxId: string): Promise<TaxpayerView> {
    const row = canRead(principal, taxId) ? await this.find(taxId) : null;
    if (!row) throw Problems.notFound(`taxpayer ${taxId}`);
    return taxpayerView(row);
  }

  async list(principal: Principal, query: PageQuery): Promise<Page<TaxpayerView>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 1, ([taxId]) => typeof taxId === 'string' && taxId.length === 18);
    const { scoped, taxId: own } = tenantScope(principal);
    if (scoped && after) return { items: [], nextCursor: null };
    const rows = await this.rows.list(scoped ? { only: own! } : after ? { after: String(after[0]) } : null, limit + 1);
    const items = rows.slice(0, limit).map(taxpayerView);
    return { items, nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].taxId]) : null };
  }

  async update(actor: Principal, taxId: string, dto: UpdateTaxpayerDto): Promise<TaxpayerView> {
    return this.db.transaction(async (em) => {
      const row = await this.rows.find(taxId, em);
      if (!row) throw Problems.notFound(`taxpayer ${taxId}`);
      const before = taxpayerView(row);
      if (dto.riskLevel !== undefined) row.riskLevel = dto.riskLevel;
      if (dto.creditRating !== undefined) row.creditRating = dto.creditRating;
      if (dto.filingFrequency !== undefined) row.filingFrequency = dto.filingFrequency;
      if (dto.pilot !== undefined) row.pilot = dto.pilot;
      if (dto.paperMaxAmountPerInvoice !== undefined) row.paperMaxAmountPerInvoice = parseMoney(dto.paperMaxAmountPerInvoice);
      row.updatedAt = this.clock.now();
      await this.rows.save(em, row);
      this.recent.delete(taxId);
      const after = taxpayerView(row);
      await this.audit.record(em, actor, { action: 'taxpayer.updated', objectType: 'taxpayer', objectId: taxId, taxpayerId: taxId, before, after });
      return after;
    });
  }
}
