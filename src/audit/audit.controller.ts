import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor, PageQuery, pageLimit } from '../common/pagination';
import { Problems } from '../common/problem';
import { formatCst, parseIsoInstant } from '../common/time';
import { Db } from '../database/db.service';
import { AuditChainEntity } from './audit-chain.entity';
import { AuditChainService } from './audit-chain.service';
import { AuditEventEntity } from './audit-event.entity';
import { AuditVerifications } from './audit-verifications.service';

class AuditQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(18, 18) taxId?: string;
  @ApiPropertyOptional({ description: 'ISO 8601 instant, inclusive (business time)' }) @IsOptional() @IsString() @MaxLength(40) from?: string;
  @ApiPropertyOptional({ description: 'ISO 8601 instant, inclusive' }) @IsOptional() @IsString() @MaxLength(40) to?: string;
  @ApiPropertyOptional({ example: 'invoice.issued' }) @IsOptional() @Matches(/^[a-z_.]{1,60}$/) action?: string;
}

const instant = (value: string | undefined, field: string) => {
  if (value === undefined) return null;
  const parsed = parseIsoInstant(value);
  if (!parsed) throw Problems.field(field, 'must be an ISO 8601 instant with an offset');
  return parsed;
};

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly db: Db,
    private readonly chain: AuditChainService,
    private readonly verifications: AuditVerifications,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The append-only record of state changes, oldest first (a taxpayer and a scoped auditor see their own)' })
  async list(@CurrentPrincipal() p: Principal, @Query() query: AuditQuery) {
    const scoped = p.role === 'taxpayer' || (p.role === 'auditor' && p.taxpayerId !== null);
    if (scoped && query.taxId && query.taxId !== p.taxpayerId) return { items: [], nextCursor: null };
    const taxId = scoped ? p.taxpayerId : (query.taxId ?? null);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 1, ([id]) => typeof id === 'string' && id.length === 36);
    const qb = this.db.dataSource.manager
      .createQueryBuilder(AuditEventEntity, 'e')
      .leftJoinAndMapOne('e.link', AuditChainEntity, 'c', 'c.event_id = e.id')
      .where('1 = 1');
    if (taxId) qb.andWhere('e.taxpayer_id = :taxId', { taxId });
    const from = instant(query.from, 'from');
    const to = instant(query.to, 'to');
    if (from) qb.andWhere('e.at >= :from', { from });
    if (to) qb.andWhere('e.at <= :to', { to });
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (after) qb.andWhere('e.id > :after', { after: String(after[0]) });
    const rows = (await qb.orderBy('e.id', 'ASC').take(limit + 1).getMany()) as (AuditEventEntity & { link?: AuditChainEntity })[];
    const page = rows.slice(0, limit);
    return {
      items: page.map((e) => ({
        id: e.id, seq: e.link ? Number(e.link.seq) : null, at: formatCst(e.at), actor: e.actor, actorRole: e.actorRole, action: e.action,
        objectType: e.objectType, objectId: e.objectId, taxpayerId: e.taxpayerId,
        before: e.before === null ? null : JSON.parse(e.before), after: e.after === null ? null : JSON.parse(e.after), hash: e.link?.hash ?? null,
      })),
      nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null,
    };
  }

  @Get('verify')
  @Roles('auditor', 'tax_officer')
  @ApiOperation({
    summary: 'Whether the hash chain of audit events is intact, and where it breaks',
    description:
      'Incremental: seals what is pending, then verifies from the newest signed checkpoint (`fromCheckpoint`; null: from the first link) ' +
      'up to 50,000 links (`complete` false when the chain goes further: call again), reports events the sealer will never reach ' +
      '(`overdue`, a failure) and records a new checkpoint at `head`. Tampering before a checkpoint is found by a full run (POST verifications).',
  })
  async verify(@CurrentPrincipal() p: Principal) {
    this.wholeChain(p);
    return this.chain.verify();
  }

  @Post('verifications')
  @Roles('auditor', 'tax_officer')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a full re-verification of the chain from its first link, in the background; read its progress at GET verifications/{id}' })
  @ApiAcceptedResponse({ description: '{ id, status: running, checked, total, progress, verifiedTo, report: null, ... }' })
  async startVerification(@CurrentPrincipal() p: Principal) {
    this.wholeChain(p);
    return this.verifications.start(p);
  }

  @Get('verifications/:id')
  @Roles('auditor', 'tax_officer')
  @ApiOperation({ summary: 'A full verification: status running | intact | broken | failed | interrupted, links checked of total, and its report when finished' })
  @ApiOkResponse({ description: '{ id, status, checked, total, progress, verifiedTo: { seq, hash }, startedAt, updatedAt, finishedAt, report: { intact, checked, head, unsealed, overdue, brokenAt } | null }' })
  async verification(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    this.wholeChain(p);
    return this.verifications.get(id);
  }

  private wholeChain(p: Principal): void {
    if (p.role === 'auditor' && p.taxpayerId !== null) throw Problems.forbidden('the whole chain is verified by an unscoped auditor or a tax officer');
  }
}
