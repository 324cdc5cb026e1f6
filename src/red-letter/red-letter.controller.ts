import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiResponse } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { SlipPageDto, SlipViewDto } from './red-letter.responses';
import { InvoiceViewDto } from '../invoices/invoice.responses';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { CreateSlipDto, ListSlipsQuery } from './red-letter.dto';
import { RedLetterService } from './red-letter.service';

const slipId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('red-letter confirmation') });

@ApiTags('red letters')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/red-confirmations')
export class RedLetterController {
  constructor(private readonly red: RedLetterService) {}

  @Post()
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: 'Fill in a red-letter confirmation slip (红字发票信息确认单), as the seller or the buyer of the blue invoice' })
  @ApiJson(201, SlipViewDto, 'the slip')
  @ApiProblems(400, 404, 409, 422)
  @ApiResponse({
    status: 422,
    description:
      'RED_NOT_ALLOWED: a red or voided or red_full blue, export refund, amounts beyond what the reds and live slips leave, a partial red without confirmation',
  })
  @ApiResponse({ status: 409, description: "INVALID_STATE: the buyer changed the blue's usage while the slip was being filled in; read it and fill in again" })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateSlipDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.red.create(p, dto, record);
  }

  @Get()
  @ApiOperation({ summary: 'Slips I initiated, received, or that await my confirmation; by status' })
  @ApiJson(200, SlipPageDto, 'a page of slips')
  @ApiProblems(400)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListSlipsQuery) {
    return this.red.list(p, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A slip (its seller, its buyer, auditors in scope, tax officers)' })
  @ApiJson(200, SlipViewDto, 'the slip')
  @ApiProblems(404)
  get(@CurrentPrincipal() p: Principal, @Param('id', slipId) id: string) {
    return this.red.get(p, id);
  }

  @Post(':id/confirm')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a slip the other side filled in (02/03 -> 04)' })
  @ApiJson(200, SlipViewDto, 'the slip, confirmed')
  @ApiProblems(404, 409, 422)
  confirm(@CurrentPrincipal() p: Principal, @Param('id', slipId) id: string) {
    return this.red.act(p, id, 'confirm');
  }

  @Post(':id/reject')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a slip the other side filled in (02 -> 05, 03 -> 06)' })
  @ApiJson(200, SlipViewDto, 'the slip, rejected')
  @ApiProblems(404, 409)
  reject(@CurrentPrincipal() p: Principal, @Param('id', slipId) id: string) {
    return this.red.act(p, id, 'reject');
  }

  @Post(':id/revoke')
  @Roles('taxpayer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a slip you filled in (-> 08 before confirmation, 09 after it, before the red invoice)' })
  @ApiJson(200, SlipViewDto, 'the slip, revoked')
  @ApiProblems(404, 409)
  revoke(@CurrentPrincipal() p: Principal, @Param('id', slipId) id: string) {
    return this.red.act(p, id, 'revoke');
  }

  @Post(':id/red-invoice')
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: 'Issue the red invoice from a slip in 01 or 04 (the seller, once)' })
  @ApiJson(201, InvoiceViewDto, 'the red invoice')
  @ApiProblems(404, 409, 422)
  @ApiResponse({
    status: 422,
    description:
      "RED_NOT_ALLOWED: the slip's conditions, checked again under the blue's lock, no longer hold: the blue voided or reversed in full, " +
      'used for export refund, a 01 slip whose buyer has since confirmed a usage or entered the invoice, ' +
      'a transfer-out without a deducted blue, reds beyond the blue',
  })
  @ApiResponse({ status: 409, description: 'INVALID_STATE: the slip is not 01 or 04, or its red was issued already (under another Idempotency-Key)' })
  issue(@CurrentPrincipal() p: Principal, @Param('id', slipId) id: string, @IdempotencyRecorder() record: RecordResponse) {
    return this.red.issueRed(p, id, record);
  }
}
