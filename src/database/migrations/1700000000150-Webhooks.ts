import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { id, instant, str } from './schema-helpers';

export class Webhooks1700000000150 implements MigrationInterface {
  name = 'Webhooks1700000000150';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          str('id', 40, { isPrimary: true }),
          str('type', 60),
          str('tax_id', 18),
          instant('created_at'),
          { name: 'payload', type: 'json' },
          { name: 'dispatched', type: 'boolean' },
        ],
        indices: [new TableIndex({ name: 'idx_outbox_dispatch', columnNames: ['dispatched', 'id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhooks',
        columns: [
          id(),
          str('tax_id', 18),
          str('url', 2000),
          str('events', 1000),
          str('description', 500, { isNullable: true }),
          str('secret_enc', 300),
          str('previous_secret_enc', 300, { isNullable: true }),
          instant('previous_expires_at', { isNullable: true }),
          instant('created_at'),
          str('created_by', 80),
          instant('deleted_at', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_webhooks_tax', columnNames: ['tax_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          id(),
          str('webhook_id', 36),
          str('event_id', 40),
          str('event_type', 60),
          str('status', 10),
          { name: 'attempts', type: 'integer' },
          instant('next_attempt_at', { isNullable: true }),
          instant('claimed_until', { isNullable: true }),
          str('claim_token', 36, { isNullable: true }),
          { name: 'last_status_code', type: 'integer', isNullable: true },
          { name: 'last_duration_ms', type: 'integer', isNullable: true },
          str('last_error', 500, { isNullable: true }),
          instant('last_attempt_at', { isNullable: true }),
          instant('delivered_at', { isNullable: true }),
          instant('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_webhook_deliveries_event', columnNames: ['webhook_id', 'event_id'], isUnique: true }),
          new TableIndex({ name: 'idx_webhook_deliveries_head', columnNames: ['status', 'webhook_id', 'event_id'] }),
          new TableIndex({ name: 'idx_webhook_deliveries_list', columnNames: ['webhook_id', 'created_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries');
    await q.dropTable('webhooks');
    await q.dropTable('outbox_events');
  }
}
