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
  @ApiProperty({ example: 'key_1a2b3c4d', description: "the current secret's key id (key_ + 8 hex digits of its SHA-256), as in each attempt's keyIds" })
  secretKeyId: string;
  @ApiProperty({ type: String, nullable: true, description: 'while a rotation overlaps: the key id of the previous secret, which still signs' })
  previousSecretKeyId: string | null;
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

export class WebhookAttemptDto {
  @ApiProperty() id: string;
  @ApiProperty() deliveryId: string;
  @ApiProperty({ description: 'when the request was sent (Beijing time)' }) attemptedAt: string;
  @ApiProperty({ type: Number, nullable: true, description: 'the HTTP status answered; null when no answer came' }) statusCode: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['http_status', 'redirect', 'timeout', 'refused', 'network', 'invalid_url'],
    description: 'why it failed, in one word; null on a 2xx',
  })
  errorClass: string | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: String, nullable: true, description: "the start of the answer's body, at most 1 KB of UTF-8" }) responseExcerpt: string | null;
  @ApiProperty({ type: [String], example: ['key_1a2b3c4d'], description: 'the key ids of the secrets whose v1= signature the attempt carried' })
  keyIds: string[];
}

export class WebhookAttemptPageDto {
  @ApiProperty({ type: [WebhookAttemptDto] }) items: WebhookAttemptDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
