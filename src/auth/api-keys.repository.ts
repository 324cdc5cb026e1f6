import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { Role } from '../common/principal';
import { Db } from '../database/db.service';
import { ApiKeyEntity } from './auth.entities';

/** Every API key, revoked ones included, for the admin's list: a range of idx_api_keys_time. */
export function apiKeysQuery(em: EntityManager) {
  return em.createQueryBuilder(ApiKeyEntity, 'k').where('1 = 1');
}

/** What authenticating reads of an API key (raw columns). */
export interface KeyRow {
  digest: string;
  id: string;
  role: Role;
  taxpayer_id: string | null;
  revoked_at: Date | string | null;
}

/** The api_keys rows: created, then perhaps revoked; never deleted. Only a token's digest is stored. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: Db) {}

  /** The keys of these token digests (committed): one query, by uq_api_keys_token_digest. */
  byDigests(digests: readonly string[]): Promise<KeyRow[]> {
    return this.db.dataSource.manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .select(['k.token_digest AS digest', 'k.id AS id', 'k.role AS role', 'k.taxpayer_id AS taxpayer_id', 'k.revoked_at AS revoked_at'])
      .where('k.token_digest IN (:...digests)', { digests })
      .getRawMany<KeyRow>();
  }

  /** The key, as the transaction sees it, or null. */
  find(em: EntityManager, id: string): Promise<ApiKeyEntity | null> {
    return em.findOne(ApiKeyEntity, { where: { id } });
  }

  /** A new key. */
  async insert(em: EntityManager, key: ApiKeyEntity): Promise<void> {
    await em.insert(ApiKeyEntity, key);
  }

  /** Marks the key revoked at that instant. */
  async revoke(em: EntityManager, id: string, revokedAt: Date): Promise<void> {
    await em.update(ApiKeyEntity, { id }, { revokedAt });
  }

  /** A page of keys, newest first. */
  page(query: PageQuery) {
    return pageNewestFirst(apiKeysQuery(this.db.dataSource.manager), 'k', query);
  }
}
