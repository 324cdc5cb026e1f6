import { Injectable } from '@nestjs/common';
import { UserEntity } from './auth.entities';
import { SessionsRepository } from './sessions.repository';
import { UsersRepository } from './users.repository';

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
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  async byUsername(username: string): Promise<SessionUser | null> {
    const user = await this.users.findByUsername(username.toLowerCase());
    return user ? view(user) : null;
  }

  async bySession(sessionId: string): Promise<SessionUser | null> {
    const session = await this.sessions.find(sessionId);
    const user = session ? await this.users.find(session.userId) : null;
    return user ? view(user) : null;
  }
}
