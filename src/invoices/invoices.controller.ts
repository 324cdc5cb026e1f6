import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiProduces, ApiTags, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { validated } from '../common/validation';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { ProblemException } from '../common/problem';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { AccountingEntryDto, BatchDto, IssueInvoiceDto, ListInvoicesQuery, UsageConfirmationDto } from './invoice.dto';
import { BatchResultsDto, InvoicePageDto, InvoicePreviewDto, InvoiceViewDto } from './invoice.responses';
import { InvoicesService } from './invoices.service';
import { FileFormat, InvoiceFiles, sendFile } from './invoice-files';
import { IssueBatch, IssueInvoice, PreviewInvoice } from './use-cases';

/** A body that issues as it is (Swagger's "Try it out" uses it): a 数电专票 with one line. */
export const ISSUE_EXAMPLE = {
  type: 'special',
  medium: 'electronic',
  buyer: { taxId: '91410100MA00000021', name: '河南某某有限公司', address: '郑州市金水区花园路1号', phone: '0371-66666666' },
  priceIncludesTax: false,
  lines: [
    {
      name: '笔记本电脑',
      taxClassificationCode: '1090511030000000000',
      categoryShortName: '计算机',
      spec: 'X1',
      unit: '台',
      quantity: '2',
      unitPrice: '5000.00',
      amount: '10000.00',
      taxRate: '0.13',
    },
  ],
  remarks: '',
  drawer: '张三',
};

/** What GET /v1/invoices/{number} answers, by Accept. */
const ACCEPTED: Record<string, FileFormat | 'json'> = {
  'application/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/pdf': 'pdf',
  'application/ofd': 'ofd',
};

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'the same key replays the first answer (kept 48 h); a different body with it is 409 IDEMPOTENCY_KEY_REUSED',
});

@ApiTags('invoices')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/invoices')
export class InvoicesController {
  constructor(
    private readonly issueInvoice: IssueInvoice,
    private readonly previewInvoice: PreviewInvoice,
    private readonly issueBatch: IssueBatch,
    private readonly invoices: InvoicesService,
    private readonly files: InvoiceFiles,
  ) {}

  @Post()
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({
    summary: "Issue a blue invoice (数电专票 / 数电普票) as the caller's taxpayer",
    operationId: 'issueInvoice',
    description:
      'Each answered line carries `lineNature` (normal | discounted | discount: a line with `discountAmount` is followed by its negative discount line); ' +
      'a 差额征税 invoice answers `differentialTaxation` with `kindName` and `deduction`.',
  })
  @IDEMPOTENCY_HEADER
  @ApiBody({ type: IssueInvoiceDto, examples: { special: { summary: 'a 数电专票 with one line', value: ISSUE_EXAMPLE } } })
  @ApiJson(201, InvoiceViewDto, 'the invoice issued')
  @ApiProblems(400, 409, 422, 503)
  issue(@CurrentPrincipal() p: Principal, @Body() dto: IssueInvoiceDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.issueInvoice.execute(p, dto, record);
  }

  @Post('preview')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview: the lines and totals the same body would be issued with (no number, no quota, nothing stored)',
    description: 'Validation and tax math exactly as POST /v1/invoices: the same 400 field errors and 422 TAX_MISMATCH.',
    operationId: 'previewInvoice',
  })
  @ApiBody({ type: IssueInvoiceDto, examples: { special: { summary: 'a 数电专票 with one line', value: ISSUE_EXAMPLE } } })
  @ApiJson(200, InvoicePreviewDto, 'lines and totals, with 价税合计 in capital words')
  @ApiProblems(400, 409, 422)
  preview(@CurrentPrincipal() p: Principal, @Body() dto: IssueInvoiceDto) {
    return this.previewInvoice.execute(p, dto);
  }

  @Post('batch')
  @Roles('taxpayer')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Issue up to 1,000 invoices in one call; each succeeds or fails on its own', operationId: 'issueInvoiceBatch' })
  @IDEMPOTENCY_HEADER
  @ApiBody({ type: BatchDto, examples: { two: { summary: 'two invoices', value: { invoices: [ISSUE_EXAMPLE, { ...ISSUE_EXAMPLE, type: 'ordinary' }] } } } })
  @ApiJson(200, BatchResultsDto, 'one result per item: its number or its problem')
  @ApiProblems(400, 409)
  batch(@CurrentPrincipal() p: Principal, @Body() body: object, @IdempotencyRecorder() record: RecordResponse) {
    // Validated here without the global pipe's deep copy: each item is validated on its own later.
    return this.issueBatch.execute(p, validated(BatchDto, body, false).invoices, record);
  }

  @Get()
  @ApiOperation({ summary: 'Invoices issued or received, newest first, filtered and paged', operationId: 'listInvoices' })
  @ApiJson(200, InvoicePageDto, 'a page of invoices')
  @ApiProblems(400)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListInvoicesQuery) {
    return this.invoices.list(p, query);
  }

  @Post(':number/usage-confirmation')
  @Roles('taxpayer', 'tax_officer')
  @HttpCode(200)
  @ApiOperation({
    summary: '用途确认 by the buyer (deduction, no deduction, export refund, agent export refund); a tax officer corrects it',
    operationId: 'confirmInvoiceUsage',
  })
  @ApiJson(200, InvoiceViewDto, 'the invoice')
  @ApiProblems(400, 404, 409)
  @ApiResponse({
    status: 409,
    description:
      'INVALID_STATE: a red invoice, a voided or red_full blue, a usage already confirmed (only a tax officer corrects it); ' +
      'or a red-letter slip is live on the invoice (01-04, no red yet; the detail names it): ' +
      'the usage is locked, for the officer too, until the slip is revoked, rejected or void',
  })
  usage(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Body() dto: UsageConfirmationDto) {
    return this.invoices.confirmUsage(p, number, dto.purpose);
  }

  @Post(':number/accounting-entry')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: '入账标识 on or off, by the buyer', operationId: 'setInvoiceAccountingEntry' })
  @ApiJson(200, InvoiceViewDto, 'the invoice')
  @ApiProblems(400, 404, 409)
  @ApiResponse({
    status: 409,
    description:
      'INVALID_STATE: a red-letter slip is live on the invoice (01-04, no red yet; the detail names it): ' +
      'the accounting entry is locked until the slip is revoked, rejected or void',
  })
  accounting(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Body() dto: AccountingEntryDto) {
    return this.invoices.accountingEntry(p, number, dto.entered);
  }

  @Post(':number/void')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: '作废 a paper invoice in the month it was issued (the seller); its quota is given back', operationId: 'voidInvoice' })
  @ApiJson(200, InvoiceViewDto, 'the invoice, voided')
  @ApiProblems(404, 409)
  @ApiResponse({
    status: 409,
    description:
      'INVALID_STATE: electronic, red, not issued (voided, red_partial, red_full), of an earlier month, ' +
      'or a red-letter slip is live on it (the detail names the slip)',
  })
  void(@CurrentPrincipal() p: Principal, @Param('number') number: string) {
    return this.invoices.void(p, number);
  }

  @Get(':number')
  @ApiProduces('application/json', 'application/xml', 'application/pdf', 'application/ofd')
  @ApiOperation({
    summary: 'An invoice (its seller, its buyer, auditors in scope, tax officers); Accept chooses JSON, XML, PDF or OFD',
    operationId: 'Rendering_get',
  })
  @ApiResponse({
    status: 200,
    description: 'the invoice as JSON, or its XML, PDF or OFD by Accept',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(InvoiceViewDto) } },
      'application/xml': { schema: { type: 'string' } },
      'application/pdf': { schema: { type: 'string', format: 'binary' } },
      'application/ofd': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiExtraModels(InvoiceViewDto)
  @ApiProblems(404, 406, 503)
  async get(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const best = req.accepts(Object.keys(ACCEPTED));
    if (!best) throw new ProblemException(406, 'NOT_ACCEPTABLE', `an invoice is available as ${Object.keys(ACCEPTED).join(', ')}`);
    res.vary('Accept');
    const format = ACCEPTED[best];
    if (format === 'json') return this.invoices.get(p, number);
    return sendFile(res, await this.files.render(p, number, format));
  }
}
