import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { instant, str } from './schema-helpers';

/**
 * Issue 13: the buyer's 经办人 (XML BuyerHandlingName); the platform's SM2 signing keys (private
 * halves encrypted with SIGNING_KEY_SECRET); each invoice's XML file as signed once.
 */
export class PlatformSignatures1700000000130 implements MigrationInterface {
  name = 'PlatformSignatures1700000000130';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('invoices', new TableColumn(str('buyer_handling_name', 100, { isNullable: true })));
    await q.createTable(
      new Table({
        name: 'platform_signing_keys',
        columns: [
          str('key_id', 32, { isPrimary: true }),
          { name: 'seq', type: 'integer' },
          str('algorithm', 16),
          { name: 'public_key_hex', type: 'varchar', length: '130' },
          // base64 of AES-256-GCM(iv 12 | tag 16 | ciphertext 32) of the private scalar
          str('private_key_sealed', 200),
          instant('valid_from'),
          instant('valid_to', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'uq_platform_signing_keys_seq', columnNames: ['seq'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'invoice_signed_xml',
        // The file's bytes in chunks of at most 60,000 (MySQL's BLOB stops at 64 KiB; an invoice of
        // 2000 lines is about a megabyte), all written in one transaction; chunk 0's key decides
        // which of two concurrent first renders is kept.
        columns: [
          str('invoice_number', 20, { isPrimary: true }),
          { name: 'chunk_no', type: 'integer', isPrimary: true },
          str('key_id', 32),
          instant('signed_at'),
          { name: 'data', type: 'blob' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('invoice_signed_xml');
    await q.dropTable('platform_signing_keys');
    await q.dropColumn('invoices', 'buyer_handling_name');
  }
}
