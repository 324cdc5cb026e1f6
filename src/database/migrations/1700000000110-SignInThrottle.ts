import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { instant, str } from './schema-helpers';

/**
 * Failed sign-ins counted per account and client address (issue 11 items 6 and 7): one row per
 * (user, client), incremented by a conditional UPDATE before the password is evaluated.
 */
export class SignInThrottle1700000000110 implements MigrationInterface {
  name = 'SignInThrottle1700000000110';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'sign_in_throttles',
        columns: [
          str('user_id', 36, { isPrimary: true }),
          str('client', 64, { isPrimary: true }),
          { name: 'attempts', type: 'integer', default: 0 },
          instant('locked_until', { isNullable: true }),
          { name: 'lock_recorded', type: 'integer', default: 0 },
          instant('updated_at'),
        ],
      }),
    );
    await q.createIndex('sign_in_throttles', new TableIndex({ name: 'ix_sign_in_throttles_updated_at', columnNames: ['updated_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('sign_in_throttles');
  }
}
