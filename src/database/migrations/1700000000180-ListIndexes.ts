import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Issue 17, continued: the lists migration 1700000000160 left read ordered index ranges too.
 *
 * - Red-letter slips, newest first by (created_at, id): per party (seller, buyer) `*_time`
 *   (party, created_at, id) for every slip of mine, `*_role` (party, initiator, created_at, id)
 *   for initiated/received, `*_state` (party, initiator, status, created_at, id) for a status and
 *   for awaiting; `idx_red_time` and `idx_red_state` for every taxpayer's. The list merges the
 *   seller's and the buyer's ranges (src/red-letter/slip-scan.ts) instead of `seller = ? OR buyer = ?`.
 * - Audit events, oldest first by (at, id): a date filter is a range of the same index
 *   (taxpayer_id, at, id), (taxpayer_id, action, at, id), (action, at, id), (at, id); they replace
 *   the (…, id) indexes of 160, which made a date filter read the history row by row.
 * - The newest-first lists (src/common/pagination.ts) end their indexes in (created_at, id):
 *   quota applications by taxpayer, status or both (the officers' pending queue sorted every
 *   application), objections, live webhooks (`deleted_at IS NULL` is an equality on the index),
 *   webhook deliveries, users and API keys (sorted whole).
 * `id` is written out: SQLite's secondary indexes do not carry the primary key.
 */
const ADDED: [string, string, string[]][] = [
  ['red_confirmations', 'idx_red_seller_time', ['seller_tax_id', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_seller_role', ['seller_tax_id', 'initiator', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_seller_state', ['seller_tax_id', 'initiator', 'status', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_buyer_time', ['buyer_tax_id', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_buyer_role', ['buyer_tax_id', 'initiator', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_buyer_state', ['buyer_tax_id', 'initiator', 'status', 'created_at', 'id']],
  ['red_confirmations', 'idx_red_time', ['created_at', 'id']],
  ['red_confirmations', 'idx_red_state', ['status', 'created_at', 'id']],
  ['audit_events', 'idx_audit_taxpayer_time', ['taxpayer_id', 'at', 'id']],
  ['audit_events', 'idx_audit_taxpayer_action_time', ['taxpayer_id', 'action', 'at', 'id']],
  ['audit_events', 'idx_audit_action_time', ['action', 'at', 'id']],
  ['audit_events', 'idx_audit_time', ['at', 'id']],
  ['quota_applications', 'idx_quota_app_taxpayer_time', ['taxpayer_id', 'created_at', 'id']],
  ['quota_applications', 'idx_quota_app_taxpayer_state', ['taxpayer_id', 'status', 'created_at', 'id']],
  ['quota_applications', 'idx_quota_app_state', ['status', 'created_at', 'id']],
  ['quota_applications', 'idx_quota_app_time', ['created_at', 'id']],
  ['quota_objections', 'idx_quota_objection_taxpayer_time', ['taxpayer_id', 'created_at', 'id']],
  ['webhooks', 'idx_webhooks_tax_live', ['tax_id', 'deleted_at', 'created_at', 'id']],
  ['webhooks', 'idx_webhooks_live', ['deleted_at', 'created_at', 'id']],
  ['webhook_deliveries', 'idx_webhook_deliveries_time', ['webhook_id', 'created_at', 'id']],
  ['users', 'idx_users_time', ['created_at', 'id']],
  ['api_keys', 'idx_api_keys_time', ['created_at', 'id']],
];

/** Superseded by the above (each is a prefix of one, or the order it served is gone). */
const DROPPED: [string, string, string[]][] = [
  ['red_confirmations', 'idx_red_seller', ['seller_tax_id', 'created_at']],
  ['red_confirmations', 'idx_red_buyer', ['buyer_tax_id', 'created_at']],
  ['audit_events', 'idx_audit_taxpayer_at', ['taxpayer_id', 'at']],
  ['audit_events', 'idx_audit_at', ['at']],
  ['audit_events', 'idx_audit_taxpayer_id', ['taxpayer_id', 'id']],
  ['audit_events', 'idx_audit_taxpayer_action_id', ['taxpayer_id', 'action', 'id']],
  ['audit_events', 'idx_audit_action_id', ['action', 'id']],
  ['quota_applications', 'idx_quota_app_taxpayer', ['taxpayer_id', 'created_at']],
  ['quota_objections', 'idx_quota_objection_taxpayer', ['taxpayer_id', 'created_at']],
  ['webhooks', 'idx_webhooks_tax', ['tax_id', 'created_at']],
  ['webhook_deliveries', 'idx_webhook_deliveries_list', ['webhook_id', 'created_at']],
];

export class ListIndexes1700000000180 implements MigrationInterface {
  name = 'ListIndexes1700000000180';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, name, columnNames] of ADDED) await q.createIndex(table, new TableIndex({ name, columnNames }));
    for (const [table, name] of DROPPED) await q.dropIndex(table, name);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, name, columnNames] of DROPPED) await q.createIndex(table, new TableIndex({ name, columnNames }));
    for (const [table, name] of ADDED) await q.dropIndex(table, name);
  }
}
