import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';
import { id, instant, money, str } from './schema-helpers';

export class Foundation1700000000000 implements MigrationInterface {
  name = 'Foundation1700000000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type !== 'better-sqlite3') {
      // One collation for every table: binary comparison, exactly as SQLite compares text.
      await q.query('ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    }
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          id(),
          str('username', 64),
          str('password_hash', 72, { isNullable: true }),
          str('role', 16),
          str('taxpayer_id', 18, { isNullable: true }),
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_users_username', columnNames: ['username'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          id(),
          str('name', 100),
          str('token_digest', 64),
          str('role', 16),
          str('taxpayer_id', 18, { isNullable: true }),
          str('created_by', 80, { isNullable: true }),
          instant('created_at'),
          instant('revoked_at', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'uq_api_keys_token_digest', columnNames: ['token_digest'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [id(), str('token_digest', 64), str('user_id', 36), instant('created_at'), instant('expires_at'), instant('revoked_at', { isNullable: true })],
        indices: [new TableIndex({ name: 'uq_sessions_token_digest', columnNames: ['token_digest'], isUnique: true })],
      }),
    );
    const taxpayerColumns: TableColumnOptions[] = [
      str('tax_id', 18, { isPrimary: true }),
      str('name', 200),
      str('region_code', 2),
      str('address', 300),
      str('phone', 50),
      str('bank_name', 200),
      str('bank_account', 50),
      str('taxpayer_type', 16),
      str('filing_frequency', 16),
      str('risk_level', 8),
      str('credit_rating', 1),
      { name: 'pilot', type: 'boolean' },
      money('initial_quota', { isNullable: true }),
      money('paper_max_amount', { isNullable: true }),
      instant('registered_at'),
      instant('updated_at'),
    ];
    await q.createTable(new Table({ name: 'taxpayers', columns: taxpayerColumns }));
    await q.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          id(),
          instant('at'),
          str('actor', 80),
          str('actor_role', 16, { isNullable: true }),
          str('action', 60),
          str('object_type', 40),
          str('object_id', 64),
          str('taxpayer_id', 18, { isNullable: true }),
          { name: 'before', type: 'text', isNullable: true },
          { name: 'after', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_taxpayer_at', columnNames: ['taxpayer_id', 'at'] }),
          new TableIndex({ name: 'idx_audit_at', columnNames: ['at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'taxpayers', 'sessions', 'api_keys', 'users']) await q.dropTable(table);
  }
}
