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
