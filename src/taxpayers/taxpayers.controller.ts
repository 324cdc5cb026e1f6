import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { PageQuery } from '../common/pagination';
import { CreateTaxpayerDto, UpdateTaxpayerDto } from './taxpayer.dto';
import { TaxpayersService } from './taxpayers.service';

@ApiTags('taxpayers')
@ApiBearerAuth()
@Controller('v1/taxpayers')
export class TaxpayersController {
  constructor(private readonly taxpayers: TaxpayersService) {}

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Register a taxpayer (admin); pilot=false registers a counterparty only' })
  register(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTaxpayerDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.taxpayers.register(principal, dto, record);
  }

  @Get()
  @ApiOperation({ summary: 'List the taxpayers the caller may read (a taxpayer sees itself)' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    return this.taxpayers.list(principal, query);
  }

  @Get(':taxId')
  @ApiOperation({ summary: 'Read a taxpayer (its own principals, auditors in scope, tax officers, admins)' })
  get(@CurrentPrincipal() principal: Principal, @Param('taxId') taxId: string) {
    return this.taxpayers.get(principal, taxId);
  }

  @Patch(':taxId')
  @Roles('tax_officer')
  @ApiOperation({ summary: 'Change risk level, credit rating, filing frequency, pilot or paper maximum (tax officer, admin)' })
  update(@CurrentPrincipal() principal: Principal, @Param('taxId') taxId: string, @Body() dto: UpdateTaxpayerDto) {
    return this.taxpayers.update(principal, taxId, dto);
  }
}
