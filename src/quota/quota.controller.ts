import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, PipeTransform, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import {
  ApplicationPageDto,
  ApplicationViewDto,
  LedgerPageDto,
  ObjectionPageDto,
  ObjectionViewDto,
  PaperCollectionViewDto,
  PeriodicRunResultDto,
  QuotaViewDto,
  VatFilingViewDto,
} from './quota.responses';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { PageQuery } from '../common/pagination';
import { Problems } from '../common/problem';
import { isPeriod } from '../common/time';
import {
  AdjustmentDto,
  ApplicationDto,
  ApplicationsQuery,
  ApproveDto,
  ObjectionDto,
  PaperCollectionDto,
  PeriodicRunDto,
  RejectDto,
  VatFilingDto,
} from './quota.dto';
import { QuotaOperationsService } from './quota-operations.service';
import { QuotaService } from './quota.service';

class PeriodPipe implements PipeTransform {
  transform(value: string) {
    if (!isPeriod(value)) throw Problems.field('period', 'must be a month YYYY-MM');
    return value;
  }
}

const applicationId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('application') });

@ApiTags('quota')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1')
export class QuotaController {
  constructor(
    private readonly ops: QuotaOperationsService,
    private readonly quota: QuotaService,
  ) {}

  @Get('taxpayers/:taxId/quota')
  @ApiOperation({ summary: "The current month's total, used, remaining and available (declaration window applied)" })
  @ApiJson(200, QuotaViewDto, 'the current month')
  @ApiProblems(404)
  current(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string) {
    return this.ops.get(p, taxId);
  }

  @Get('taxpayers/:taxId/quota/objections')
  @ApiOperation({ summary: 'Objections lodged by a taxpayer' })
  @ApiJson(200, ObjectionPageDto, 'a page of objections')
  @ApiProblems(400, 404)
  objections(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Query() query: PageQuery) {
    return this.ops.listObjections(p, taxId, query);
  }

  @Get('taxpayers/:taxId/quota/:period')
  @ApiOperation({ summary: "A month's quota" })
  @ApiJson(200, QuotaViewDto, 'the month')
  @ApiProblems(400, 404)
  month(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Param('period', PeriodPipe) period: string) {
    return this.ops.get(p, taxId, period);
  }

  @Get('taxpayers/:taxId/quota/:period/ledger')
  @ApiOperation({ summary: "A month's append-only quota ledger, oldest first" })
  @ApiJson(200, LedgerPageDto, 'a page of ledger entries')
  @ApiProblems(400, 404)
  ledger(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Param('period', PeriodPipe) period: string, @Query() query: PageQuery) {
    return this.quota.ledgerPage(p, taxId, period, query);
  }

  @Post('taxpayers/:taxId/quota/adjustments')
  @Roles('tax_officer')
  @Idempotent()
  @ApiOperation({ summary: "Set a month's total explicitly (periodic or manual adjustment)" })
  @ApiJson(201, QuotaViewDto, 'the month with its new total')
  @ApiProblems(400, 404, 409)
  adjust(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Body() dto: AdjustmentDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.ops.adjust(p, taxId, dto, record);
  }

  @Post('quota/periodic-runs')
  @Roles('tax_officer')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Apply the periodic policy to every pilot taxpayer for a month; running it twice changes nothing' })
  @ApiJson(200, PeriodicRunResultDto, 'how many months were set')
  @ApiProblems(400)
  periodicRun(@CurrentPrincipal() p: Principal, @Body() dto: PeriodicRunDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.ops.periodicRun(p, dto.period, record);
  }

  @Post('taxpayers/:taxId/quota/applications')
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: 'Apply for a new total for the current month (manual adjustment)' })
  @ApiJson(201, ApplicationViewDto, 'the application, pending')
  @ApiProblems(400, 404, 409)
  apply(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Body() dto: ApplicationDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.ops.apply(p, taxId, dto, record);
  }

  @Get('quota/applications')
  @ApiOperation({ summary: 'Quota applications (a taxpayer sees its own; officers all, or ?taxId=)' })
  @ApiJson(200, ApplicationPageDto, 'a page of applications')
  @ApiProblems(400)
  applications(@CurrentPrincipal() p: Principal, @Query() query: ApplicationsQuery) {
    return this.ops.listApplications(p, query);
  }

  @Post('quota/applications/:id/approve')
  @Roles('tax_officer')
  @HttpCode(200)
  @ApiOperation({ summary: "Approve: the requested total replaces the month's total" })
  @ApiJson(200, ApplicationViewDto, 'the application, approved')
  @ApiProblems(400, 404, 409)
  approve(@CurrentPrincipal() p: Principal, @Param('id', applicationId) id: string, @Body() dto: ApproveDto) {
    return this.ops.decide(p, id, 'approved', dto.reason ?? null);
  }

  @Post('quota/applications/:id/reject')
  @Roles('tax_officer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an application, with a reason' })
  @ApiJson(200, ApplicationViewDto, 'the application, rejected')
  @ApiProblems(400, 404, 409)
  reject(@CurrentPrincipal() p: Principal, @Param('id', applicationId) id: string, @Body() dto: RejectDto) {
    return this.ops.decide(p, id, 'rejected', dto.reason);
  }

  @Post('taxpayers/:taxId/quota/objections')
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: 'Lodge an objection (异议) to the total' })
  @ApiJson(201, ObjectionViewDto, 'the objection')
  @ApiProblems(400, 404, 409)
  object(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Body() dto: ObjectionDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.ops.object(p, taxId, dto, record);
  }

  @Post('taxpayers/:taxId/vat-filings')
  @Roles('taxpayer', 'tax_officer')
  @Idempotent()
  @ApiOperation({ summary: 'Record the VAT return for a period as filed and matched now (201; 200 when already recorded)' })
  @ApiJson(201, VatFilingViewDto, 'recorded now')
  @ApiJson(200, VatFilingViewDto, 'it was recorded already')
  @ApiProblems(400, 404, 409)
  async filing(
    @CurrentPrincipal() p: Principal,
    @Param('taxId') taxId: string,
    @Body() dto: VatFilingDto,
    @Res({ passthrough: true }) res: Response,
    @IdempotencyRecorder() record: RecordResponse,
  ) {
    const { created, body } = await this.ops.recordFiling(p, taxId, dto, record);
    res.status(created ? 201 : 200);
    return body;
  }

  @Post('taxpayers/:taxId/paper-collections')
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: 'Collect blank legacy paper invoices: consumes count x maxAmountPerInvoice' })
  @ApiJson(201, PaperCollectionViewDto, 'the collection and the month after it')
  @ApiProblems(400, 404, 409, 422)
  collect(@CurrentPrincipal() p: Principal, @Param('taxId') taxId: string, @Body() dto: PaperCollectionDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.ops.collectPaper(p, taxId, dto, record);
  }
}
