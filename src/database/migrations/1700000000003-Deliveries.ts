import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { id, instant, str } from './schema-helpers';

export class Deliveries1700000000003 implements MigrationInterface {
  name = 'Deliveries1700000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deliveries',
        columns: [
          id(),
          str('invoice_number', 20),
          str('seller_tax_id', 18),
          str('channel', 10),
          str('recipient', 254),
          str('status', 8),
          { name: 'attempts', type: 'integer' },
          str('last_error', 500, { isNullable: true }),
          str('receipt', 500, { isNullable: true }),
          instant('created_at'),
          instant('next_attempt_at', { isNullable: true }),
          instant('sent_at', { isNullable: true }),
          str('created_by', 80),
        ],
        indices: [
          new TableIndex({ name: 'idx_deliveries_invoice', columnNames: ['invoice_number', 'created_at'] }),
          new TableIndex({ name: 'idx_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deliveries');
  }
}
