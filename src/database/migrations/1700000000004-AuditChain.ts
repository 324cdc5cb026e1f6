import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { instant, str } from './schema-helpers';

export class AuditChain1700000000004 implements MigrationInterface {
  name = 'AuditChain1700000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'audit_chain',
        columns: [{ name: 'seq', type: 'bigint', isPrimary: true }, str('event_id', 36), str('prev_hash', 64), str('hash', 64), instant('sealed_at')],
        indices: [new TableIndex({ name: 'uq_audit_chain_event', columnNames: ['event_id'], isUnique: true })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_chain');
  }
}
