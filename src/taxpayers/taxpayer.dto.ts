import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsMoney } from '../common/validation';
import { CREDIT_RATINGS, CreditRating, FILING_FREQUENCIES, FilingFrequency, RISK_LEVELS, RiskLevel, TAXPAYER_TYPES, TaxpayerType } from './taxpayer.entity';

export class CreateTaxpayerDto {
  @ApiProperty({ example: '91220101MA00000000', description: '18-character unified social credit code; check character verified' })
  @IsString()
  @Length(18, 18)
  taxId: string;

  @ApiProperty({ example: '吉林某某有限公司' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: '22', description: 'GB/T 2260 province code; defaults to characters 3-4 of taxId' })
  @IsOptional()
  @IsString()
  @Length(2, 2)
  regionCode?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) bankName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) bankAccount?: string;

  @ApiPropertyOptional({ enum: TAXPAYER_TYPES, default: 'general' })
  @IsOptional()
  @IsIn(TAXPAYER_TYPES)
  taxpayerType?: TaxpayerType;

  @ApiPropertyOptional({ enum: FILING_FREQUENCIES, default: 'monthly' })
  @IsOptional()
  @IsIn(FILING_FREQUENCIES)
  filingFrequency?: FilingFrequency;

  @ApiPropertyOptional({ enum: RISK_LEVELS, default: 'medium' })
  @IsOptional()
  @IsIn(RISK_LEVELS)
  riskLevel?: RiskLevel;

  @ApiPropertyOptional({ enum: CREDIT_RATINGS, default: 'M' })
  @IsOptional()
  @IsIn(CREDIT_RATINGS)
  creditRating?: CreditRating;

  @ApiPropertyOptional({ default: true, description: 'false registers a counterparty that does not use this platform' })
  @IsOptional()
  @IsBoolean()
  pilot?: boolean;

  @ApiPropertyOptional({ example: '7500000.00', description: 'initial monthly total (pilots only)' })
  @IsOptional()
  @IsMoney({ minFen: 0n })
  initialQuota?: string;

  @ApiPropertyOptional({ example: '100000.00', description: 'single-invoice maximum for paper invoices' })
  @IsOptional()
  @IsMoney({ minFen: 0n })
  paperMaxAmountPerInvoice?: string;
}

export class UpdateTaxpayerDto {
  @ApiPropertyOptional({ enum: RISK_LEVELS }) @IsOptional() @IsIn(RISK_LEVELS) riskLevel?: RiskLevel;
  @ApiPropertyOptional({ enum: CREDIT_RATINGS }) @IsOptional() @IsIn(CREDIT_RATINGS) creditRating?: CreditRating;
  @ApiPropertyOptional({ enum: FILING_FREQUENCIES }) @IsOptional() @IsIn(FILING_FREQUENCIES) filingFrequency?: FilingFrequency;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() pilot?: boolean;
  @ApiPropertyOptional({ example: '100000.00' }) @IsOptional() @IsMoney({ minFen: 0n }) paperMaxAmountPerInvoice?: string;
}
