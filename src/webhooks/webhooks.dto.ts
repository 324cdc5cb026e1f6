import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { WEBHOOK_EVENT_TYPES } from './events';

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://erp.example.com/einvoice',
    description: 'http(s) only; loopback, private and link-local targets need WEBHOOK_ALLOW_PRIVATE_TARGETS=true; cloud metadata addresses never',
  })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiProperty({
    example: ['invoice.received', 'red_confirmation.awaiting_confirmation'],
    description: `event types, or "*" for all: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length + 1)
  @ArrayUnique()
  @IsIn(['*', ...WEBHOOK_EVENT_TYPES], { each: true, message: `each event must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  events: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    description: 'the taxpayer whose events these are: required for an admin, implied (and if given, must be its own) for a taxpayer principal',
  })
  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/, { message: 'must be an 18-character unified social credit code' })
  taxId?: string;
}

export class ListWebhooksQuery extends PageQuery {
  @ApiPropertyOptional({ description: "admin only: one taxpayer's webhooks" })
  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/, { message: 'must be an 18-character unified social credit code' })
  taxId?: string;
}
