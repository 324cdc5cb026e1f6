import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { BatchDto, IssueInvoiceDto, ListInvoicesQuery } from './invoice.dto';
import { InvoicesService } from './invoices.service';
import { IssuingService } from './issuing.service';

const IDEMPOTENCY_HEADER = { name: 'Idempotency-Key', required: false, description: 'up to 255 characters; the same key and body replays the first response' };

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/invoices')
export class InvoicesController {
  constructor(
    private readonly issuing: IssuingService,
    private readonly invoices: InvoicesService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Roles('taxpayer')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Issue a blue invoice (数电专票 / 数电普票) as the caller\'s taxpayer' })
  issue(
    @CurrentPrincipal() p: Principal,
    @Body() dto: IssueInvoiceDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const scope = this.idempotency.scope(p, key, req.method, req.path, req.body);
    return this.idempotency.run(scope, res, 201, (record) => this.issuing.issue(p, dto, record));
  }

  @Post('batch')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Issue up to 1,000 invoices in one call; each succeeds or fails on its own' })
  batch(
    @CurrentPrincipal() p: Principal,
    @Body() dto: BatchDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const scope = this.idempotency.scope(p, key, req.method, req.path, req.body);
    return this.idempotency.run(scope, res, 200, (record) => this.issuing.issueBatch(p, dto.invoices, record));
  }

  @Get()
  @ApiOperation({ summary: 'Invoices issued or received, newest first, filtered and paged' })
  list(@CurrentPrincipal() p: Principal, @Query() query: ListInvoicesQuery) {
    return this.invoices.list(p, query);
  }

  @Get(':number')
  @ApiOperation({ summary: 'An invoice (its seller, its buyer, auditors in scope, tax officers)' })
  get(@CurrentPrincipal() p: Principal, @Param('number') number: string) {
    return this.invoices.get(p, number);
  }

  @Post(':number/void')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: '作废 a paper invoice in the month it was issued (the seller); its quota is given back' })
  void(@CurrentPrincipal() p: Principal, @Param('number') number: string) {
    return this.invoices.void(p, number);
  }
}
