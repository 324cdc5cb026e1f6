import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { TaxpayerPageDto, TaxpayerViewDto } from './taxpayer.responses';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { PageQuery } from '../common/pagination';
import { CreateTaxpayerDto, UpdateTaxpayerDto } from './taxpayer.dto';
import { TaxpayersService } from './taxpayers.service';

@ApiTags('taxpayers')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/taxpayers')
export class TaxpayersController {
  constructor(private readonly taxpayers: TaxpayersService) {}

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Register a taxpayer (admin); pilot=false registers a counterparty only' })
  @ApiJson(201, TaxpayerViewDto, 'the taxpayer')
  @ApiProblems(400, 409)
  register(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTaxpayerDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.taxpayers.register(principal, dto, record);
  }

  @Get()
  @ApiOperation({ summary: 'List the taxpayers the caller may read (a taxpayer sees itself)' })
  @ApiJson(200, TaxpayerPageDto, 'a page of taxpayers')
  @ApiProblems(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.taxpayers.list(principal, query);
  }

  @Get(':taxId')
  @ApiOperation({ summary: 'Read a taxpayer (its own principals, auditors in scope, tax officers, admins)' })
  @ApiJson(200, TaxpayerViewDto, 'the taxpayer')
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('taxId') taxId: string) {
    return this.taxpayers.get(principal, taxId);
  }

  @Patch(':taxId')
  @Roles('tax_officer')
  @ApiOperation({ summary: 'Change risk level, credit rating, filing frequency, pilot or paper maximum (tax officer, admin)' })
  @ApiJson(200, TaxpayerViewDto, 'the taxpayer, changed')
  @ApiProblems(400, 404)
  update(@CurrentPrincipal() principal: Principal, @Param('taxId') taxId: string, @Body() dto: UpdateTaxpayerDto) {
    return this.taxpayers.update(principal, taxId, dto);
  }
}
