import { Injectable } from '@nestjs/common';
import { Principal } from '../../common/principal';
import { formatMoney } from '../../common/money';
import { amountInWords } from '../amount-words';
import { IssueInvoiceDto } from '../invoice.dto';
import { lineView } from '../invoice.view';
import { Issuer } from './issuer';

/**
 * POST /v1/invoices/preview (the console's): the lines and totals the same body would be issued
 * with, by the same drafting and tax math, refused with the same problems (paper limit included).
 * No number, no quota, nothing stored.
 */
@Injectable()
export class PreviewInvoice {
  constructor(private readonly issuer: Issuer) {}

  async execute(principal: Principal, dto: IssueInvoiceDto) {
    const draft = this.issuer.draft(await this.issuer.sellerOf(principal), dto);
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
