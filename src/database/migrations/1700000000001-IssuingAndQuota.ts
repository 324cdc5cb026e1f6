import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { id, instant, money, str } from './schema-helpers';

export class IssuingAndQuota1700000000001 implements MigrationInterface {
  name = 'IssuingAndQuota1700000000001';

  async up(q: QueryRunner): Promise<void> {
    const taxpayer = str('taxpayer_id', 18, { isPrimary: true });
    const period = str('period', 7, { isPrimary: true });
    await q.createTable(
      new Table({
        name: 'quota_months',
        columns: [
          taxpayer,
          period,
          money('total'),
          money('used'),
          { name: 'temporary_adjusted', type: 'boolean' },
          money('temporary_raise'),
          { name: 'ledger_seq', type: 'bigint' },
          instant('created_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'quota_ledger',
        columns: [
          taxpayer,
          period,
          { name: 'seq', type: 'bigint', isPrimary: true },
          instant('at'),
          str('kind', 24),
          money('delta'),
          money('total_after'),
          money('used_after'),
          str('ref', 64, { isNullable: true }),
          str('actor', 80),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'quota_applications',
        columns: [
          id(),
          str('taxpayer_id', 18),
          str('period', 7),
          money('requested_total'),
          str('reason', 500),
          str('status', 16),
          str('decided_by', 80, { isNullable: true }),
          str('decision_reason', 500, { isNullable: true }),
          instant('created_at'),
          instant('decided_at', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_quota_app_taxpayer', columnNames: ['taxpayer_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'quota_objections',
        columns: [id(), str('taxpayer_id', 18), str('period', 7), str('reason', 500), instant('created_at')],
        indices: [new TableIndex({ name: 'idx_quota_objection_taxpayer', columnNames: ['taxpayer_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'vat_filings',
        columns: [taxpayer, period, instant('filed_at'), str('actor', 80)],
      }),
    );
    await q.createTable(
      new Table({
        name: 'paper_collections',
        columns: [
          id(),
          str('taxpayer_id', 18),
          str('period', 7),
          str('invoice_kind', 16),
          { name: 'count', type: 'integer' },
          money('max_amount_per_invoice'),
          money('amount'),
          instant('collected_at'),
        ],
        indices: [new TableIndex({ name: 'idx_paper_collection_taxpayer', columnNames: ['taxpayer_id', 'collected_at'] })],
      }),
    );

    await q.createTable(
      new Table({
        name: 'invoices',
        columns: [
          str('number', 20, { isPrimary: true }),
          str('type', 8),
          str('medium', 10),
          str('color', 4),
          str('status', 12),
          instant('issued_at'),
          str('period', 7),
          str('seller_tax_id', 18),
          str('seller_name', 200),
          str('seller_address', 300),
          str('seller_phone', 50),
          str('seller_bank_name', 200),
          str('seller_bank_account', 50),
          str('buyer_tax_id', 18, { isNullable: true }),
          str('buyer_name', 200),
          str('buyer_address', 300),
          str('buyer_phone', 50),
          str('buyer_bank_name', 200),
          str('buyer_bank_account', 50),
          str('buyer_email', 254, { isNullable: true }),
          { name: 'price_includes_tax', type: 'boolean' },
          money('total_amount'),
          money('total_tax'),
          money('total_with_tax'),
          str('remarks', 500),
          str('drawer', 50),
          str('specific_business_type', 2, { isNullable: true }),
          { name: 'specific_business', type: 'json', isNullable: true },
          str('usage', 24, { isNullable: true }),
          str('accounting_entry', 12),
          instant('voided_at', { isNullable: true }),
          str('issued_by', 80),
        ],
        indices: [
          new TableIndex({ name: 'idx_invoices_seller', columnNames: ['seller_tax_id', 'issued_at'] }),
          new TableIndex({ name: 'idx_invoices_buyer', columnNames: ['buyer_tax_id', 'issued_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'invoice_lines',
        columns: [
          str('invoice_number', 20, { isPrimary: true }),
          { name: 'line_no', type: 'integer', isPrimary: true },
          str('item_name', 100),
          str('category_short_name', 40),
          str('tax_classification_code', 19),
          str('spec', 100),
          str('unit', 20),
          str('quantity', 32, { isNullable: true }),
          str('unit_price', 32, { isNullable: true }),
          money('amount'),
          str('tax_rate', 6),
          money('tax_amount'),
          str('preferential_policy', 2, { isNullable: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'number_sequences',
        columns: [str('prefix', 5, { isPrimary: true }), { name: 'next_value', type: 'bigint' }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          str('id', 64, { isPrimary: true }),
          str('request_hash', 64),
          { name: 'status', type: 'integer' },
          { name: 'body', type: 'json' },
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_idempotency_created', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_keys',
      'number_sequences',
      'invoice_lines',
      'invoices',
      'paper_collections',
      'vat_filings',
      'quota_objections',
      'quota_applications',
      'quota_ledger',
      'quota_months',
    ]) {
      await q.dropTable(table);
    }
  }
}
