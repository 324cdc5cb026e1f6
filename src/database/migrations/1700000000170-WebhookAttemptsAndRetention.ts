import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { id, instant, str } from './schema-helpers';

/**
 * Webhooks: each delivery attempt recorded (`webhook_delivery_attempts`, read by
 * `GET /v1/webhooks/{id}/deliveries/{deliveryId}/attempts`), and retention
 * (src/webhooks/webhook-retention.ts): a delivery's `finished_at` (by the clock), an index to
 * walk old outbox events in batches, and one to find an event's deliveries.
 */
export class WebhookAttemptsAndRetention1700000000170 implements MigrationInterface {
  name = 'WebhookAttemptsAndRetention1700000000170';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('webhook_deliveries', new TableColumn(instant('finished_at', { isNullable: true })));
    // Deliveries finished before this migration count from their last news.
    await q.query(
      "UPDATE webhook_deliveries SET finished_at = COALESCE(delivered_at, last_attempt_at, created_at) WHERE status <> 'pending' AND finished_at IS NULL",
    );
    await q.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_event_id', columnNames: ['event_id'] }));
    await q.createIndex('outbox_events', new TableIndex({ name: 'idx_outbox_retention', columnNames: ['dispatched', 'created_at', 'id'] }));
    await q.createTable(
      new Table({
        name: 'webhook_delivery_attempts',
        columns: [
          id(),
          str('delivery_id', 36),
          instant('created_at'),
          { name: 'status_code', type: 'integer', isNullable: true },
          str('error_class', 20, { isNullable: true }),
          str('error', 500, { isNullable: true }),
          { name: 'duration_ms', type: 'integer' },
          str('response_excerpt', 1024, { isNullable: true }),
          str('key_ids', 100),
        ],
        indices: [new TableIndex({ name: 'idx_webhook_attempts_delivery', columnNames: ['delivery_id', 'created_at', 'id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_delivery_attempts');
    await q.dropIndex('outbox_events', 'idx_outbox_retention');
    await q.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_event_id');
    await q.dropColumn('webhook_deliveries', 'finished_at');
  }
}
