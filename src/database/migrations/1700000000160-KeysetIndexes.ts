import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { id, instant, str } from './schema-helpers';

/**
 * Issue 17: every list, filter and export reads an ordered index range whose cost depends on the
 * page, not on the table.
 *
 * Invoices are read in the keyset order (issued_at, number), by a party (seller or buyer) or by
 * everyone (officers, unscoped auditors). Each scope gets three indexes ending in that order:
 * - `*_time`:  (party, issued_at, number)                      no filter
 * - `*_state`: (party, color, status, issued_at, number)       color and/or status
 * - `*_kind`:  (party, type, medium, issued_at, number)        type and/or medium
 * A filter on color alone reads one range per status (and status alone one per color, type alone
 * one per medium...), and the ranges are merged in order (src/invoices/invoice-scan.ts).
 * `number` is written out: SQLite's secondary indexes do not carry the primary key.
 *
 * Audit events are listed by id, per taxpayer and action (the quota ledger's primary key,
 * (taxpayer_id, period, seq), is its list's order already). Audit checkpoints and verification jobs are new tables (src/audit).
 */
const INVOICE_INDEXES: [string, string[]][] = [
  ['idx_inv_seller_time', ['seller_tax_id', 'issued_at', 'number']],
  ['idx_inv_seller_state', ['seller_tax_id', 'color', 'status', 'issued_at', 'number']],
  ['idx_inv_seller_kind', ['seller_tax_id', 'type', 'medium', 'issued_at', 'number']],
  ['idx_inv_buyer_time', ['buyer_tax_id', 'issued_at', 'number']],
  ['idx_inv_buyer_state', ['buyer_tax_id', 'color', 'status', 'issued_at', 'number']],
  ['idx_inv_buyer_kind', ['buyer_tax_id', 'type', 'medium', 'issued_at', 'number']],
  ['idx_inv_time', ['issued_at', 'number']],
  ['idx_inv_state', ['color', 'status', 'issued_at', 'number']],
  ['idx_inv_kind', ['type', 'medium', 'issued_at', 'number']],
];

export class KeysetIndexes1700000000160 implements MigrationInterface {
  name = 'KeysetIndexes1700000000160';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, columnNames] of INVOICE_INDEXES) await q.createIndex('invoices', new TableIndex({ name, columnNames }));
    // The new *_time indexes start with the old ones' columns: they serve every query the old did.
    await q.dropIndex('invoices', 'idx_invoices_seller');
    await q.dropIndex('invoices', 'idx_invoices_buyer');
    await q.createIndex('audit_events', new TableIndex({ name: 'idx_audit_taxpayer_id', columnNames: ['taxpayer_id', 'id'] }));
    await q.createIndex('audit_events', new TableIndex({ name: 'idx_audit_taxpayer_action_id', columnNames: ['taxpayer_id', 'action', 'id'] }));
    await q.createIndex('audit_events', new TableIndex({ name: 'idx_audit_action_id', columnNames: ['action', 'id'] }));
    await q.createTable(
      new Table({
        name: 'audit_checkpoints',
        columns: [{ name: 'seq', type: 'bigint', isPrimary: true }, str('hash', 64), str('signature', 64), str('key_id', 16), instant('created_at')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_verifications',
        columns: [
          id(),
          str('status', 12),
          str('requested_by', 80),
          { name: 'checked', type: 'bigint' },
          { name: 'total', type: 'bigint' },
          { name: 'verified_seq', type: 'bigint' },
          str('verified_hash', 64),
          { name: 'result', type: 'text', isNullable: true },
          instant('created_at'),
          instant('updated_at'),
          instant('finished_at', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_audit_verifications_created', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_verifications');
    await q.dropTable('audit_checkpoints');
    for (const name of ['idx_audit_action_id', 'idx_audit_taxpayer_action_id', 'idx_audit_taxpayer_id']) await q.dropIndex('audit_events', name);
    await q.createIndex('invoices', new TableIndex({ name: 'idx_invoices_seller', columnNames: ['seller_tax_id', 'issued_at'] }));
    await q.createIndex('invoices', new TableIndex({ name: 'idx_invoices_buyer', columnNames: ['buyer_tax_id', 'issued_at'] }));
    for (const [name] of INVOICE_INDEXES) await q.dropIndex('invoices', name);
  }
}
