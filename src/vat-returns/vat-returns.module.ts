import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentPrincipal } from '../common/access';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { Principal } from '../common/principal';
import { InvoicesModule } from '../invoices/invoices.module';
import { RedLetterModule } from '../red-letter/red-letter.module';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { VatReturnsService } from './vat-returns.service';

class VatReturnQuery {
  @ApiPropertyOptional({ example: '2026-09', description: 'required: a month YYYY-MM for a monthly filer, a quarter YYYY-Qn for a quarterly filer' })
  @IsOptional()
  @IsString()
  @MaxLength(7)
  period?: string;
}

const EXAMPLE = {
  period: '2026-09',
  taxpayerType: 'general',
  sales: [{ taxRate: '0.13', specialInvoiceSales: '3000.00', specialInvoiceTax: '390.00', otherInvoiceSales: '500.00', otherInvoiceTax: '65.00' }],
  taxFreeSales: { specialInvoice: '0.00', otherInvoice: '0.00' },
  input: { deductionConfirmed: { count: 0, amount: '0.00', tax: '0.00' }, line20RedSpecialTransferOut: '0.00', line23bOtherTransferOut: '0.00' },
};

@ApiTags('taxpayers')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/taxpayers')
class VatReturnsController {
  constructor(private readonly vatReturns: VatReturnsService) {}

  @Get(':taxId/vat-return-figures')
  @ApiOperation({
    summary: 'VAT return figures of a period (申报表预填, SPEC section 10): the taxpayer itself, its auditors, tax officers',
    description:
      'By issue date in Beijing time, reds negative in their own period, voided invoices out, discounts netted. General taxpayers: `sales` per rate ' +
      '(附列资料（一）: 专票 and other invoices), `taxFreeSales` (免税 lines; 不征税 lines count nowhere), `input` (附列资料（二）: received invoices confirmed ' +
      'for deduction in the period by confirmation time; line 20 / 23b: input-tax transfer-outs of slips filled in during the period on received 专票 / 普票). ' +
      'Small-scale taxpayers get `smallScale` { specialInvoiceSales, otherInvoiceSales, taxFreeSales } instead of `sales`. ' +
      '400 VALIDATION_FAILED (field period) ' +
      "when the period is missing, malformed, or not the taxpayer's filing period (a quarter for quarterly filers, a month for monthly ones).",
  })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  @ApiProblems(400, 404)
  figures(@CurrentPrincipal() principal: Principal, @Param('taxId') taxId: string, @Query() query: VatReturnQuery) {
    return this.vatReturns.figures(principal, taxId, query.period);
  }
}

@Module({
  imports: [InvoicesModule, RedLetterModule, TaxpayersModule],
  controllers: [VatReturnsController],
  providers: [VatReturnsService],
})
export class VatReturnsModule {}
