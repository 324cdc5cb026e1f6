import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES } from './events';

/** The answers of the webhook routes, for the OpenAPI document (webhooks.service.ts builds them). */
export class WebhookDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'the taxpayer whose events it receives' }) taxId: string;
  @ApiProperty({ example: 'https://erp.example.com/einvoice' }) url: string;
  @ApiProperty({ type: [String], example: ['invoice.received'], description: `"*" or among: ${WEBHOOK_EVENT_TYPES.join(', ')}` }) events: string[];
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'while a rotation overlaps: until when the previous secret still signs' })
  previousSecretExpiresAt: string | null;
}

export class WebhookCreatedDto extends WebhookDto {
  @ApiProperty({ description: 'the signing secret, shown only in this answer' }) secret: string;
}

export class WebhookPageDto {
  @ApiProperty({ type: [WebhookDto] }) items: WebhookDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty() webhookId: string;
  @ApiProperty({ example: 'evt_…' }) eventId: string;
  @ApiProperty({ example: 'invoice.issued' }) eventType: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed', 'cancelled'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: Number, nullable: true, description: "the last attempt's HTTP status; null when it got no answer" }) lastStatusCode: number | null;
  @ApiProperty({ type: Number, nullable: true }) lastDurationMs: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true }) lastAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the next try of a pending delivery' }) nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true }) deliveredAt: string | null;
  @ApiProperty() createdAt: string;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) items: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
