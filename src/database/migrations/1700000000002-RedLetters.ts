import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { id, instant, money, str } from './schema-helpers';

export class RedLetters1700000000002 implements MigrationInterface {
  name = 'RedLetters1700000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('invoices', [
      new TableColumn(instant('usage_confirmed_at', { isNullable: true })),
      new TableColumn(str('blue_number', 20, { isNullable: true })),
      new TableColumn(str('red_confirmation_id', 36, { isNullable: true })),
    ]);
    await q.createIndex('invoices', new TableIndex({ name: 'idx_invoices_blue', columnNames: ['blue_number'] }));
    await q.createTable(
      new Table({
        name: 'red_confirmations',
        columns: [
          id(),
          str('number', 20),
          str('blue_number', 20),
          str('seller_tax_id', 18),
          str('buyer_tax_id', 18, { isNullable: true }),
          str('initiator', 6),
          str('reason', 2),
          str('status', 2),
          money('total_amount'),
          money('total_tax'),
          money('input_tax_transfer_out'),
          { name: 'auto_issue', type: 'boolean' },
          str('red_invoice_number', 20, { isNullable: true }),
          str('created_by', 80),
          instant('created_at'),
          instant('expires_at', { isNullable: true }),
          instant('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_red_blue', columnNames: ['blue_number'] }),
          new TableIndex({ name: 'idx_red_seller', columnNames: ['seller_tax_id', 'created_at'] }),
          new TableIndex({ name: 'idx_red_buyer', columnNames: ['buyer_tax_id', 'created_at'] }),
          new TableIndex({ name: 'idx_red_pending', columnNames: ['status', 'expires_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'red_confirmation_lines',
        columns: [
          str('confirmation_id', 36, { isPrimary: true }),
          { name: 'blue_line_no', type: 'integer', isPrimary: true },
          str('quantity', 32, { isNullable: true }),
          money('amount'),
          money('tax_amount'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('red_confirmation_lines');
    await q.dropTable('red_confirmations');
    await q.dropIndex('invoices', 'idx_invoices_blue');
    for (const column of ['red_confirmation_id', 'blue_number', 'usage_confirmed_at']) await q.dropColumn('invoices', column);
  }
}
