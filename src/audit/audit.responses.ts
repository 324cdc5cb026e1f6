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
  @ApiProperty({ type: Number, nullable: true, description: 'the link where the chain breaks; null for an event outside the chain' }) seq: number | null;
  @ApiProperty({ type: String, nullable: true }) eventId: string | null;
  @ApiProperty() reason: string;
}

class CheckpointDto {
  @ApiProperty() seq: number;
  @ApiProperty() hash: string;
  @ApiProperty({ description: 'when the checkpoint was recorded' }) at: string;
}

export class ChainReportDto {
  @ApiProperty() intact: boolean;
  @ApiProperty({ description: 'links verified by this run' }) checked: number;
  @ApiProperty({ type: CheckpointDto, nullable: true, description: 'the signed checkpoint this run started from; null: from the first link' })
  fromCheckpoint: CheckpointDto | null;
  @ApiProperty({
    type: ChainHeadDto,
    nullable: true,
    description: 'the last link verified; when intact, a signed checkpoint is recorded there and the next call starts from it',
  })
  head: ChainHeadDto | null;
  @ApiProperty({ description: "the chain's last link" }) chainHead: number;
  @ApiProperty({ description: 'whether this run reached the last link (false: call again)' }) complete: boolean;
  @ApiProperty({
    description:
      'events not yet in the chain among those looked at: from five minutes before the checkpoint to five minutes before `head` ' +
      '(to the last event when complete)',
  })
  unsealed: number;
  @ApiProperty({ description: 'of those, events older than the sealer could leave behind: a failure' }) overdue: number;
  @ApiProperty({ type: ChainBreakDto, nullable: true }) brokenAt: ChainBreakDto | null;
}

class FullReportDto {
  @ApiProperty() intact: boolean;
  @ApiProperty() checked: number;
  @ApiProperty({ type: ChainHeadDto, nullable: true }) head: ChainHeadDto | null;
  @ApiProperty() unsealed: number;
  @ApiProperty() overdue: number;
  @ApiProperty({ type: ChainBreakDto, nullable: true }) brokenAt: ChainBreakDto | null;
}

export class AuditVerificationDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['running', 'intact', 'broken', 'failed', 'interrupted'] }) status: string;
  @ApiProperty({ description: 'links checked so far' }) checked: number;
  @ApiProperty({ description: 'links in the chain when the job started' }) total: number;
  @ApiProperty({ description: 'checked / total, from 0 to 1' }) progress: number;
  @ApiProperty({ type: ChainHeadDto }) verifiedTo: ChainHeadDto;
  @ApiProperty({ example: 'user:…' }) requestedBy: string;
  @ApiProperty() startedAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
  @ApiProperty({ type: FullReportDto, nullable: true, description: 'when finished' }) report: FullReportDto | null;
}
