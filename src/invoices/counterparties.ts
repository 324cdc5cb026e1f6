import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { CounterpartiesRepository } from './counterparties.repository';
import { CounterpartyEntity } from './counterparty.entity';
import { InvoiceEntity } from './invoice.entities';

/** What the console's issuing form offers: counterparties and common tax classification codes. */

export const MAX_SUGGESTIONS = 20;

export class SuggestQuery {
  @ApiPropertyOptional({ description: 'part of the name, or the beginning of the tax id / code; empty: the most recent' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class CounterpartyDto {
  @ApiProperty({ example: '91410100MA00000021' }) taxId: string;
  @ApiProperty({ example: '河南某某有限公司' }) name: string;
  @ApiProperty() address: string;
  @ApiProperty() phone: string;
  @ApiProperty() bankName: string;
  @ApiProperty() bankAccount: string;
}

export class CounterpartiesDto {
  @ApiProperty({ type: [CounterpartyDto], maxItems: MAX_SUGGESTIONS }) items: CounterpartyDto[];
}

export class TaxClassificationDto {
  @ApiProperty({ example: '1090511030000000000', description: '19 digits' }) code: string;
  @ApiProperty({ example: '计算机', description: 'the category short name printed as *简称*' }) shortName: string;
  @ApiProperty({ example: '便携式计算机' }) name: string;
}

export class TaxClassificationsDto {
  @ApiProperty({ type: [TaxClassificationDto], maxItems: MAX_SUGGESTIONS }) items: TaxClassificationDto[];
}

/** A small curated subset of the national table (templates/tax-classifications.json). */
export const TAX_CLASSIFICATIONS: TaxClassificationDto[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../templates/tax-classifications.json'), 'utf8'),
).items;

export function searchClassifications(q: string | undefined): TaxClassificationDto[] {
  const needle = (q ?? '').trim();
  const found =
    needle === ''
      ? TAX_CLASSIFICATIONS
      : TAX_CLASSIFICATIONS.filter((c) => c.code.startsWith(needle) || c.shortName.includes(needle) || c.name.includes(needle));
  return found.slice(0, MAX_SUGGESTIONS);
}

@Injectable()
export class CounterpartiesService {
  constructor(private readonly repository: CounterpartiesRepository) {}

  /**
   * Buyers this taxpayer has invoiced and sellers it received from, whose name contains `q` or
   * whose tax id starts with it; the most recently seen first, each with its latest details. Reads
   * the taxpayer's range of idx_counterparties_recent backwards: its cost is the counterparties it
   * passes over, never its invoices.
   */
  async search(taxId: string, q: string | undefined): Promise<CounterpartyDto[]> {
    const rows = await this.repository.search(taxId, (q ?? '').trim(), MAX_SUGGESTIONS);
    return rows.map((c) => ({
      taxId: c.counterpartyTaxId,
      name: c.name,
      address: c.address,
      phone: c.phone,
      bankName: c.bankName,
      bankAccount: c.bankAccount,
    }));
  }
}

/**
 * The rows that keep the two parties of these blue invoices as each other's counterparties (both
 * directions), with the latest invoice's details; none for invoices to natural persons (no buyer
 * tax id). In key order, so concurrent transactions upserting a pair lock it in the same order.
 */
export function counterpartyRows(invoices: InvoiceEntity[]): CounterpartyEntity[] {
  const rows = new Map<string, CounterpartyEntity>();
  const put = (row: CounterpartyEntity) => rows.set(`${row.taxpayerId}|${row.counterpartyTaxId}`, row);
  for (const i of invoices) {
    if (!i.buyerTaxId) continue;
    const when = i.issuedAt;
    put({
      taxpayerId: i.sellerTaxId,
      counterpartyTaxId: i.buyerTaxId,
      name: i.buyerName,
      address: i.buyerAddress,
      phone: i.buyerPhone,
      bankName: i.buyerBankName,
      bankAccount: i.buyerBankAccount,
      lastAt: when,
    });
    put({
      taxpayerId: i.buyerTaxId,
      counterpartyTaxId: i.sellerTaxId,
      name: i.sellerName,
      address: i.sellerAddress,
      phone: i.sellerPhone,
      bankName: i.sellerBankName,
      bankAccount: i.sellerBankAccount,
      lastAt: when,
    });
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

@ApiTags('console')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1')
export class CounterpartiesController {
  constructor(private readonly counterparties: CounterpartiesService) {}

  @Get('counterparties')
  @Roles('taxpayer')
  @ApiOperation({
    summary: 'Counterparties of the caller (buyers invoiced, sellers received from) by name or tax id prefix; at most 20',
    operationId: 'searchCounterparties',
  })
  @ApiOkResponse({ type: CounterpartiesDto })
  @ApiProblems(400)
  async search(@CurrentPrincipal() p: Principal, @Query() query: SuggestQuery): Promise<CounterpartiesDto> {
    return { items: await this.counterparties.search(p.taxpayerId!, query.q) };
  }

  @Get('tax-classifications')
  @ApiOperation({
    summary: 'Common tax classification codes (税收分类编码) by code prefix or name; at most 20',
    description: 'A small curated subset of the national table, for suggestions; any 19-digit code may be issued.',
    operationId: 'searchTaxClassifications',
  })
  @ApiOkResponse({ type: TaxClassificationsDto })
  @ApiProblems(400)
  classifications(@Query() query: SuggestQuery): TaxClassificationsDto {
    return { items: searchClassifications(query.q) };
  }
}
