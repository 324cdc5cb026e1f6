import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { CurrentPrincipal, Public, Roles } from '../common/access';
import type { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { SigningKeysService } from './signing-keys.service';

class SigningKeyDto {
  @ApiProperty({ example: 'sm2-3f9a0c5e1b2d4a67' }) keyId: string;
  @ApiProperty({ example: 'SM2' }) algorithm: string;
  @ApiProperty({ description: 'SubjectPublicKeyInfo PEM (id-ecPublicKey, curve SM2 1.2.156.10197.1.301): what `openssl pkeyutl -pubin -inkey` reads' })
  publicKeyPem: string;
  @ApiProperty({ example: '2026-11-30T08:00:00.000Z' }) validFrom: string;
  @ApiPropertyOptional({ nullable: true, description: 'null for the current key; set when a rotation replaced it' }) validTo: string | null;
}

class SigningKeysDto {
  @ApiProperty({ type: [SigningKeyDto] }) items: SigningKeyDto[];
}

/** The platform's public signing keys (SPEC section 8, API.md "The platform's signing keys"). */
@ApiTags('platform')
@Controller('v1/platform/signing-keys')
export class PlatformController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get()
  @Public()
  @ApiOkResponse({ type: SigningKeysDto })
  @ApiProblems(429, 500)
  @ApiOperation({ summary: 'Every SM2 key that has signed (or signs) XML files, the current one (validTo null) included; public halves only, no token needed' })
  async list(): Promise<SigningKeysDto> {
    return { items: await this.keys.published() };
  }

  @Post('rotate')
  @HttpCode(201)
  @Roles('admin')
  @Idempotent()
  @ApiAuth()
  @ApiAuthenticatedProblems()
  @ApiJson(
    201,
    SigningKeyDto,
    'the new current key (its public half: the private key is never in an answer); a duplicate with the same Idempotency-Key replays it',
  )
  @ApiProblems(409)
  @ApiOperation({
    summary:
      'Admin: make a new SM2 key current; the previous key gets validTo and stays published (files it signed still verify). ' +
      'Audited as platform.signing_key_rotated; two rotations at once make one key',
  })
  rotate(@CurrentPrincipal() principal: Principal, @IdempotencyRecorder() record: RecordResponse): Promise<SigningKeyDto> {
    return this.keys.rotate(principal, record);
  }
}
