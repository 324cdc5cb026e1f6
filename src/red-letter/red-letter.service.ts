import { every } from '../common/every';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { canRead, Principal, tenantScope } from '../common/principal';
import { Clock } from '../common/clock';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { formatMoney } from '../common/money';
import { newestFirstCursor, pageLimit, pageOf } from '../common/pagination';
import { take } from '../common/keyset';
import { ProblemException, Problems } from '../common/problem';
import { cstFields, formatCst, periodOf } from '../common/time';
import { Db } from '../database/db.service';
import { Outbox } from '../database/outbox.service';
import { slipEvents } from './slip-events';
import { InvoiceEntity, InvoiceLineEntity } from '../invoices/invoice.entities';
import { discountLinesOf, netLines } from '../invoices/tax-math';
import { InvoiceRelations, InvoicesService } from '../invoices/invoices.service';
import { invoiceView } from '../invoices/invoice.view';
import { IssueRedInvoice } from '../invoices/use-cases';
import { NumberingService } from '../invoices/numbering.service';
import { QuotaService } from '../quota/quota.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { CreateSlipDto, ListSlipsQuery } from './red-letter.dto';
import { RedConfirmationEntity, RedConfirmationLineEntity } from './red-letter.entities';
import { SlipsRepository } from './slips.repository';
import { BlueLine, exceedsBlue, fullyReversed, Held, planRed, RED_REASONS } from './red-lines';
import { EXPIRY_HOURS, initialStatus, LIVE, Party, PENDING, SLIP_STATUSES, SlipAction, SlipStatus, transition } from './slip-machine';

const SWEEP_EVERY_MS = 60_000;

/**
 * The blue lines a red letter works on: net of discounts (netLines), and on a 差额开票 invoice
 * with the tax taken back in proportion (red-lines.ts).
 */
export function redBasis(blue: Pick<InvoiceEntity, 'differentialTaxation'>, lines: InvoiceLineEntity[]): BlueLine[] {
  const proportionalTax = blue.differentialTaxation?.kind === '02';
  return netLines(lines).map((l) => ({ ...l, proportionalTax }));
}

export function slipView(slip: RedConfirmationEntity, lines: RedConfirmationLineEntity[]) {
  return {
    id: slip.id,
    number: slip.number,
    status: slip.status,
    statusName: SLIP_STATUSES[slip.status],
    initiator: slip.initiator,
    blueInvoiceNumber: slip.blueNumber,
    sellerTaxId: slip.sellerTaxId,
    buyerTaxId: slip.buyerTaxId,
    reason: slip.reason,
    reasonName: RED_REASONS[slip.reason],
    totalAmount: formatMoney(slip.totalAmount),
    totalTax: formatMoney(slip.totalTax),
    inputTaxTransferOut: formatMoney(slip.inputTaxTransferOut),
    autoIssue: slip.autoIssue,
    redInvoiceNumber: slip.redInvoiceNumber,
    lines: [...lines]
      .sort((a, b) => a.blueLineNo - b.blueLineNo)
      .map((l) => ({
        blueLineNo: l.blueLineNo,
        quantity: l.quantity,
        amount: formatMoney(l.amount),
        taxAmount: formatMoney(l.taxAmount),
      })),
    createdAt: formatCst(slip.createdAt),
    expiresAt: slip.expiresAt ? formatCst(slip.expiresAt) : null,
    updatedAt: formatCst(slip.updatedAt),
  };
}
export type SlipView = ReturnType<typeof slipView>;

const summary = (s: RedConfirmationEntity) => ({
  id: s.id,
  number: s.number,
  status: s.status,
  reason: s.reason,
  totalAmount: formatMoney(s.totalAmount),
  totalTax: formatMoney(s.totalTax),
  redInvoiceNumber: s.redInvoiceNumber,
});

/**
 * Red-letter confirmation slips (红字发票信息确认单) between seller and buyer, SPEC section 6, and
 * the red invoices issued from them. Rules live in slip-machine.ts and red-lines.ts; this class
 * applies them under the blue invoice's row lock (so concurrent slips never exceed the blue) and
 * records every transition as an audit event.
 */
@Injectable()
export class RedLetterService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedLetters');
  private stop: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly invoices: InvoicesService,
    private readonly issueRedInvoice: IssueRedInvoice,
    private readonly numbering: NumberingService,
    private readonly quota: QuotaService,
    private readonly taxpayers: TaxpayersService,
    private readonly outbox: Outbox,
    private readonly slips: SlipsRepository,
  ) {}

  /**
   * The input-tax transfer-outs the buyer filled in on its live slips during [from, to), summed by
   * the blue invoice's type (VAT return lines 20 and 23b, SPEC section 10).
   */
  async transferOutsByBlueType(buyerTaxId: string, from: Date, to: Date): Promise<Map<string, bigint>> {
    const byBlue = await this.slips.transferOutsByBlue(buyerTaxId, from, to);
    const types = await this.invoices.typesOf(byBlue.map((b) => b.blueNumber));
    const sums = new Map<string, bigint>();
    for (const { blueNumber, amount } of byBlue) {
      const type = types.get(blueNumber);
      if (type) sums.set(type, (sums.get(type) ?? 0n) + amount);
    }
    return sums;
  }

  onModuleInit(): void {
    this.invoices.useRelations((invoices) => this.relations(invoices));
    this.invoices.useLiveSlips((em, blueNumber) => this.liveSlipOn(em, blueNumber));
    this.stop = every(SWEEP_EVERY_MS, () => this.expireDue(), this.logger, 'the expiry sweep');
  }

  onModuleDestroy(): void {
    this.stop();
  }

  // ------------------------------------------------------------------ reading

  private partyOf(principal: Principal, slip: { sellerTaxId: string; buyerTaxId: string | null }): Party | null {
    if (principal.role !== 'taxpayer' || !principal.taxpayerId) return null;
    if (principal.taxpayerId === slip.sellerTaxId) return 'seller';
    if (principal.taxpayerId === slip.buyerTaxId) return 'buyer';
    return null;
  }

  private async load(principal: Principal, id: string): Promise<RedConfirmationEntity> {
    await this.expireDue({ id });
    const slip = await this.slips.find(id);
    if (!slip || !(canRead(principal, slip.sellerTaxId) || canRead(principal, slip.buyerTaxId))) throw Problems.notFound(`red-letter confirmation ${id}`);
    return slip;
  }

  private async view(slip: RedConfirmationEntity): Promise<SlipView> {
    const lines = await this.slips.linesOf(slip.id);
    return slipView(slip, lines);
  }

  async get(principal: Principal, id: string): Promise<SlipView> {
    return this.view(await this.load(principal, id));
  }

  async list(principal: Principal, query: ListSlipsQuery) {
    const { taxId: me, outside } = tenantScope(principal, query.taxId);
    if (outside) return { items: [], nextCursor: null };
    await this.expireDue(me ? { taxId: me } : {});
    // Newest first, one more than the page to know whether another follows (src/red-letter/slip-scan.ts).
    const limit = pageLimit(query);
    const keys = await take(
      this.slips.scan({ taxId: me, direction: query.direction, status: query.status }, 'DESC', newestFirstCursor(query), limit + 1),
      limit + 1,
    );
    const { rows, nextCursor } = pageOf(await this.slips.at(keys), limit, (last) => [last.createdAt.getTime(), last.id]);
    const lines = await this.slips.linesOfAll(rows.map((r) => r.id));
    return {
      items: rows.map((r) =>
        slipView(
          r,
          lines.filter((l) => l.confirmationId === r.id),
        ),
      ),
      nextCursor,
    };
  }

  /** Red-letter facts shown on invoices: a blue's slips and reds; a red's slip. */
  private async relations(invoices: InvoiceEntity[]): Promise<Map<string, InvoiceRelations>> {
    const result = new Map<string, InvoiceRelations>();
    const blues = invoices.filter((i) => i.color === 'blue').map((i) => i.number);
    const redSlipIds = invoices.filter((i) => i.redConfirmationId).map((i) => i.redConfirmationId!);
    const [slips, reds, redSlips] = await Promise.all([this.slips.onBlues(blues), this.invoices.redsOf(blues), this.slips.byIds(redSlipIds)]);
    for (const number of blues) {
      result.set(number, {
        redConfirmations: slips.filter((s) => s.blueNumber === number).map(summary),
        redInvoices: reds
          .filter((r) => r.blueNumber === number)
          .map((r) => ({
            number: r.number,
            issuedAt: formatCst(r.issuedAt),
            totalAmount: formatMoney(r.totalAmount),
            totalTax: formatMoney(r.totalTax),
            redConfirmationId: r.redConfirmationId,
          })),
      });
    }
    for (const invoice of invoices.filter((i) => i.redConfirmationId)) {
      const slip = redSlips.find((s) => s.id === invoice.redConfirmationId);
      result.set(invoice.number, { redConfirmations: slip ? [summary(slip)] : [], redInvoices: [], redConfirmationNumber: slip?.number ?? null });
    }
    return result;
  }

  // ------------------------------------------------------------------ expiry

  /**
   * Voids slips still awaiting confirmation 72 hours after they were filled in (status 07), by
   * the clock, whether or not anyone reads them: run every minute and before every access.
   */
  async expireDue(filter: { id?: string; taxId?: string; blueNumber?: string } = {}): Promise<number> {
    const due = await this.slips.due(this.clock.now(), filter, 500);
    let expired = 0;
    for (const slip of due) {
      await this.db.transaction(async (em) => {
        if (await this.move(em, slip, '07', 'system')) expired++;
      });
    }
    return expired;
  }

  /** A conditional status change (from the status we saw) with its audit event. */
  private async move(
    em: EntityManager,
    slip: RedConfirmationEntity,
    to: SlipStatus,
    actor: Principal | 'system',
    extra: Partial<RedConfirmationEntity> = {},
  ): Promise<boolean> {
    const now = this.clock.now();
    // 08 and 09 only while no red is issued (the repository's condition).
    if (!(await this.slips.move(em, slip.id, slip.status, to, { updatedAt: now, ...(to === '04' ? { expiresAt: null } : {}), ...extra }))) return false;
    await this.audit.record(em, actor, {
      action: 'red_confirmation.status',
      objectType: 'red_confirmation',
      objectId: slip.id,
      taxpayerId: slip.sellerTaxId,
      before: { status: slip.status },
      after: { status: to, statusName: SLIP_STATUSES[to], buyerTaxId: slip.buyerTaxId },
    });
    slip.status = to;
    slip.updatedAt = now;
    if (to === '04') slip.expiresAt = null;
    await this.outbox.emit(em, slipEvents(slipView(slip, await this.slips.lines(em, slip.id)), 'moved'));
    return true;
  }

  // ------------------------------------------------------------------ filling in

  /** The buyer "had deducted": it confirmed the usage as deduction and has since filed for the period it confirmed in. */
  private async hadDeducted(blue: InvoiceEntity): Promise<boolean> {
    if (blue.usage !== 'deduction' || !blue.usageConfirmedAt || !blue.buyerTaxId) return false;
    const buyer = await this.taxpayers.find(blue.buyerTaxId);
    if (!buyer) return false;
    const period = periodOf(blue.usageConfirmedAt);
    const { year, month } = cstFields(blue.usageConfirmedAt);
    const filing = buyer.filingFrequency === 'monthly' ? period : `${year}-Q${Math.ceil(month / 3)}`;
    return this.quota.filedFor(buyer.taxId, filing);
  }

  /** What live slips (01-04) already hold against each blue line; also voids expired ones first. */
  private async held(em: EntityManager, blueNumber: string): Promise<Map<number, Held>> {
    const now = this.clock.now();
    const slips = await this.slips.liveOn(em, blueNumber);
    for (const slip of slips.filter((s) => PENDING.includes(s.status) && s.expiresAt && s.expiresAt <= now)) await this.move(em, slip, '07', 'system');
    const live = slips.filter((s) => LIVE.includes(s.status)).map((s) => s.id);
    const lines = await this.slips.linesOfSlips(em, live);
    const held = new Map<number, Held>();
    for (const line of lines) {
      const h = held.get(line.blueLineNo) ?? { amount: 0n, tax: 0n, quantity: new Decimal(0) };
      held.set(line.blueLineNo, {
        amount: h.amount - line.amount,
        tax: h.tax - line.taxAmount,
        quantity: line.quantity === null ? h.quantity : h.quantity.minus(line.quantity),
      });
    }
    return held;
  }

  /**
   * The number of a slip live on the blue (01-04, no red issued yet), inside a transaction holding
   * the blue's row; a slip awaiting confirmation past its 72 hours is voided (07) here, not live.
   */
  private async liveSlipOn(em: EntityManager, blueNumber: string): Promise<string | null> {
    const now = this.clock.now();
    const slips = await this.slips.liveUnissuedOn(em, blueNumber);
    for (const slip of slips) {
      if (PENDING.includes(slip.status) && slip.expiresAt && slip.expiresAt <= now && (await this.move(em, slip, '07', 'system'))) continue;
      return slip.number;
    }
    return null;
  }

  /** A red invoice's number: from the same space as blue ones, in the seller's province (digits 3-4 of the blue number). */
  private async redNumber(blueNumber: string, now: Date): Promise<string> {
    return (await this.numbering.take(this.numbering.prefixFor(now, blueNumber.slice(2, 4))))[0];
  }

  /** The slip's own 20 digits: province, date (YYMMDD, Beijing) and a 12-digit sequence. */
  private async slipNumber(blue: InvoiceEntity, now: Date): Promise<string> {
    const province = blue.number.slice(2, 4);
    const { year, month, day } = cstFields(now);
    const [sequence] = await this.numbering.sequences(`R${province}`, 1);
    const date = `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
    return `${province}${date}${sequence.toString().padStart(12, '0')}`;
  }

  async create(principal: Principal, dto: CreateSlipDto, record: RecordResponse): Promise<SlipView> {
    const { invoice: seen } = await this.invoices.find(principal, dto.blueInvoiceNumber);
    const party = this.partyOf(principal, seen);
    if (!party) throw Problems.forbidden('only the seller or the buyer of the blue invoice fills in a slip');
    const now = this.clock.now();
    const number = await this.slipNumber(seen, now);
    const redNumber = dto.autoIssue ? await this.redNumber(seen.number, now) : null;
    const deducted = await this.hadDeducted(seen);

    return this.db.transaction(async (em) => {
      const blue = await this.invoices.lock(em, dto.blueInvoiceNumber);
      // The transfer-out was decided from the invoice read before the lock: the buyer's usage must
      // not have changed since (it cannot once the slip exists: the slip locks it).
      if (blue.usage !== seen.usage || blue.usageConfirmedAt?.getTime() !== seen.usageConfirmedAt?.getTime()) {
        throw Problems.invalidState(`the buyer changed the usage of invoice ${blue.number} meanwhile; read it and fill in the slip again`);
      }
      const refuse = (detail: string) => new ProblemException(422, 'RED_NOT_ALLOWED', detail);
      if (blue.color !== 'blue') throw refuse('a red invoice cannot be red-lettered');
      if (blue.status === 'voided') throw refuse('the invoice was voided');
      if (blue.status === 'red_full') throw refuse('the invoice has been reversed in full already');
      if (blue.usage === 'export_refund' || blue.usage === 'agent_export_refund')
        throw refuse(`the buyer used the invoice for ${blue.usage}: it cannot be red-lettered`);
      const buyerActed = blue.usage !== null || blue.accountingEntry === 'entered';
      const start = initialStatus(party, buyerActed);
      if (!start.ok) throw refuse(start.detail);

      const blueLines = await this.invoices.linesOf(em, blue.number);
      const plan = planRed(
        redBasis(blue, blueLines),
        dto.reason,
        dto.lines,
        await this.held(em, blue.number),
        start.status === '01',
        discountLinesOf(blueLines),
      );
      if (!plan.ok) {
        const errors = [{ field: plan.field, message: plan.detail }];
        if (plan.code === 'VALIDATION_FAILED') throw Problems.validation(errors);
        throw new ProblemException(422, plan.code, `${plan.field}: ${plan.detail}`, { errors });
      }
      const totalAmount = plan.lines.reduce((sum, l) => sum + l.amount, 0n);
      const totalTax = plan.lines.reduce((sum, l) => sum + l.taxAmount, 0n);
      const slip: RedConfirmationEntity = {
        id: randomUUID(),
        number,
        blueNumber: blue.number,
        sellerTaxId: blue.sellerTaxId,
        buyerTaxId: blue.buyerTaxId,
        initiator: party,
        reason: dto.reason,
        status: start.status,
        totalAmount,
        totalTax,
        inputTaxTransferOut: deducted ? -totalTax : 0n,
        autoIssue: dto.autoIssue ?? false,
        redInvoiceNumber: null,
        createdBy: principal.actorRef,
        createdAt: now,
        expiresAt: start.status === '01' ? null : new Date(now.getTime() + EXPIRY_HOURS * 3600 * 1000),
        updatedAt: now,
      };
      const lines: RedConfirmationLineEntity[] = plan.lines.map((l) => ({ confirmationId: slip.id, ...l }));
      await this.slips.insert(em, slip, lines);
      await this.audit.record(em, principal, {
        action: 'red_confirmation.created',
        objectType: 'red_confirmation',
        objectId: slip.id,
        taxpayerId: blue.sellerTaxId,
        before: null,
        after: {
          status: slip.status,
          number,
          blueNumber: blue.number,
          reason: slip.reason,
          initiator: party,
          totalAmount: formatMoney(totalAmount),
          totalTax: formatMoney(totalTax),
          buyerTaxId: blue.buyerTaxId,
        },
      });
      await this.outbox.emit(em, slipEvents(slipView(slip, lines), 'created'));
      if (slip.autoIssue && slip.status === '01') await this.issueInTx(em, principal, slip, lines, blue, blueLines, redNumber!);
      const view = slipView(slip, lines);
      await record(em, view);
      return view;
    });
  }

  // ------------------------------------------------------------------ transitions

  async act(principal: Principal, id: string, action: Extract<SlipAction, 'confirm' | 'reject' | 'revoke'>): Promise<SlipView> {
    const slip = await this.load(principal, id);
    const party = this.partyOf(principal, slip);
    if (!party) throw Problems.forbidden('only the seller or the buyer acts on a slip');
    const decision = transition({ status: slip.status, initiator: slip.initiator, redIssued: slip.redInvoiceNumber !== null }, action, party);
    if (!decision.ok) throw decision.reason === 'FORBIDDEN' ? Problems.forbidden(decision.detail) : Problems.invalidState(decision.detail);
    const now = this.clock.now();
    const redNumber = decision.status === '04' && slip.autoIssue ? await this.redNumber(slip.blueNumber, now) : null;
    return this.db.transaction(async (em) => {
      const blue = await this.invoices.lock(em, slip.blueNumber);
      if (!(await this.move(em, slip, decision.status, principal))) throw Problems.invalidState(`slip ${id} changed meanwhile; read it again`);
      const lines = await this.slips.lines(em, id);
      if (redNumber) {
        // The buyer's confirmation triggers it, but the red invoice is the seller's: issued by the
        // platform on the seller's behalf, not by whoever confirmed.
        const onBehalfOfSeller: Principal = {
          kind: 'api_key',
          id: 'auto-issue',
          role: 'taxpayer',
          taxpayerId: slip.sellerTaxId,
          actorRef: 'system:auto-issue',
        };
        const blueLines = await this.invoices.linesOf(em, blue.number);
        await this.issueInTx(em, onBehalfOfSeller, slip, lines, blue, blueLines, redNumber);
      }
      return slipView(slip, lines);
    });
  }

  /** The seller issues the red invoice from a slip in 01 or 04, once. */
  async issueRed(principal: Principal, id: string, record: RecordResponse) {
    const slip = await this.load(principal, id);
    const party = this.partyOf(principal, slip);
    if (!party) throw Problems.forbidden('only the seller issues the red invoice');
    const decision = transition({ status: slip.status, initiator: slip.initiator, redIssued: slip.redInvoiceNumber !== null }, 'issue', party);
    if (!decision.ok) throw decision.reason === 'FORBIDDEN' ? Problems.forbidden(decision.detail) : Problems.invalidState(decision.detail);
    const number = await this.redNumber(slip.blueNumber, this.clock.now());
    return this.db.transaction(async (em) => {
      const blue = await this.invoices.lock(em, slip.blueNumber);
      const lines = await this.slips.lines(em, id);
      const blueLines = await this.invoices.linesOf(em, blue.number);
      const red = await this.issueInTx(em, principal, slip, lines, blue, blueLines, number);
      const view = { ...invoiceView(red.invoice, red.lines), redConfirmations: [summary(slip)], redConfirmationNumber: slip.number };
      await record(em, view);
      return view;
    });
  }

  /**
   * SPEC 6: "When the red is issued, the slip's conditions are checked again", under the blue's
   * row lock: the blue is neither voided nor reversed in full, not used for export refund; a slip
   * filled in without confirmation (01) still has a buyer that has done neither; a recorded
   * transfer-out still has a deducted invoice; and the reds stay within the blue, line by line.
   */
  private async recheck(
    em: EntityManager,
    slip: RedConfirmationEntity,
    lines: RedConfirmationLineEntity[],
    blue: InvoiceEntity,
    blueLines: InvoiceLineEntity[],
  ): Promise<void> {
    const refuse = (detail: string) => new ProblemException(422, 'RED_NOT_ALLOWED', `slip ${slip.number}: ${detail}`);
    if (blue.status === 'voided') throw refuse(`the blue invoice ${blue.number} was voided: a voided invoice cannot be red-lettered`);
    if (blue.status === 'red_full') throw refuse(`the blue invoice ${blue.number} has been reversed in full already`);
    if (blue.usage === 'export_refund' || blue.usage === 'agent_export_refund')
      throw refuse(`the buyer used the invoice for ${blue.usage}: it cannot be red-lettered`);
    if (slip.status === '01' && (blue.usage !== null || blue.accountingEntry === 'entered')) {
      throw refuse(
        'it was filled in without confirmation (01), but the buyer has since confirmed a usage or entered the invoice: ' +
          'revoke it and fill in a slip for the other side to confirm',
      );
    }
    if (slip.inputTaxTransferOut !== 0n && blue.usage !== 'deduction') {
      throw refuse(
        `it records an inputTaxTransferOut of ${formatMoney(slip.inputTaxTransferOut)}, ` +
          `but the buyer's usage of the blue invoice is ${blue.usage ?? 'not confirmed'}, not deduction`,
      );
    }
    const earlier = await this.slips.onBlue(em, blue.number);
    const issuedIds = earlier.filter((s) => s.redInvoiceNumber !== null && s.id !== slip.id).map((s) => s.id);
    const issuedLines = await this.slips.linesOfSlips(em, issuedIds);
    const reversed = new Map<number, Held>();
    for (const l of issuedLines) {
      const h = reversed.get(l.blueLineNo) ?? { amount: 0n, tax: 0n, quantity: new Decimal(0) };
      reversed.set(l.blueLineNo, {
        amount: h.amount - l.amount,
        tax: h.tax - l.taxAmount,
        quantity: l.quantity === null ? h.quantity : h.quantity.minus(l.quantity),
      });
    }
    const excess = exceedsBlue(blueLines as BlueLine[], reversed, lines);
    if (excess) throw refuse(excess);
  }

  /** Issues the red invoice and marks slip and blue invoice; inside a transaction holding the blue row. */
  private async issueInTx(
    em: EntityManager,
    principal: Principal,
    slip: RedConfirmationEntity,
    lines: RedConfirmationLineEntity[],
    blue: InvoiceEntity,
    blueLines: InvoiceLineEntity[],
    number: string,
  ) {
    await this.recheck(em, slip, lines, blue, blueLines);
    const now = this.clock.now();
    if (!(await this.slips.markRedIssued(em, slip.id, number, now)))
      throw Problems.invalidState(`the red invoice of slip ${slip.number} has already been issued, or the slip is no longer 01 or 04`);
    slip.redInvoiceNumber = number;
    slip.updatedAt = now;
    const red = await this.issueRedInvoice.execute(em, principal, {
      blue,
      blueLines,
      slip: { id: slip.id, number: slip.number, reason: slip.reason, lines },
      number,
    });
    await this.outbox.emit(em, [
      {
        type: 'red_invoice.issued',
        taxIds: [blue.sellerTaxId, blue.buyerTaxId],
        payload: { ...invoiceView(red.invoice, red.lines), redConfirmations: [summary(slip)], redConfirmationNumber: slip.number },
      },
    ]);
    await this.audit.record(em, principal, {
      action: 'red_confirmation.red_issued',
      objectType: 'red_confirmation',
      objectId: slip.id,
      taxpayerId: slip.sellerTaxId,
      before: { redInvoiceNumber: null },
      after: { redInvoiceNumber: number, status: slip.status },
    });
    // The blue is red_full once the reds issued so far reverse every line in full.
    const issuedSlips = await this.slips.onBlue(em, blue.number);
    const issuedIds = issuedSlips.filter((s) => s.redInvoiceNumber !== null).map((s) => s.id);
    const issuedLines = await this.slips.linesOfSlips(em, issuedIds);
    const reversed = new Map<number, Held>();
    for (const l of issuedLines) {
      const h = reversed.get(l.blueLineNo) ?? { amount: 0n, tax: 0n, quantity: new Decimal(0) };
      reversed.set(l.blueLineNo, { amount: h.amount - l.amount, tax: h.tax - l.taxAmount, quantity: h.quantity });
    }
    const full = fullyReversed(redBasis(blue, blueLines), reversed);
    await this.invoices.markReversed(em, blue.number, full);
    await this.audit.record(em, principal, {
      action: 'invoice.reversed',
      objectType: 'invoice',
      objectId: blue.number,
      taxpayerId: blue.sellerTaxId,
      before: { status: blue.status },
      after: { status: full ? 'red_full' : 'red_partial', redInvoice: number },
    });
    return red;
  }
}
