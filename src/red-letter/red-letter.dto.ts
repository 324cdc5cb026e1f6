import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { IsMoney } from '../common/validation';
import { RED_REASONS, RedReason } from './red-lines';
import { SLIP_STATUSES, SlipStatus } from './slip-machine';

export class RedLineDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(2000)
  blueLineNo: number;

  @ApiPropertyOptional({ example: '-1', description: 'negative; required for 02, optional for 03, absent for 04' })
  @IsOptional()
  @Matches(/^-(0|[1-9]\d{0,15})(\.\d{1,13})?$/, { message: 'must be a negative decimal string with up to 13 decimals' })
  quantity?: string;

  @ApiProperty({ example: '-5000.00' })
  @IsMoney({ maxFen: -1n })
  amount: string;

  @ApiPropertyOptional({ example: '-650.00', description: 'computed from amount x rate when absent; checked (0.06) when given' })
  @IsOptional()
  @IsMoney({ maxFen: 0n })
  taxAmount?: string;
}

export class CreateSlipDto {
  @ApiProperty({ example: '23222000000000000001' })
  @Matches(/^\d{20}$/, { message: 'must be a 20-digit invoice number' })
  blueInvoiceNumber: string;

  @ApiProperty({ enum: Object.keys(RED_REASONS), description: '01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让' })
  @IsIn(Object.keys(RED_REASONS))
  reason: RedReason;

  @ApiPropertyOptional({ type: [RedLineDto], description: 'omit for a full red' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => RedLineDto)
  lines?: RedLineDto[];

  @ApiPropertyOptional({ default: false, description: "issue the seller's red invoice as soon as the slip reaches 01 or 04" })
  @IsOptional()
  @IsBoolean()
  autoIssue?: boolean;
}

export class ListSlipsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['initiated', 'received', 'awaiting'], description: 'awaiting: received and waiting for my confirmation' })
  @IsOptional()
  @IsIn(['initiated', 'received', 'awaiting'])
  direction?: 'initiated' | 'received' | 'awaiting';

  @ApiPropertyOptional({ enum: Object.keys(SLIP_STATUSES) })
  @IsOptional()
  @IsIn(Object.keys(SLIP_STATUSES))
  status?: SlipStatus;

  @ApiPropertyOptional({ description: 'officers and unscoped auditors: slips of this taxpayer (as seller or buyer)' })
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxId?: string;
}
