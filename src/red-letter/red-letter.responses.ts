import { ApiProperty } from '@nestjs/swagger';

export class SlipLineViewDto {
  @ApiProperty() blueLineNo: number;
  @ApiProperty({ type: String, nullable: true, example: '-1' }) quantity: string | null;
  @ApiProperty({ example: '-5000.00' }) amount: string;
  @ApiProperty({ example: '-650.00' }) taxAmount: string;
}

export class SlipViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() number: string;
  @ApiProperty({ example: '02', description: "01-09, the platform's codes" }) status: string;
  @ApiProperty({ example: '销方录入待购方确认' }) statusName: string;
  @ApiProperty({ enum: ['seller', 'buyer'] }) initiator: string;
  @ApiProperty() blueInvoiceNumber: string;
  @ApiProperty() sellerTaxId: string;
  @ApiProperty({ type: String, nullable: true }) buyerTaxId: string | null;
  @ApiProperty({ enum: ['01', '02', '03', '04'] }) reason: string;
  @ApiProperty({ example: '销货退回' }) reasonName: string;
  @ApiProperty({ example: '-5000.00' }) totalAmount: string;
  @ApiProperty({ example: '-650.00' }) totalTax: string;
  @ApiProperty({ example: '0.00' }) inputTaxTransferOut: string;
  @ApiProperty() autoIssue: boolean;
  @ApiProperty({ type: String, nullable: true }) redInvoiceNumber: string | null;
  @ApiProperty({ type: [SlipLineViewDto] }) lines: SlipLineViewDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'when an unconfirmed slip becomes 07 (72 h after it was filled in)' }) expiresAt: string | null;
  @ApiProperty() updatedAt: string;
}

export class SlipPageDto {
  @ApiProperty({ type: [SlipViewDto] }) items: SlipViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
