import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { AuditEventPageDto, ChainReportDto } from './audit.responses';
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
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly db: Db,
    private readonly chain: AuditChainService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The append-only record of state changes, oldest first (a taxpayer and a scoped auditor see their own)' })
  @ApiJson(200, AuditEventPageDto, 'a page of events, oldest first')
  @ApiProblems(400)
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
  @ApiOperation({ summary: 'Whether the hash chain of audit events is intact, and where it breaks' })
  @ApiJson(200, ChainReportDto, 'the verification')
  async verify(@CurrentPrincipal() p: Principal) {
    if (p.role === 'auditor' && p.taxpayerId !== null) throw Problems.forbidden('the whole chain is verified by an unscoped auditor or a tax officer');
    return this.chain.verify();
  }
}
