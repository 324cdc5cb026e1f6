import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { instant, str } from './schema-helpers';

/**
 * Issue 17: `GET /v1/counterparties` grouped the taxpayer's whole invoice history on every call.
 * The pairs (taxpayer, counterparty) are kept in their own table, written by the issuing
 * transaction, and read newest first from (taxpayer_id, last_at). Filled here from the invoices
 * already issued: per pair, the details of the latest invoice between the two.
 */
export class Counterparties1700000000190 implements MigrationInterface {
  name = 'Counterparties1700000000190';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'counterparties',
        columns: [
          str('taxpayer_id', 18, { isPrimary: true }),
          str('counterparty_tax_id', 18, { isPrimary: true }),
          str('name', 200),
          str('address', 300),
          str('phone', 50),
          str('bank_name', 200),
          str('bank_account', 50),
          instant('last_at'),
        ],
        indices: [new TableIndex({ name: 'idx_counterparties_recent', columnNames: ['taxpayer_id', 'last_at', 'counterparty_tax_id'] })],
      }),
    );
    await backfillCounterparties(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('counterparties');
  }
}

/** Both directions of every blue invoice with a buyer tax id; the latest invoice of a pair wins. */
export async function backfillCounterparties(q: QueryRunner): Promise<void> {
  await q.query(`
      INSERT INTO counterparties (taxpayer_id, counterparty_tax_id, name, address, phone, bank_name, bank_account, last_at)
      SELECT taxpayer_id, counterparty_tax_id, name, address, phone, bank_name, bank_account, last_at FROM (
        SELECT p.*, ROW_NUMBER() OVER (PARTITION BY p.taxpayer_id, p.counterparty_tax_id ORDER BY p.last_at DESC, p.number DESC) AS rn FROM (
          SELECT seller_tax_id AS taxpayer_id, buyer_tax_id AS counterparty_tax_id, buyer_name AS name, buyer_address AS address,
                 buyer_phone AS phone, buyer_bank_name AS bank_name, buyer_bank_account AS bank_account, issued_at AS last_at, number
            FROM invoices WHERE buyer_tax_id IS NOT NULL AND color = 'blue'
          UNION ALL
          SELECT buyer_tax_id, seller_tax_id, seller_name, seller_address, seller_phone, seller_bank_name, seller_bank_account, issued_at, number
            FROM invoices WHERE buyer_tax_id IS NOT NULL AND color = 'blue'
        ) p
      ) ranked WHERE rn = 1`);
}
