import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { SessionEntity, UserEntity } from './auth.entities';

export interface SessionUser {
  id: string;
  username: string;
  role: UserEntity['role'];
  taxpayerId: string | null;
}

const view = (u: UserEntity): SessionUser => ({ id: u.id, username: u.username, role: u.role, taxpayerId: u.taxpayerId });

/** The user behind a browser session, for the console's sign-in answer and GET /v1/auth/me. */
@Injectable()
export class SessionUsers {
  constructor(private readonly db: Db) {}

  async byUsername(username: string): Promise<SessionUser | null> {
    const user = await this.db.dataSource.manager.findOne(UserEntity, { where: { username: username.toLowerCase() } });
    return user ? view(user) : null;
  }

  async bySession(sessionId: string): Promise<SessionUser | null> {
    const session = await this.db.dataSource.manager.findOne(SessionEntity, { where: { id: sessionId } });
    const user = session ? await this.db.dataSource.manager.findOne(UserEntity, { where: { id: session.userId } }) : null;
    return user ? view(user) : null;
  }
}
