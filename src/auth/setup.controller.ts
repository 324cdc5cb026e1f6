import { Body, Controller, Get, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ApiJson, ApiProblems } from '../common/openapi';
import { Public } from '../common/access';
import { UserDto } from './auth.dto';
import { SetupService } from './setup.service';

export class SetupDto {
  @ApiProperty({ example: 'K7QM-4XPD', description: 'the code the service printed in its log at start (case and dash do not matter)' })
  @IsString()
  @MaxLength(20)
  setupCode: string;

  @ApiProperty({ example: 'admin', description: '3-64 of letters, digits and . _ @ -; case-insensitive' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{3,64}$/, { message: 'must be 3 to 64 letters, digits or . _ @ -' })
  username: string;

  @ApiProperty({ minLength: 12, maxLength: 72, description: 'at least 12 characters; stored with bcrypt' })
  @IsString()
  @MinLength(12)
  @MaxLength(72)
  password: string;
}

export class SetupStatusDto {
  @ApiProperty({ description: 'true while no admin exists: the console shows its first-start page' })
  needed: boolean;
}

@ApiTags('setup')
@Controller('v1/setup')
export class SetupController {
  constructor(private readonly setup: SetupService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Whether the first admin still has to be created (no authentication)', operationId: 'getSetupStatus' })
  @ApiOkResponse({ type: SetupStatusDto })
  @ApiProblems(429, 500)
  async status(): Promise<SetupStatusDto> {
    return { needed: await this.setup.needed() };
  }

  @Post()
  @Public()
  @ApiOperation({
    summary: 'First start: create the first admin with the one-time setup code printed in the log',
    description:
      'The code is spent by the first success (on every process); a wrong, expired or spent code is 403; attempts are limited per client IP like sign-ins.',
    operationId: 'createFirstAdmin',
  })
  @ApiJson(201, UserDto, 'the first admin; sign in with POST /v1/auth/sessions')
  @ApiProblems(400, 403, 409, 429, 500)
  create(@Body() dto: SetupDto, @Req() req: Request) {
    return this.setup.createFirstAdmin(dto, req.ip ?? 'unknown');
  }
}
