import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { Principal } from '../../common/principal';
import { periodOf } from '../../common/time';
import { QuotaService } from '../../quota/quota.service';
import { differentialNote, redShare } from '../differential';
import { InvoiceEntity, InvoiceLineEntity } from '../invoice.entities';
import { IssuedInvoice, InvoiceWriter } from '../invoice-writer';
import { InvoicesRepository } from '../invoices.repository';
import { netLines, totalsOf } from '../tax-math';

/** The confirmation slip a red invoice is issued from, as the red needs it. */
export interface RedSlip {
  id: string;
  number: string;
  reason: string;
  lines: { blueLineNo: number; quantity: string | null; amount: bigint; taxAmount: bigint }[];
}

/**
 * A red invoice from a confirmation slip (SPEC 6), inside the caller's transaction (red-letter's,
 * which holds the blue invoice's row and has checked the slip again): its own number, the blue's
 * parties and items with the slip's negative quantities, amounts and taxes, remarks naming the
 * blue invoice and the slip. A red in the same month as its blue gives the red amount back to
 * that month's quota; a later one gives nothing.
 */
@Injectable()
export class IssueRedInvoice {
  constructor(
    private readonly clock: Clock,
    private readonly quota: QuotaService,
    private readonly invoices: InvoicesRepository,
    private readonly writer: InvoiceWriter,
  ) {}

  async execute(
    em: EntityManager,
    actor: Principal,
    args: { blue: InvoiceEntity; blueLines: InvoiceLineEntity[]; slip: RedSlip; number: string },
  ): Promise<IssuedInvoice> {
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
        quantity: slip.reason === '04' ? null : s.quantity,
        unitPrice: slip.reason === '04' ? null : b.unitPrice,
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
    await this.writer.writeRed(em, { invoice, lines }, actor, slip.number);
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
    const earlier = await this.invoices.redAmountsOf(em, blue.number);
    const reversedAmount = earlier.reduce((sum, r) => sum - r.totalAmount, 0n) - redAmount;
    const reversedDeduction = earlier.reduce((sum, r) => sum - (r.deduction ?? 0n), 0n);
    return -redShare(blue.deduction!, blue.totalAmount, -redAmount, reversedAmount, reversedDeduction);
  }
}
