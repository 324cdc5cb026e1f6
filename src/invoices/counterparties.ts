import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { Db } from '../database/db.service';
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

/** `%` and `_` typed by a user are literal (LIKE ... ESCAPE '!'). */
const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

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
  constructor(private readonly db: Db) {}

  /**
   * Buyers this taxpayer has invoiced and sellers it received from, whose name contains `q` or
   * whose tax id starts with it; the most recently seen first, each with its latest details.
   */
  async search(taxId: string, q: string | undefined): Promise<CounterpartyDto[]> {
    const needle = (q ?? '').trim();
    const sides = [
      { mine: 'seller', theirs: 'buyer' },
      { mine: 'buyer', theirs: 'seller' },
    ] as const;
    const recent = new Map<string, number>();
    for (const { mine, theirs } of sides) {
      const qb = this.db.dataSource.manager
        .createQueryBuilder(InvoiceEntity, 'i')
        .select(`i.${theirs}_tax_id`, 'taxId')
        .addSelect('MAX(i.issued_at)', 'last')
        .where(`i.${mine}_tax_id = :taxId`, { taxId })
        .andWhere(`i.${theirs}_tax_id IS NOT NULL`);
      if (needle) {
        qb.andWhere(`(i.${theirs}_tax_id LIKE :prefix ESCAPE '!' OR i.${theirs}_name LIKE :contains ESCAPE '!')`, {
          prefix: `${likeEscape(needle.toUpperCase())}%`,
          contains: `%${likeEscape(needle)}%`,
        });
      }
      const rows: { taxId: string; last: Date | string }[] = await qb.groupBy(`i.${theirs}_tax_id`).orderBy('last', 'DESC').limit(MAX_SUGGESTIONS).getRawMany();
      for (const row of rows) {
        const at = new Date(row.last as string).getTime();
        recent.set(row.taxId, Math.max(recent.get(row.taxId) ?? 0, Number.isNaN(at) ? 0 : at));
      }
    }
    const ids = [...recent.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_SUGGESTIONS)
      .map(([id]) => id);
    const items: CounterpartyDto[] = [];
    for (const id of ids) {
      // Its latest details, from the latest invoice between the two in either direction.
      const latest = await this.db.dataSource.manager
        .createQueryBuilder(InvoiceEntity, 'i')
        .where('(i.seller_tax_id = :me AND i.buyer_tax_id = :them) OR (i.seller_tax_id = :them AND i.buyer_tax_id = :me)', { me: taxId, them: id })
        .orderBy('i.issued_at', 'DESC')
        .addOrderBy('i.number', 'DESC')
        .limit(1)
        .getOne();
      if (!latest) continue;
      const asBuyer = latest.buyerTaxId === id;
      items.push(
        asBuyer
          ? {
              taxId: id,
              name: latest.buyerName,
              address: latest.buyerAddress,
              phone: latest.buyerPhone,
              bankName: latest.buyerBankName,
              bankAccount: latest.buyerBankAccount,
            }
          : {
              taxId: id,
              name: latest.sellerName,
              address: latest.sellerAddress,
              phone: latest.sellerPhone,
              bankName: latest.sellerBankName,
              bankAccount: latest.sellerBankAccount,
            },
      );
    }
    return items;
  }
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
