import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { PageQuery } from '../common/pagination';
import { Problems } from '../common/problem';
import { CreateWebhookDto, ListWebhooksQuery } from './webhooks.dto';
import { WebhooksService } from './webhooks.service';
import { WebhookAttemptPageDto, WebhookCreatedDto, WebhookDeliveryDto, WebhookDeliveryPageDto, WebhookDto, WebhookPageDto } from './webhooks.responses';

const webhookId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('webhook') });
const deliveryId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('webhook delivery') });

@ApiTags('webhooks')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('webhooks')
  @Roles('taxpayer', 'admin')
  @Idempotent()
  @ApiOperation({
    summary:
      'Register an endpoint for events (a taxpayer for its own; an admin for any, with taxId); answers the signing secret once. ' +
      'A taxpayer has at most WEBHOOK_MAX_PER_TAXPAYER (16) live webhooks: one more is a 409 naming the limit',
  })
  @ApiJson(201, WebhookCreatedDto, 'the webhook, with its signing secret (shown only here)')
  @ApiProblems(400, 409, 503)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWebhookDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.webhooks.create(p, dto, record);
  }

  @Get('webhooks')
  @Roles('taxpayer', 'admin')
  @ApiOperation({ summary: "Webhooks: a taxpayer's own; an admin's all (or one taxpayer's with taxId)" })
  @ApiJson(200, WebhookPageDto, 'a page of webhooks')
  @ApiProblems(400)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListWebhooksQuery) {
    return this.webhooks.list(p, query);
  }

  @Get('webhooks/:id')
  @Roles('taxpayer', 'admin')
  @ApiOperation({ summary: 'A webhook (never its secret)' })
  @ApiJson(200, WebhookDto, 'the webhook')
  @ApiProblems(404)
  get(@CurrentPrincipal() p: Principal, @Param('id', webhookId) id: string) {
    return this.webhooks.get(p, id);
  }

  @Delete('webhooks/:id')
  @Roles('taxpayer', 'admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook; its pending deliveries are cancelled' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblems(404)
  async remove(@CurrentPrincipal() p: Principal, @Param('id', webhookId) id: string): Promise<void> {
    await this.webhooks.remove(p, id);
  }

  @Post('webhooks/:id/rotate-secret')
  @Roles('taxpayer', 'admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new signing secret (answered once); the old one is still signed with (a second v1=) for WEBHOOK_ROTATION_OVERLAP_HOURS. ' +
      'Rotating again within the overlap keeps only the secret it replaces: the one before stops signing at once',
  })
  @ApiJson(200, WebhookCreatedDto, 'the webhook with its new secret (shown only here)')
  @ApiProblems(404, 503)
  rotate(@CurrentPrincipal() p: Principal, @Param('id', webhookId) id: string) {
    return this.webhooks.rotate(p, id);
  }

  @Get('webhooks/:id/deliveries')
  @Roles('taxpayer', 'admin')
  @ApiOperation({ summary: "The webhook's delivery log, newest first: status, attempts, last response code and duration, next try" })
  @ApiJson(200, WebhookDeliveryPageDto, 'a page of deliveries, newest first')
  @ApiProblems(400, 404)
  deliveries(@CurrentPrincipal() p: Principal, @Param('id', webhookId) id: string, @Query() query: PageQuery) {
    return this.webhooks.deliveries(p, id, query);
  }

  @Get('webhooks/:id/deliveries/:deliveryId/attempts')
  @Roles('taxpayer', 'admin')
  @ApiOperation({
    summary: "A delivery's attempts, newest first: time, HTTP status or error class, duration, the answer's first 1 KB, the key ids that signed",
  })
  @ApiJson(200, WebhookAttemptPageDto, 'a page of attempts, newest first')
  @ApiProblems(400, 404)
  attempts(@CurrentPrincipal() p: Principal, @Param('id', webhookId) id: string, @Param('deliveryId', deliveryId) delivery: string, @Query() query: PageQuery) {
    return this.webhooks.attempts(p, id, delivery, query);
  }

  @Post('webhook-deliveries/:id/redeliver')
  @Roles('taxpayer', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a succeeded, failed or cancelled delivery again (same event id), with a fresh three days of retries' })
  @ApiJson(200, WebhookDeliveryDto, 'the delivery, pending again')
  @ApiProblems(404, 409)
  redeliver(@CurrentPrincipal() p: Principal, @Param('id', deliveryId) id: string) {
    return this.webhooks.redeliver(p, id);
  }
}
