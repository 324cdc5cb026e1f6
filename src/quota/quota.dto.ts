import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { IsMoney } from '../common/validation';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export class AdjustmentDto {
  @ApiProperty({ example: '2023-08' })
  @Matches(PERIOD, { message: 'must be a month YYYY-MM' })
  period: string;

  @ApiProperty({ enum: ['periodic', 'manual'] })
  @IsIn(['periodic', 'manual'])
  kind: 'periodic' | 'manual';

  @ApiProperty({ example: '2500000.00' })
  @IsMoney({ minFen: 0n })
  newTotal: string;

  @ApiProperty()
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class PeriodicRunDto {
  @ApiProperty({ example: '2023-09' })
  @Matches(PERIOD, { message: 'must be a month YYYY-MM' })
  period: string;
}

export class ApplicationDto {
  @ApiProperty({ example: '12000000.00' })
  @IsMoney({ minFen: 1n })
  requestedTotal: string;

  @ApiProperty()
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class ApproveDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class RejectDto {
  @ApiProperty()
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class ObjectionDto {
  @ApiProperty()
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class VatFilingDto {
  @ApiProperty({ example: '2023-07', description: 'YYYY-MM for a monthly filer, YYYY-Qn for a quarterly filer' })
  @Matches(/^\d{4}-((0[1-9]|1[0-2])|Q[1-4])$/, { message: 'must be YYYY-MM or YYYY-Qn' })
  period: string;
}

export class PaperCollectionDto {
  @ApiProperty({ enum: ['paper_special', 'paper_ordinary'] })
  @IsIn(['paper_special', 'paper_ordinary'])
  invoiceKind: 'paper_special' | 'paper_ordinary';

  @ApiProperty({ example: 40, minimum: 1, maximum: 10000 })
  @IsInt()
  @Min(1)
  @Max(10000)
  count: number;

  @ApiProperty({ example: '100000.00' })
  @IsMoney({ minFen: 1n })
  maxAmountPerInvoice: string;
}

export class ApplicationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'rejected'] })
  @IsOptional()
  @IsIn(['pending', 'approved', 'rejected'])
  status?: 'pending' | 'approved' | 'rejected';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxId?: string;
}
