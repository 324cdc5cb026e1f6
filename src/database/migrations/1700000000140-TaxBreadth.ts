import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { money, str } from './schema-helpers';

/**
 * Tax breadth (SPEC sections 2 and 10): a line's nature (发票行性质: 0 normal, 1 discount line,
 * 2 discounted line), an invoice's 差额征税 (kind and vouchers as JSON, the deduction in fen), and
 * an index for the VAT return figures' received-invoice query (confirmed for deduction in a period).
 */
export class TaxBreadth1700000000140 implements MigrationInterface {
  name = 'TaxBreadth1700000000140';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('invoice_lines', new TableColumn(str('line_nature', 1, { default: "'0'" })));
    await q.addColumns('invoices', [
      new TableColumn({ name: 'differential_taxation', type: 'json', isNullable: true }),
      new TableColumn(money('deduction', { isNullable: true })),
    ]);
    await q.createIndex('invoices', new TableIndex({ name: 'idx_invoices_usage_confirmed', columnNames: ['buyer_tax_id', 'usage_confirmed_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('invoices', 'idx_invoices_usage_confirmed');
    await q.dropColumn('invoices', 'deduction');
    await q.dropColumn('invoices', 'differential_taxation');
    await q.dropColumn('invoice_lines', 'line_nature');
  }
}
