import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, Role } from '../common/principal';

export class CreateUserDto {
  @ApiProperty({ example: 'finance.zhang', description: '3-64 of letters, digits and . _ @ -; case-insensitive' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{3,64}$/, { message: 'must be 3 to 64 letters, digits or . _ @ -' })
  username: string;

  @ApiProperty({ minLength: 12, maxLength: 72, description: 'at least 12 characters; stored with bcrypt' })
  @IsString()
  @MinLength(12)
  @MaxLength(72)
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ description: 'required for role taxpayer; optional for auditor (unscoped when absent)' })
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxpayerId?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ERP production' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ description: 'required for role taxpayer; optional for auditor' })
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxpayerId?: string;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MaxLength(64)
  username: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  password: string;
}

// ---- Response shapes (OpenAPI) ----

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'finance.zhang' }) username: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true, example: '91220000000000001X' }) taxpayerId: string | null;
  @ApiProperty({ example: '2026-11-30T10:00:00+08:00' }) createdAt: string;
}

export class SessionsRevokedDto {
  @ApiProperty({ example: 2, description: "how many of the user's live sessions were ended (0 when none was live)" }) revoked: number;
}

export class ApiKeyCreatedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ERP production' }) name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
  @ApiProperty({ example: 'eik_…', description: 'shown only in this answer; only its SHA-256 digest is kept' }) token: string;
  @ApiProperty({ example: '2026-11-30T10:00:00+08:00' }) createdAt: string;
}

export class SessionTokenDto {
  @ApiProperty({ example: 'eis_…', description: 'send as Authorization: Bearer <token>' }) token: string;
  @ApiProperty({ example: '2026-11-30T18:00:00+08:00' }) expiresAt: string;
}

export class SessionUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'finance.zhang' }) username: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
}

/** The console's sign-in (X-Einvoice-Client: console): the token is in the cookie, never in the body. */
export class BrowserSessionDto {
  @ApiProperty({ example: '2026-11-30T18:00:00+08:00' }) expiresAt: string;
  @ApiProperty({ description: 'send as X-CSRF-Token on every POST/PUT/PATCH/DELETE authenticated by the cookie' }) csrfToken: string;
  @ApiProperty({ type: SessionUserDto }) user: SessionUserDto;
}

export class MeDto {
  @ApiProperty({ enum: ['api_key', 'session'] }) kind: 'api_key' | 'session';
  @ApiProperty({ format: 'uuid', description: "the API key's or the session's id" }) id: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
  @ApiPropertyOptional({ description: 'sessions: the signed-in user' }) username?: string;
  @ApiPropertyOptional({ description: 'only when called with the session cookie: the CSRF token for unsafe requests' }) csrfToken?: string;
}
