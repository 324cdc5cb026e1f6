import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { INVOICE_STATUSES, INVOICE_TYPES } from '../invoices/invoice.entities';
import { usccProblem } from '../taxpayers/uscc';

/** A unified social credit code with its check character (GB 32100-2015); the message says what is wrong. */
function IsUscc(): PropertyDecorator {
  return ValidateBy({
    name: 'isUscc',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && usccProblem(value) === null,
      defaultMessage: (args) => `must be a unified social credit code: ${typeof args?.value === 'string' ? usccProblem(args.value) : 'must be a string'}`,
    },
  });
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['csv', 'jsonl', 'zip'], default: 'csv' }) @IsOptional() @IsIn(['csv', 'jsonl', 'zip']) format?: 'csv' | 'jsonl' | 'zip';
  @ApiPropertyOptional({ description: "the taxpayer (a taxpayer's and a scoped auditor's own by default)" }) @IsOptional() @IsUscc() taxId?: string;
  @ApiPropertyOptional({ enum: ['issued', 'received', 'both'], default: 'both', description: 'the taxpayer as seller, as buyer, or both' })
  @IsOptional()
  @IsIn(['issued', 'received', 'both'])
  direction?: 'issued' | 'received' | 'both';
  @ApiPropertyOptional({ description: 'YYYY-MM-DD (Beijing) or an ISO 8601 instant; inclusive' }) @IsOptional() @IsString() @MaxLength(40) from?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD (Beijing, the whole day) or an ISO 8601 instant; inclusive' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
  @ApiPropertyOptional({ enum: ['blue', 'red'] }) @IsOptional() @IsIn(['blue', 'red']) color?: 'blue' | 'red';
  @ApiPropertyOptional({ enum: INVOICE_TYPES }) @IsOptional() @IsIn(INVOICE_TYPES) type?: string;
  @ApiPropertyOptional({ enum: INVOICE_STATUSES }) @IsOptional() @IsIn(INVOICE_STATUSES) status?: string;
  @ApiPropertyOptional({ description: 'resume after this invoice (its exportCursor from an earlier export)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'is not a cursor an export issued' })
  cursor?: string;
  @ApiPropertyOptional({ description: 'resume after this invoice number' })
  @IsOptional()
  @Matches(/^\d{20}$/, { message: 'must be a 20-digit invoice number' })
  after?: string;
}
