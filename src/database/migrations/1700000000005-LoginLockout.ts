import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { instant } from './schema-helpers';

export class LoginLockout1700000000005 implements MigrationInterface {
  name = 'LoginLockout1700000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('users', [
      new TableColumn({ name: 'failed_logins', type: 'integer', default: 0 }),
      new TableColumn(instant('locked_until', { isNullable: true })),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('users', 'locked_until');
    await q.dropColumn('users', 'failed_logins');
  }
}
