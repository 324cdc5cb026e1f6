import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Problems } from '../common/problem';
import { RateLimiter } from '../common/rate-limit';
import { AppConfig } from '../config/config';
import { Role } from '../common/principal';
import { PUBLIC_KEY, ROLES_KEY } from '../common/access';
import { AuthService } from './auth.service';
import { csrfAllows, csrfFailed, sessionCookie } from './browser-session';

/** Global guard: every route needs a valid bearer token unless marked @Public(); @Roles() narrows it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest();
    const header: unknown = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})\s*$/i.exec(header) : null;
    // Without an Authorization header, a browser session's cookie (the console) may authenticate.
    const cookie = match ? null : sessionCookie(request);
    const token = match ? match[1] : cookie;
    const principal = token ? await this.auth.authenticate(token) : null;
    if (!principal) {
      // Unauthenticated calls (token guessing included) are limited per client IP, more strictly.
      await this.limiter.hit(`ip:${request.ip}`, this.config.anonymousRateLimitPerMinute, 'unauthenticated requests from this address');
      if (cookie) throw Problems.unauthenticated('the session has expired or was signed out; sign in again');
      throw match ? Problems.unauthenticated('the bearer token is unknown, expired or revoked') : Problems.unauthenticated();
    }
    if (cookie) {
      if (!csrfAllows(request.method, cookie, request.headers['x-csrf-token'])) throw csrfFailed();
      request.sessionCookie = cookie;
    }
    await this.limiter.hit(`principal:${principal.actorRef}`, this.config.rateLimitPerMinute, 'requests for this principal');
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role) && !(principal.role === 'admin' && roles.includes('tax_officer'))) {
      throw Problems.forbidden(`role ${principal.role} may not do this (allowed: ${roles.join(', ')})`);
    }
    return true;
  }
}
