import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { id, instant, str } from './schema-helpers';

export class SetupCodes1700000000120 implements MigrationInterface {
  name = 'SetupCodes1700000000120';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'setup_codes',
        columns: [id(), str('code_digest', 64), instant('created_at'), instant('spent_at', { isNullable: true })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('setup_codes');
  }
}
