import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { Principal } from '../../common/principal';
import { ProblemException, Problems } from '../../common/problem';
import { periodOf } from '../../common/time';
import { QuotaContext, QuotaService } from '../../quota/quota.service';
import { TaxpayerEntity } from '../../taxpayers/taxpayer.entity';
import { TaxpayersService } from '../../taxpayers/taxpayers.service';
import { draftInvoice, InvoiceDraft, paperLimitProblem } from '../invoice-draft';
import { IssueInvoiceDto } from '../invoice.dto';
import { NumberingService } from '../numbering.service';

/** What every blue issuing use case starts with: the seller, the body drafted by the tax math, the moment and the quota month. */
@Injectable()
export class Issuer {
  constructor(
    private readonly taxpayers: TaxpayersService,
    private readonly clock: Clock,
    private readonly quota: QuotaService,
    private readonly numbering: NumberingService,
  ) {}

  /** The issuing moment for the seller: now, the quota month ready (outside any transaction), the number prefix. */
  async moment(seller: TaxpayerEntity): Promise<{ now: Date; context: QuotaContext; prefix: string }> {
    const now = this.clock.now();
    const context = await this.quota.prepare(seller, periodOf(now));
    return { now, context, prefix: this.numbering.prefixFor(now, seller.regionCode) };
  }

  /** The caller's own taxpayer, which must be a pilot to issue. */
  async sellerOf(principal: Principal): Promise<TaxpayerEntity> {
    const seller = principal.taxpayerId ? await this.taxpayers.findRecent(principal.taxpayerId) : null;
    if (!seller) throw Problems.forbidden('only a taxpayer principal issues invoices');
    if (!seller.pilot) throw Problems.invalidState(`taxpayer ${seller.taxId} is not a pilot taxpayer and cannot issue on this platform`);
    return seller;
  }

  /** The invoice and lines the body is issued with (tax math, SPEC 2), or its problem thrown; paper invoices within the seller's limit. */
  draft(seller: TaxpayerEntity, dto: IssueInvoiceDto): InvoiceDraft {
    const draft = draftInvoice(seller, dto);
    if (draft instanceof ProblemException) throw draft;
    if (draft.invoice.medium === 'paper') {
      const problem = paperLimitProblem(seller, draft.invoice.totalAmount);
      if (problem) throw problem;
    }
    return draft;
  }
}
