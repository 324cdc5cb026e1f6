import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { validated } from '../common/validation';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { AccountingEntryDto, BatchDto, IssueInvoiceDto, ListInvoicesQuery, UsageConfirmationDto } from './invoice.dto';
import { InvoicesService } from './invoices.service';
import { IssuingService } from './issuing.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/invoices')
export class InvoicesController {
  constructor(
    private readonly issuing: IssuingService,
    private readonly invoices: InvoicesService,
  ) {}

  @Post()
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({
    summary: 'Issue a blue invoice (数电专票 / 数电普票) as the caller\'s taxpayer',
    description: 'Each answered line carries `lineNature` (normal | discounted | discount: a line with `discountAmount` is followed by its negative discount line); a 差额征税 invoice answers `differentialTaxation` with `kindName` and `deduction`.',
  })
  @ApiServiceUnavailableResponse({ description: 'SERVICE_UNAVAILABLE with Retry-After: too many issues are waiting (ISSUE_QUEUE_LIMIT); retry with the same Idempotency-Key' })
  issue(@CurrentPrincipal() p: Principal, @Body() dto: IssueInvoiceDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.issuing.issue(p, dto, record);
  }

  @Post('batch')
  @Roles('taxpayer')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Issue up to 1,000 invoices in one call; each succeeds or fails on its own' })
  @ApiBody({ type: BatchDto })
  batch(@CurrentPrincipal() p: Principal, @Body() body: object, @IdempotencyRecorder() record: RecordResponse) {
    // Validated here without the global pipe's deep copy: each item is validated on its own later.
    return this.issuing.issueBatch(p, validated(BatchDto, body, false).invoices, record);
  }

  @Get()
  @ApiOperation({ summary: 'Invoices issued or received, newest first, filtered and paged' })
  list(@CurrentPrincipal() p: Principal, @Query() query: ListInvoicesQuery) {
    return this.invoices.list(p, query);
  }

  @Post(':number/usage-confirmation')
  @Roles('taxpayer', 'tax_officer')
  @HttpCode(200)
  @ApiOperation({ summary: '用途确认 by the buyer (deduction, no deduction, export refund, agent export refund); a tax officer corrects it' })
  @ApiResponse({ status: 409, description: 'INVALID_STATE: a red invoice, a voided or red_full blue, a usage already confirmed (only a tax officer corrects it); or a red-letter slip is live on the invoice (01-04, no red yet; the detail names it): the usage is locked, for the officer too, until the slip is revoked, rejected or void' })
  usage(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Body() dto: UsageConfirmationDto) {
    return this.invoices.confirmUsage(p, number, dto.purpose);
  }

  @Post(':number/accounting-entry')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: '入账标识 on or off, by the buyer' })
  @ApiResponse({ status: 409, description: 'INVALID_STATE: a red-letter slip is live on the invoice (01-04, no red yet; the detail names it): the accounting entry is locked until the slip is revoked, rejected or void' })
  accounting(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Body() dto: AccountingEntryDto) {
    return this.invoices.accountingEntry(p, number, dto.entered);
  }

  @Post(':number/void')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: '作废 a paper invoice in the month it was issued (the seller); its quota is given back' })
  @ApiResponse({ status: 409, description: 'INVALID_STATE: electronic, red, not issued (voided, red_partial, red_full), of an earlier month, or a red-letter slip is live on it (the detail names the slip)' })
  void(@CurrentPrincipal() p: Principal, @Param('number') number: string) {
    return this.invoices.void(p, number);
  }
}
