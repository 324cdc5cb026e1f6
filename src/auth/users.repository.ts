import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageQuery, pageNewestFirst } from '../common/pagination';
import { insertOrConflict } from '../database/db-errors';
import { Db } from '../database/db.service';
import { UserEntity } from './auth.entities';

/** Every user, for the admin's list: a range of idx_users_time. */
export function usersQuery(em: EntityManager) {
  return em.createQueryBuilder(UserEntity, 'u').where('1 = 1');
}

/** The users rows: created, never deleted. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  /** How many admins there are (committed, or as `em`'s transaction sees it). */
  countAdmins(em: EntityManager = this.db.dataSource.manager): Promise<number> {
    return em.count(UserEntity, { where: { role: 'admin' } });
  }

  /** The user (committed, or as `em`'s transaction sees it), or null. */
  find(id: string, em: EntityManager = this.db.dataSource.manager): Promise<UserEntity | null> {
    return em.findOne(UserEntity, { where: { id } });
  }

  /** The user of that (lower-case) username (committed), or null. */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.db.dataSource.manager.findOne(UserEntity, { where: { username } });
  }

  /** Whether the (lower-case) username is taken, as the transaction sees it. */
  usernameTaken(em: EntityManager, username: string): Promise<boolean> {
    return em.exists(UserEntity, { where: { username } });
  }

  /** A new user (a duplicate key error when another request took the username first). */
  async insert(em: EntityManager, user: UserEntity): Promise<void> {
    await em.insert(UserEntity, user);
  }

  /** A new user; 409 ALREADY_EXISTS when a concurrent request took the username first. */
  async insertOrConflict(em: EntityManager, user: UserEntity): Promise<void> {
    await insertOrConflict(em, UserEntity, user, `user ${user.username}`);
  }

  /** A page of users, newest first. */
  page(query: PageQuery) {
    return pageNewestFirst(usersQuery(this.db.dataSource.manager), 'u', query);
  }
}
