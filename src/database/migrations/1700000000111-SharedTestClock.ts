import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { instant, str } from './schema-helpers';

/** The manual test clock kept in the database, so every process reads one clock (issue 11 item 16). */
export class SharedTestClock1700000000111 implements MigrationInterface {
  name = 'SharedTestClock1700000000111';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({ name: 'test_clocks', columns: [str('id', 16, { isPrimary: true }), instant('now_at')] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('test_clocks');
  }
}
