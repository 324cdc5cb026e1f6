import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Db } from '../database/db.service';
import { WebhookEntity } from './webhook.entities';

/** Live webhooks of a taxpayer (null: everyone's, for admins): a range of idx_webhooks_tax_live or idx_webhooks_live (migration 1700000000180). */
export function webhooksQuery(em: EntityManager, taxId: string | null) {
  const qb = em.createQueryBuilder(WebhookEntity, 'w').where('w.deleted_at IS NULL');
  if (taxId) qb.andWhere('w.tax_id = :taxId', { taxId });
  return qb;
}

/** What rotating a secret writes on the webhook's row. */
export type SecretChange = Pick<WebhookEntity, 'secretEnc' | 'previousSecretEnc' | 'previousExpiresAt'>;

/**
 * The webhooks rows (a new one is inserted with its audit event by AuditService.insertAudited).
 * Deleting and rotating are conditional UPDATEs: on a live row, and for a rotation on the secret
 * that was read, so two at once change it once.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  /** The webhook's row, deleted or not (committed), or null. */
  find(id: string): Promise<WebhookEntity | null> {
    return this.db.dataSource.manager.findOneBy(WebhookEntity, { id });
  }

  /** A page of the live webhooks of a taxpayer (null: everyone's), newest first. */
  page(taxId: string | null, query: PageQuery) {
    return pageNewestFirst(webhooksQuery(this.db.dataSource.manager, taxId), 'w', query);
  }

  /** The live webhooks of these taxpayers (committed). */
  liveOf(taxIds: string[]): Promise<WebhookEntity[]> {
    return this.db.dataSource.manager.find(WebhookEntity, { where: { taxId: In(taxIds), deletedAt: IsNull() } });
  }

  /** Each of these webhooks' taxpayer, deleted or not (committed); ids not found are left out. */
  async taxIdsOf(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.db.dataSource.manager.find(WebhookEntity, { select: { id: true, taxId: true }, where: { id: In(ids) } });
    return new Map(rows.map((r) => [r.id, r.taxId]));
  }

  /** How many live webhooks the taxpayer has (committed): a range of idx_webhooks_tax_live. */
  countLive(taxId: string): Promise<number> {
    return webhooksQuery(this.db.dataSource.manager, taxId).getCount();
  }

  /** Marks the webhook deleted at `at`, unless it is already; answers whether this call did. */
  async markDeleted(em: EntityManager, id: string, at: Date): Promise<boolean> {
    const result = await em.createQueryBuilder().update(WebhookEntity).set({ deletedAt: at }).where('id = :id AND deleted_at IS NULL', { id }).execute();
    return result.affected === 1;
  }

  /** Writes a new secret if the webhook is live and its secret is still `oldSecretEnc`; answers whether it did. */
  async replaceSecret(em: EntityManager, id: string, oldSecretEnc: string, change: SecretChange): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(WebhookEntity)
      .set(change)
      .where('id = :id AND secret_enc = :old AND deleted_at IS NULL', { id, old: oldSecretEnc })
      .execute();
    return result.affected === 1;
  }
}
