import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * An admin signs a user out everywhere (DELETE /v1/users/{id}/sessions): the user's sessions are
 * read by user_id, a range of this index rather than the whole sessions table (every sign-in
 * adds a row).
 */
export class SessionsByUser1700000000200 implements MigrationInterface {
  name = 'SessionsByUser1700000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('sessions', new TableIndex({ name: 'idx_sessions_user', columnNames: ['user_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('sessions', 'idx_sessions_user');
  }
}
