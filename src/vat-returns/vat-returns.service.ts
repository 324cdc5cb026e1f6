import { Injectable } from '@nestjs/common';
import { canRead, Principal } from '../common/principal';
import { Problems } from '../common/problem';
import { InvoicesService } from '../invoices/invoices.service';
import { RedLetterService } from '../red-letter/red-letter.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { InputSums, parseReturnPeriod, periodProblem, periodRange, vatReturnFigures, VatReturnFigures } from './figures';

/**
 * VAT return figures (SPEC section 10): the period's sums, asked of the modules that own the rows
 * (invoices: sales and confirmed deductions; red letters: the slips' transfer-outs), then the pure
 * rules of figures.ts. Read-only; nothing is stored.
 */
@Injectable()
export class VatReturnsService {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly redLetters: RedLetterService,
    private readonly taxpayers: TaxpayersService,
  ) {}

  async figures(principal: Principal, taxId: string, periodText: string | undefined): Promise<VatReturnFigures> {
    const taxpayer = canRead(principal, taxId) ? await this.taxpayers.find(taxId) : null;
    if (!taxpayer) throw Problems.notFound(`taxpayer ${taxId}`);
    if (periodText === undefined) throw Problems.field('period', 'is required: a month YYYY-MM (monthly filers) or a quarter YYYY-Qn (quarterly filers)');
    const period = parseReturnPeriod(periodText);
    if (!period) throw Problems.field('period', 'must be a month YYYY-MM or a quarter YYYY-Qn, e.g. 2026-09 or 2026-Q3');
    const problem = periodProblem(period, taxpayer.filingFrequency);
    if (problem) throw Problems.field('period', problem);
    const { from, to } = periodRange(period);
    const sales = await this.invoices.salesSums(taxId, from, to);
    const deductionConfirmed = await this.invoices.deductionConfirmedSums(taxId, from, to);
    const transferOuts = await this.redLetters.transferOutsByBlueType(taxId, from, to);
    const input: InputSums = {
      deductionConfirmed,
      transferOutSpecial: transferOuts.get('special') ?? 0n,
      transferOutOther: transferOuts.get('ordinary') ?? 0n,
    };
    return vatReturnFigures({ period: period.label, taxpayerType: taxpayer.taxpayerType, sales, input });
  }
}
