import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';
import { instant, str } from './schema-helpers';

const COLUMNS = 'id, type, tax_id, created_at, payload, dispatched';

/** The outbox's columns after `seq` (or, reverting, with `id` as the primary key). */
const outboxColumns = (idIsPrimary: boolean): TableColumnOptions[] => [
  str('id', 40, idIsPrimary ? { isPrimary: true } : {}),
  str('type', 60),
  str('tax_id', 18),
  instant('created_at'),
  { name: 'payload', type: 'json' },
  { name: 'dispatched', type: 'boolean' },
];

/**
 * Webhook order per endpoint that holds across processes and hosts (issue 16): outbox events get
 * `seq`, numbered by the database at insert (MySQL AUTO_INCREMENT, SQLite INTEGER PRIMARY KEY
 * AUTOINCREMENT), so an event written after another one committed always comes later, whichever
 * process's clock stamped its id. The table is rebuilt with `seq` as its primary key (SQLite
 * numbers rows only there; `id` stays, unique), existing events numbered in their old id order;
 * deliveries copy their event's `seq` (`event_seq`) and an endpoint's head is its lowest.
 */
export class OutboxOrder1700000000210 implements MigrationInterface {
  name = 'OutboxOrder1700000000210';

  async up(q: QueryRunner): Promise<void> {
    const sqlite = q.connection.options.type === 'better-sqlite3';
    await q.dropIndex('outbox_events', 'idx_outbox_dispatch');
    await q.dropIndex('outbox_events', 'idx_outbox_retention');
    await q.renameTable('outbox_events', 'outbox_events_by_id');
    await q.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          { name: 'seq', type: sqlite ? 'integer' : 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          ...outboxColumns(false),
        ],
        indices: [
          new TableIndex({ name: 'uq_outbox_events_id', columnNames: ['id'], isUnique: true }),
          new TableIndex({ name: 'idx_outbox_dispatch', columnNames: ['dispatched', 'seq'] }),
          new TableIndex({ name: 'idx_outbox_retention', columnNames: ['dispatched', 'created_at', 'id'] }),
        ],
      }),
    );
    await q.query(`INSERT INTO outbox_events (${COLUMNS}) SELECT ${COLUMNS} FROM outbox_events_by_id ORDER BY id`);
    await q.dropTable('outbox_events_by_id');

    await q.addColumn('webhook_deliveries', new TableColumn({ name: 'event_seq', type: 'bigint', isNullable: true }));
    // A delivery whose event is gone (it can only be cancelled) sorts first; nothing waits on it.
    await q.query('UPDATE webhook_deliveries SET event_seq = COALESCE((SELECT e.seq FROM outbox_events e WHERE e.id = webhook_deliveries.event_id), 0)');
    await q.changeColumn('webhook_deliveries', 'event_seq', new TableColumn({ name: 'event_seq', type: 'bigint' }));
    await q.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_head');
    await q.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_head', columnNames: ['status', 'webhook_id', 'event_seq'] }));
    // A claim's check that no other delivery of the endpoint is held reads this range only.
    await q.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_claims', columnNames: ['webhook_id', 'claimed_until'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_claims');
    await q.dropIndex('webhook_deliveries', 'idx_webhook_deliveries_head');
    await q.createIndex('webhook_deliveries', new TableIndex({ name: 'idx_webhook_deliveries_head', columnNames: ['status', 'webhook_id', 'event_id'] }));
    await q.dropColumn('webhook_deliveries', 'event_seq');

    await q.dropIndex('outbox_events', 'idx_outbox_dispatch');
    await q.dropIndex('outbox_events', 'idx_outbox_retention');
    await q.dropIndex('outbox_events', 'uq_outbox_events_id');
    await q.renameTable('outbox_events', 'outbox_events_by_seq');
    await q.createTable(
      new Table({
        name: 'outbox_events',
        columns: outboxColumns(true),
        indices: [
          new TableIndex({ name: 'idx_outbox_dispatch', columnNames: ['dispatched', 'id'] }),
          new TableIndex({ name: 'idx_outbox_retention', columnNames: ['dispatched', 'created_at', 'id'] }),
        ],
      }),
    );
    await q.query(`INSERT INTO outbox_events (${COLUMNS}) SELECT ${COLUMNS} FROM outbox_events_by_seq`);
    await q.dropTable('outbox_events_by_seq');
  }
}
