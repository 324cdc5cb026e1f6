import { Injectable } from '@nestjs/common';
import { canRead, Principal } from '../common/principal';
import { Problems } from '../common/problem';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { InputSums, parseReturnPeriod, periodProblem, periodRange, vatReturnFigures, VatReturnFigures } from './figures';
import { VatReturnsRepository } from './vat-returns.repository';

/**
 * VAT return figures (SPEC section 10): three aggregate queries over the period's invoices and
 * slips (VatReturnsRepository), then the pure rules of figures.ts. Read-only; nothing is stored.
 */
@Injectable()
export class VatReturnsService {
  constructor(
    private readonly sums: VatReturnsRepository,
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
    const sales = await this.sums.sales(taxId, from, to);
    const deductionConfirmed = await this.sums.deductionConfirmed(taxId, from, to);
    const transferOuts = await this.sums.transferOuts(taxId, from, to);
    const input: InputSums = {
      deductionConfirmed,
      transferOutSpecial: transferOuts.get('special') ?? 0n,
      transferOutOther: transferOuts.get('ordinary') ?? 0n,
    };
    return vatReturnFigures({ period: period.label, taxpayerType: taxpayer.taxpayerType, sales, input });
  }
}
