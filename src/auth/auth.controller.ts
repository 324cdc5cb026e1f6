import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiExtraModels, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { Problems } from '../common/problem';
import { CurrentPrincipal, Public, Roles } from '../common/access';
import { ApiKeyCreatedDto, BrowserSessionDto, CreateApiKeyDto, CreateUserDto, LoginDto, MeDto, SessionsRevokedDto, SessionTokenDto, UserDto } from './auth.dto';
import { AuthService } from './auth.service';
import { CLIENT_HEADER, csrfTokenFor, SESSION_COOKIE, sessionCookieOptions } from './browser-session';
import { Principal } from '../common/principal';
import { SessionUsers } from './session-users';

@ApiTags('auth')
@Controller('v1')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: SessionUsers,
  ) {}

  @Post('users')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a user (admin)', operationId: 'createUser' })
  @ApiJson(201, UserDto, 'the user')
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiProblems(400, 409)
  createUser(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.auth.createUser(principal, dto, record);
  }

  @Delete('users/:id/sessions')
  @Roles('admin')
  @ApiOperation({
    summary: 'Sign a user out everywhere (admin): revoke all their live sessions; their API keys stay',
    operationId: 'revokeUserSessions',
  })
  @ApiJson(200, SessionsRevokedDto, 'how many sessions were ended')
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiProblems(404)
  revokeUserSessions(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('user') })) id: string,
  ) {
    return this.auth.revokeUserSessions(principal, id);
  }

  @Post('api-keys')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({
    summary: 'Create an API key (admin); the token is shown once',
    operationId: 'createApiKey',
    description: 'A replay (same Idempotency-Key and body) answers the same key with token null: the token is kept only as a digest and shown once',
  })
  @ApiJson(201, ApiKeyCreatedDto, 'the key, with its token (shown only here)')
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiProblems(400)
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.auth.createApiKey(principal, dto, record);
  }

  @Delete('api-keys/:id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (admin); revoking twice is a no-op', operationId: 'revokeApiKey' })
  @ApiNoContentResponse({ description: 'revoked' })
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiProblems(404)
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('API key') })) id: string,
  ) {
    await this.auth.revokeApiKey(principal, id);
  }

  @Post('auth/sessions')
  @Public()
  @ApiOperation({
    summary: 'Sign in with username and password',
    description:
      'Programs get a session token to send as a bearer token. The console sends `X-Einvoice-Client: console` and gets the ' +
      'session in the httpOnly cookie `einvoice_session` (SameSite=Strict; Secure over TLS) and, in the body, the CSRF token ' +
      'that every unsafe request authenticated by that cookie must send as `X-CSRF-Token`.',
    operationId: 'signIn',
  })
  @ApiHeader({
    name: 'X-Einvoice-Client',
    required: false,
    description: '`console`: a browser session in a cookie',
    schema: { type: 'string', enum: ['console'] },
  })
  @ApiExtraModels(SessionTokenDto, BrowserSessionDto)
  @ApiResponse({
    status: 201,
    description: 'signed in: `{ token, expiresAt }`, or for the console `{ expiresAt, csrfToken, user }` with the cookie set',
    schema: { oneOf: [{ $ref: getSchemaPath(SessionTokenDto) }, { $ref: getSchemaPath(BrowserSessionDto) }] },
  })
  @ApiProblems(400, 401, 429, 500)
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Headers(CLIENT_HEADER) client?: string) {
    const session = await this.auth.login(dto, req.ip ?? 'unknown');
    if (client !== 'console') return session;
    const user = await this.users.byUsername(dto.username);
    res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(req, new Date(session.expiresAt)));
    return { expiresAt: session.expiresAt, csrfToken: csrfTokenFor(session.token), user };
  }

  @Delete('auth/sessions/current')
  @HttpCode(204)
  @ApiOperation({ summary: "Sign out: revoke the session used for this call (and clear the console's cookie)", operationId: 'signOut' })
  @ApiNoContentResponse({ description: 'signed out' })
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiProblems(409)
  async logout(@CurrentPrincipal() principal: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    await this.auth.logout(principal);
    if ((req as { sessionCookie?: string }).sessionCookie) res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
  }

  @Get('auth/me')
  @ApiOperation({ summary: 'Who the token or session belongs to (with the cookie: also the CSRF token)', operationId: 'getMe' })
  @ApiOkResponse({ type: MeDto })
  @ApiAuth()
  @ApiAuthenticatedProblems()
  async me(@CurrentPrincipal() principal: Principal, @Req() req: Request): Promise<MeDto> {
    const me: MeDto = { kind: principal.kind, id: principal.id, role: principal.role, taxpayerId: principal.taxpayerId };
    if (principal.kind === 'session') {
      const user = await this.users.bySession(principal.id);
      if (user) me.username = user.username;
    }
    const cookie = (req as { sessionCookie?: string }).sessionCookie;
    if (cookie) me.csrfToken = csrfTokenFor(cookie);
    return me;
  }
}
