import { ApiProperty } from '@nestjs/swagger';

export class TaxpayerViewDto {
  @ApiProperty({ example: '91220000000000001X' }) taxId: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: '22' }) regionCode: string;
  @ApiProperty({ type: String, nullable: true, example: '吉林省' }) regionName: string | null;
  @ApiProperty() address: string;
  @ApiProperty() phone: string;
  @ApiProperty() bankName: string;
  @ApiProperty() bankAccount: string;
  @ApiProperty({ enum: ['general', 'small_scale'] }) taxpayerType: string;
  @ApiProperty({ enum: ['monthly', 'quarterly'] }) filingFrequency: string;
  @ApiProperty({ example: 'low' }) riskLevel: string;
  @ApiProperty({ example: 'A' }) creditRating: string;
  @ApiProperty() pilot: boolean;
  @ApiProperty({ type: String, nullable: true }) initialQuota: string | null;
  @ApiProperty({ type: String, nullable: true }) paperMaxAmountPerInvoice: string | null;
  @ApiProperty() registeredAt: string;
}

export class TaxpayerPageDto {
  @ApiProperty({ type: [TaxpayerViewDto] }) items: TaxpayerViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
