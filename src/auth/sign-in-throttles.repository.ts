import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { SignInThrottleEntity } from './auth.entities';

/**
 * The sign_in_throttles rows: one per (user, client) that tried to sign in. Attempts are counted by
 * conditional UPDATEs, never read-then-write, so racing attempts on any number of processes never
 * take more slots than there are.
 */
@Injectable()
export class SignInThrottlesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Takes one attempt slot unless the pair has `max` attempts counted already or is locked; the
   * attempt that takes the last slot locks the pair until `lockUntil`. True if this call took one.
   */
  async takeSlot(userId: string, client: string, max: number, lockUntil: Date, now: Date): Promise<boolean> {
    // locked_until is assigned before attempts: MySQL evaluates SET left to right (later
    // assignments see earlier ones), SQLite from the old row; this order reads the old count on both.
    const result = await this.db.dataSource.manager
      .createQueryBuilder()
      .update(SignInThrottleEntity)
      .set({
        lockedUntil: () => 'CASE WHEN attempts + 1 >= :max THEN :lockUntil ELSE NULL END',
        attempts: () => 'attempts + 1',
        updatedAt: now,
      })
      .where('user_id = :userId AND client = :client AND attempts < :max AND locked_until IS NULL', { userId, client, max, lockUntil })
      .execute();
    return result.affected === 1;
  }

  /** The pair's row (committed, or as `em`'s transaction sees it), or null. */
  find(userId: string, client: string, em: EntityManager = this.db.dataSource.manager): Promise<SignInThrottleEntity | null> {
    return em.findOne(SignInThrottleEntity, { where: { userId, client } });
  }

  /** The pair's first row, no attempt counted; nothing when another attempt inserted it first. */
  async insertIfMissing(userId: string, client: string, now: Date): Promise<void> {
    await this.db.dataSource.manager
      .insert(SignInThrottleEntity, { userId, client, attempts: 0, lockedUntil: null, lockRecorded: 0, updatedAt: now })
      .catch((error) => {
        if (!isDuplicate(error)) throw error; // another attempt inserted it first
      });
  }

  /** Starts counting again if the pair's lock has run out by `now` (conditional, so a newer lock survives). */
  async restartIfExpired(userId: string, client: string, now: Date): Promise<void> {
    await this.db.dataSource.manager
      .createQueryBuilder()
      .update(SignInThrottleEntity)
      .set({ attempts: 0, lockedUntil: null, lockRecorded: 0, updatedAt: now })
      .where('user_id = :userId AND client = :client AND locked_until <= :now', { userId, client, now })
      .execute();
  }

  /** Frees every slot of the pair (a successful sign-in). */
  async reset(userId: string, client: string, now: Date): Promise<void> {
    await this.db.dataSource.manager.update(SignInThrottleEntity, { userId, client }, { attempts: 0, lockedUntil: null, lockRecorded: 0, updatedAt: now });
  }

  /** Notes that the pair's lock is recorded, if it is locked and not noted yet; true if this call noted it. */
  async noteLock(em: EntityManager, userId: string, client: string): Promise<boolean> {
    const noted = await em
      .createQueryBuilder()
      .update(SignInThrottleEntity)
      .set({ lockRecorded: 1 })
      .where('user_id = :userId AND client = :client AND locked_until IS NOT NULL AND lock_recorded = 0', { userId, client })
      .execute();
    return noted.affected === 1;
  }
}
