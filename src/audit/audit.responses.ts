import { ApiProperty } from '@nestjs/swagger';

export class AuditEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ type: Number, nullable: true, description: 'its link in the hash chain, once sealed' }) seq: number | null;
  @ApiProperty() at: string;
  @ApiProperty({ example: 'user:…' }) actor: string;
  @ApiProperty({ type: String, nullable: true }) actorRole: string | null;
  @ApiProperty({ example: 'invoice.issued' }) action: string;
  @ApiProperty() objectType: string;
  @ApiProperty() objectId: string;
  @ApiProperty({ type: String, nullable: true }) taxpayerId: string | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true }) before: object | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true }) after: object | null;
  @ApiProperty({ type: String, nullable: true }) hash: string | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

class ChainHeadDto {
  @ApiProperty() seq: number;
  @ApiProperty() hash: string;
}

class ChainBreakDto {
  @ApiProperty() seq: number;
  @ApiProperty({ type: String, nullable: true }) eventId: string | null;
  @ApiProperty() reason: string;
}

export class ChainReportDto {
  @ApiProperty() intact: boolean;
  @ApiProperty() checked: number;
  @ApiProperty({ type: ChainHeadDto, nullable: true }) head: ChainHeadDto | null;
  @ApiProperty() unsealed: number;
  @ApiProperty({ type: ChainBreakDto, nullable: true }) brokenAt: ChainBreakDto | null;
}
