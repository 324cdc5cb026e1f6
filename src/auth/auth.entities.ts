import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role } from '../common/principal';
import { InstantColumn } from '../database/columns';

@Entity('users')
@Index('uq_users_username', ['username'], { unique: true })
@Index('idx_users_time', ['createdAt', 'id'])
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Lower-cased; unique. */
  @Column({ type: 'varchar', length: 64 })
  username: string;

  /** bcrypt; null for a user that signs in with API keys only (the bootstrap admin). */
  @Column({ name: 'password_hash', type: 'varchar', length: 72, nullable: true })
  passwordHash: string | null;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18, nullable: true })
  taxpayerId: string | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  /** Consecutive failed sign-ins; LOGIN_MAX_FAILURES of them lock the account until locked_until. */
  @Column({ name: 'failed_logins', type: 'integer', default: 0 })
  failedLogins: number;

  @InstantColumn({ name: 'locked_until', nullable: true })
  lockedUntil: Date | null;
}

@Entity('api_keys')
@Index('uq_api_keys_token_digest', ['tokenDigest'], { unique: true })
@Index('idx_api_keys_time', ['createdAt', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** SHA-256 (hex) of the token; the token itself is never stored. */
  @Column({ name: 'token_digest', type: 'varchar', length: 64 })
  tokenDigest: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18, nullable: true })
  taxpayerId: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80, nullable: true })
  createdBy: string | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}

@Entity('sessions')
@Index('uq_sessions_token_digest', ['tokenDigest'], { unique: true })
@Index('idx_sessions_user', ['userId'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'token_digest', type: 'varchar', length: 64 })
  tokenDigest: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'expires_at' })
  expiresAt: Date;

  @InstantColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}

/**
 * Sign-in attempts per account and client address (README "Sign-in"): `attempts` is counted
 * before the password is evaluated; LOGIN_MAX_FAILURES of them lock this pair until locked_until.
 */
@Entity('sign_in_throttles')
@Index('ix_sign_in_throttles_updated_at', ['updatedAt'])
export class SignInThrottleEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  client: string;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @InstantColumn({ name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** 1 once the lock's audit event (user.locked) is written. */
  @Column({ name: 'lock_recorded', type: 'integer', default: 0 })
  lockRecorded: number;

  @InstantColumn({ name: 'updated_at' })
  updatedAt: Date;
}
