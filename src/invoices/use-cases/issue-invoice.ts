import { Injectable } from '@nestjs/common';
import { LaneFull } from '../../common/coalescer';
import { Principal } from '../../common/principal';
import { ProblemException } from '../../common/problem';
import { RecordResponse } from '../../idempotency/idempotency.service';
import { IssueInvoiceDto } from '../invoice.dto';
import { InvoiceView } from '../invoice.view';
import { IssueGroupCommitter } from '../issue-group-committer';
import { Issuer } from './issuer';

/**
 * POST /v1/invoices: one blue invoice. Validation and tax math run here, outside any transaction;
 * the invoice is then committed with the other single issues that arrive with it
 * (IssueGroupCommitter), decided by the quota on its own, and answered on its own.
 */
@Injectable()
export class IssueInvoice {
  constructor(
    private readonly issuer: Issuer,
    private readonly committer: IssueGroupCommitter,
  ) {}

  async execute(principal: Principal, dto: IssueInvoiceDto, record: RecordResponse): Promise<InvoiceView> {
    const seller = await this.issuer.sellerOf(principal);
    const draft = this.issuer.draft(seller, dto);
    const moment = await this.issuer.moment(seller);
    try {
      return await this.committer.submit(seller.taxId, { principal, draft, ...moment, record });
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
}
