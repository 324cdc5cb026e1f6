import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { Db } from '../database/db.service';
import { SessionEntity, UserEntity } from './auth.entities';
import { KeyRow } from './api-keys.repository';

/** What authenticating reads of a session and its user (raw columns). */
export interface SessionRow extends KeyRow {
  user_id: string;
  expires_at: Date | string;
}

/** The sessions rows (browser and API sign-ins): created, then expired or revoked. Only a token's digest is stored. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Db) {}

  /** The sessions of these token digests joined to their users (committed): one query, by uq_sessions_token_digest. */
  byDigests(digests: readonly string[]): Promise<SessionRow[]> {
    return this.db.dataSource.manager
      .createQueryBuilder(SessionEntity, 's')
      .innerJoin(UserEntity, 'u', 'u.id = s.user_id')
      .select(['s.token_digest AS digest', 's.id AS id', 's.expires_at AS expires_at', 's.revoked_at AS revoked_at'])
      .addSelect(['u.id AS user_id', 'u.role AS role', 'u.taxpayer_id AS taxpayer_id'])
      .where('s.token_digest IN (:...digests)', { digests })
      .getRawMany<SessionRow>();
  }

  /** The session (committed), or null. */
  find(id: string): Promise<SessionEntity | null> {
    return this.db.dataSource.manager.findOne(SessionEntity, { where: { id } });
  }

  /** The user's sessions not revoked (expired ones included), as the transaction sees them. */
  unrevokedOf(em: EntityManager, userId: string): Promise<SessionEntity[]> {
    return em.find(SessionEntity, { where: { userId, revokedAt: IsNull() } });
  }

  /** A new session. */
  async insert(em: EntityManager, session: SessionEntity): Promise<void> {
    await em.insert(SessionEntity, session);
  }

  /** Revokes those of these sessions not revoked yet (one statement). */
  async revokeMany(em: EntityManager, ids: string[], revokedAt: Date): Promise<void> {
    await em.update(SessionEntity, { id: In(ids), revokedAt: IsNull() }, { revokedAt });
  }

  /** Revokes the session (signing out). */
  async revoke(em: EntityManager, id: string, revokedAt: Date): Promise<void> {
    await em.update(SessionEntity, { id }, { revokedAt });
  }
}
