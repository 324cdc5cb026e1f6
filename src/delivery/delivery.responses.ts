import { ApiProperty } from '@nestjs/swagger';

export class DeliveryViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() invoiceNumber: string;
  @ApiProperty({ enum: ['email'] }) channel: string;
  @ApiProperty({ example: 'ap@example.com' }) to: string;
  @ApiProperty({ example: 'sent', description: 'pending, sent or failed' }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true }) receipt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true }) sentAt: string | null;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryViewDto] }) items: DeliveryViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
