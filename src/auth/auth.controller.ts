import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { CurrentPrincipal, Public, Roles } from '../common/access';
import { CreateApiKeyDto, CreateUserDto, LoginDto } from './auth.dto';
import { AuthService } from './auth.service';
import { Principal } from '../common/principal';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('users')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a user (admin)' })
  createUser(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.auth.createUser(principal, dto, record);
  }

  @Post('api-keys')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create an API key (admin); the token is shown once' })
  @ApiCreatedResponse({
    description: '{ id, name, role, taxpayerId, token, createdAt }. A replay (same Idempotency-Key and body) answers the same key with token null: the token is kept only as a digest and shown once',
  })
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.auth.createApiKey(principal, dto, record);
  }

  @Delete('api-keys/:id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (admin); revoking twice is a no-op' })
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('API key') })) id: string,
  ) {
    await this.auth.revokeApiKey(principal, id);
  }

  @Post('auth/sessions')
  @Public()
  @ApiOperation({ summary: 'Sign in with username and password; returns a session token' })
  login(@Body() dto: LoginDto, @Req() req: Request) {
    return this.auth.login(dto, req.ip ?? 'unknown');
  }

  @Delete('auth/sessions/current')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: revoke the session token used for this call' })
  async logout(@CurrentPrincipal() principal: Principal) {
    await this.auth.logout(principal);
  }

  @Get('auth/me')
  @ApiOperation({ summary: 'Who the bearer token belongs to' })
  me(@CurrentPrincipal() principal: Principal) {
    return { kind: principal.kind, id: principal.id, role: principal.role, taxpayerId: principal.taxpayerId };
  }
}
