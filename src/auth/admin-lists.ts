import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { PageQuery } from '../common/pagination';
import { formatCst } from '../common/time';
import { Roles } from '../common/access';
import { ROLES, Role } from '../common/principal';
import { ApiKeysRepository } from './api-keys.repository';
import { UsersRepository } from './users.repository';

/** The admin's lists of users and API keys (the console's admin pages), newest first. */

class UserListItemDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'signs in with a password (false: the bootstrap admin, API keys only)' }) hasPassword: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'locked after failed sign-ins until then' }) lockedUntil: string | null;
}

class UserPageDto {
  @ApiProperty({ type: [UserListItemDto] }) items: UserListItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

class ApiKeyListItemDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
  @ApiProperty({ type: String, nullable: true }) createdBy: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) revokedAt: string | null;
}

class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyListItemDto] }) items: ApiKeyListItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

@Injectable()
export class AdminLists {
  constructor(
    private readonly userRows: UsersRepository,
    private readonly keyRows: ApiKeysRepository,
  ) {}

  async users(query: PageQuery): Promise<UserPageDto> {
    const { rows: page, nextCursor } = await this.userRows.page(query);
    return {
      items: page.map((u) => ({
        id: u.id,
        username: u.username,
        role: u.role,
        taxpayerId: u.taxpayerId,
        createdAt: formatCst(u.createdAt),
        hasPassword: u.passwordHash !== null,
        lockedUntil: u.lockedUntil && u.lockedUntil > new Date() ? formatCst(u.lockedUntil) : null,
      })),
      nextCursor,
    };
  }

  async apiKeys(query: PageQuery): Promise<ApiKeyPageDto> {
    const { rows: page, nextCursor } = await this.keyRows.page(query);
    return {
      items: page.map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        taxpayerId: k.taxpayerId,
        createdBy: k.createdBy,
        createdAt: formatCst(k.createdAt),
        revokedAt: k.revokedAt ? formatCst(k.revokedAt) : null,
      })),
      nextCursor,
    };
  }
}

@ApiTags('auth')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1')
export class AdminListsController {
  constructor(private readonly lists: AdminLists) {}

  @Get('users')
  @Roles('admin')
  @ApiOperation({ summary: 'Users, newest first (admin); never a password hash', operationId: 'listUsers' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblems(400)
  users(@Query() query: PageQuery) {
    return this.lists.users(query);
  }

  @Get('api-keys')
  @Roles('admin')
  @ApiOperation({ summary: 'API keys, newest first, revoked ones included (admin); never a token', operationId: 'listApiKeys' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiProblems(400)
  apiKeys(@Query() query: PageQuery) {
    return this.lists.apiKeys(query);
  }
}
