import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Db } from '../database/db.service';
import { PlatformSigningKeyEntity } from './signing.entities';

/** The platform_signing_keys rows: a key is inserted under a unique seq (two rotations at once make one key) and closed once. */
@Injectable()
export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** How many keys there are (committed). */
  count(): Promise<number> {
    return this.db.dataSource.manager.count(PlatformSigningKeyEntity);
  }

  /** The key with the highest seq (the current one), or null (committed). */
  latest(): Promise<PlatformSigningKeyEntity | null> {
    return this.db.dataSource.manager.createQueryBuilder(PlatformSigningKeyEntity, 'k').orderBy('k.seq', 'DESC').limit(1).getOne();
  }

  /** The key with the highest seq as the transaction sees it (no lock), or null. */
  latestIn(em: EntityManager): Promise<PlatformSigningKeyEntity | null> {
    return em.createQueryBuilder(PlatformSigningKeyEntity, 'k').orderBy('k.seq', 'DESC').limit(1).getOne();
  }

  /** The key's row, locked for update (MySQL; SQLite runs one transaction at a time): its latest committed state. */
  lockForUpdate(em: EntityManager, keyId: string): Promise<PlatformSigningKeyEntity | null> {
    const q = em.createQueryBuilder(PlatformSigningKeyEntity, 'k').where('k.key_id = :keyId', { keyId });
    return (this.db.rowLocks ? q.setLock('pessimistic_write') : q).getOne();
  }

  /** The key's row under a shared lock (MySQL): a rotation retiring it waits for the transaction. */
  lockShared(em: EntityManager, keyId: string): Promise<PlatformSigningKeyEntity | null> {
    const q = em.createQueryBuilder(PlatformSigningKeyEntity, 'k').where('k.key_id = :keyId', { keyId });
    return (this.db.rowLocks ? q.setLock('pessimistic_read') : q).getOne();
  }

  /** Every key, oldest first (committed). */
  all(): Promise<PlatformSigningKeyEntity[]> {
    return this.db.dataSource.manager.find(PlatformSigningKeyEntity, { order: { seq: 'ASC' } });
  }

  /** The key of a keyId, or null (committed). */
  find(keyId: string): Promise<PlatformSigningKeyEntity | null> {
    return this.db.dataSource.manager.findOne(PlatformSigningKeyEntity, { where: { keyId } });
  }

  /** A new key (a duplicate key error when its seq is taken). */
  async insert(em: EntityManager, row: PlatformSigningKeyEntity): Promise<void> {
    await em.insert(PlatformSigningKeyEntity, row);
  }

  /** Closes the key at `at`, unless it is closed already. */
  async close(em: EntityManager, keyId: string, at: Date): Promise<void> {
    await em.update(PlatformSigningKeyEntity, { keyId, validTo: IsNull() }, { validTo: at });
  }
}
