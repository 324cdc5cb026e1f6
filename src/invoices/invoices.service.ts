import { Injectable } from '@nestjs/common';
import { Brackets, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { canRead, Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor, Page, pageLimit } from '../common/pagination';
import { Problems } from '../common/problem';
import { parseIsoInstant, periodOf } from '../common/time';
import { Db } from '../database/db.service';
import { QuotaService } from '../quota/quota.service';
import { ListInvoicesQuery } from './invoice.dto';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { invoiceView, InvoiceView } from './invoice.view';

const DAY_MS = 24 * 3600 * 1000;

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
  ) {}

  private visible(principal: Principal, invoice: InvoiceEntity): boolean {
    return canRead(principal, invoice.sellerTaxId) || canRead(principal, invoice.buyerTaxId);
  }

  /** The invoice if the principal may see it (its seller, its buyer, auditors in scope, officers). */
  async find(principal: Principal, number: string): Promise<{ invoice: InvoiceEntity; lines: InvoiceLineEntity[] }> {
    const invoice = /^\d{20}$/.test(number) ? await this.db.dataSource.manager.findOneBy(InvoiceEntity, { number }) : null;
    if (!invoice || !this.visible(principal, invoice)) throw Problems.notFound(`invoice ${number}`);
    const lines = await this.db.dataSource.manager.find(InvoiceLineEntity, { where: { invoiceNumber: number }, order: { lineNo: 'ASC' } });
    return { invoice, lines };
  }

  async get(principal: Principal, number: string): Promise<InvoiceView> {
    const { invoice, lines } = await this.find(principal, number);
    return invoiceView(invoice, lines);
  }

  async list(principal: Principal, query: ListInvoicesQuery): Promise<Page<InvoiceView>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 2);
    const scoped = principal.role === 'taxpayer' || (principal.role === 'auditor' && principal.taxpayerId !== null);
    if (scoped && query.taxId && query.taxId !== principal.taxpayerId) return { items: [], nextCursor: null };
    const taxId = scoped ? principal.taxpayerId : (query.taxId ?? null);
    const direction = query.direction ?? 'issued';
    const qb = this.db.dataSource.manager.createQueryBuilder(InvoiceEntity, 'i');
    if (taxId) qb.where(direction === 'issued' ? 'i.seller_tax_id = :taxId' : 'i.buyer_tax_id = :taxId', { taxId });
    else qb.where('1 = 1');
    const from = boundary(query.from, 'from', false);
    const to = boundary(query.to, 'to', true);
    if (from) qb.andWhere('i.issued_at >= :from', { from });
    if (to) qb.andWhere('i.issued_at <= :to', { to });
    if (query.color) qb.andWhere('i.color = :color', { color: query.color });
    if (query.type) qb.andWhere('i.type = :type', { type: query.type });
    if (query.status) qb.andWhere('i.status = :status', { status: query.status });
    if (query.medium) qb.andWhere('i.medium = :medium', { medium: query.medium });
    if (after) {
      const at = new Date(Number(after[0]));
      qb.andWhere(new Brackets((w) => w.where('i.issued_at < :at', { at }).orWhere('i.issued_at = :at AND i.number < :num', { num: String(after[1]) })));
    }
    const rows = await qb.orderBy('i.issued_at', 'DESC').addOrderBy('i.number', 'DESC').take(limit + 1).getMany();
    const page = rows.slice(0, limit);
    const lines = page.length ? await this.db.dataSource.manager.find(InvoiceLineEntity, { where: { invoiceNumber: In(page.map((i) => i.number)) } }) : [];
    const byNumber = new Map<string, InvoiceLineEntity[]>();
    for (const line of lines) byNumber.set(line.invoiceNumber, [...(byNumber.get(line.invoiceNumber) ?? []), line]);
    const last = page[page.length - 1];
    return {
      items: page.map((i) => invoiceView(i, byNumber.get(i.number) ?? [])),
      nextCursor: rows.length > limit ? encodeCursor([last.issuedAt.getTime(), last.number]) : null,
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
    if (periodOf(now) !== invoice.period) throw Problems.invalidState(`invoice ${number} was issued in ${invoice.period}; a paper invoice can be voided only in its own month`);
    await this.db.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(InvoiceEntity)
        .set({ status: 'voided', voidedAt: now })
        .where('number = :number AND status = :issued', { number, issued: 'issued' })
        .execute();
      if (result.affected !== 1) throw Problems.invalidState(`invoice ${number} is no longer issued`);
      await this.audit.record(em, principal, { action: 'invoice.voided', objectType: 'invoice', objectId: number, taxpayerId: invoice.sellerTaxId, before: { status: 'issued' }, after: { status: 'voided' } });
      await this.quota.restore(em, { taxpayerId: invoice.sellerTaxId, period: invoice.period }, invoice.totalAmount, 'paper_void_restore', number, principal.actorRef);
    });
    return invoiceView({ ...invoice, status: 'voided', voidedAt: now }, lines);
  }
}
