import { Controller, Get, Query, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { AuditEventPageDto, ChainReportDto, AuditVerificationDto } from './audit.responses';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal, tenantScope } from '../common/principal';
import { decodeCursor, encodeCursor, PageQuery, pageLimit } from '../common/pagination';
import { Problems } from '../common/problem';
import { formatCst, parseIsoInstant } from '../common/time';
import { EntityManager } from 'typeorm';
import { orderedAfter, Position } from '../common/keyset';
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

/**
 * The keys (at, id) of one page of the audit list, oldest first: an ordered range of
 * (taxpayer_id, at, id), (taxpayer_id, action, at, id), (action, at, id) or (at, id) (migration
 * 1700000000180), so a date filter is a range of the same index and a page costs what it holds
 * (src/common/keyset.ts). Only the index is read; the events and their links follow by id.
 */
export function auditListQuery(
  em: EntityManager,
  f: { taxId: string | null; from: Date | null; to: Date | null; action: string | null; after: Position | null },
  limit: number,
) {
  const qb = em.createQueryBuilder(AuditEventEntity, 'e').select(['e.at', 'e.id']).where('1 = 1');
  // Named on MySQL/MariaDB: with skewed statistics the optimizer would walk the index of every
  // event (in the list's order) instead, which for a small taxpayer reads everyone's history.
  qb.useIndex(
    f.taxId && f.action ? 'idx_audit_taxpayer_action_time' : f.taxId ? 'idx_audit_taxpayer_time' : f.action ? 'idx_audit_action_time' : 'idx_audit_time',
  );
  if (f.taxId) qb.andWhere('e.taxpayer_id = :taxId', { taxId: f.taxId });
  if (f.action) qb.andWhere('e.action = :action', { action: f.action });
  if (f.from) qb.andWhere('e.at >= :from', { from: f.from });
  if (f.to) qb.andWhere('e.at <= :to', { to: f.to });
  return orderedAfter(qb, 'e.at', 'e.id', 'ASC', f.after, limit);
}

@ApiTags('audit')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly db: Db,
    private readonly chain: AuditChainService,
    private readonly verifications: AuditVerifications,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The append-only record of state changes, oldest first (a taxpayer and a scoped auditor see their own)' })
  @ApiJson(200, AuditEventPageDto, 'a page of events, oldest first')
  @ApiProblems(400)
  async list(@CurrentPrincipal() p: Principal, @Query() query: AuditQuery) {
    const { taxId, outside } = tenantScope(p, query.taxId);
    if (outside) return { items: [], nextCursor: null };
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 2, ([at, id]) => Number.isSafeInteger(at) && typeof id === 'string' && id.length === 36);
    const qb = auditListQuery(
      this.db.dataSource.manager,
      {
        taxId,
        from: instant(query.from, 'from'),
        to: instant(query.to, 'to'),
        action: query.action ?? null,
        after: after && { at: new Date(Number(after[0])), id: String(after[1]) },
      },
      limit + 1,
    );
    const keys = await qb.getMany();
    const rows = keys.length
      ? ((await this.db.dataSource.manager
          .createQueryBuilder(AuditEventEntity, 'e')
          .leftJoinAndMapOne('e.link', AuditChainEntity, 'c', 'c.event_id = e.id')
          .where('e.id IN (:...ids)', { ids: keys.map((k) => k.id) })
          .orderBy('e.at', 'ASC')
          .addOrderBy('e.id', 'ASC')
          .getMany()) as (AuditEventEntity & { link?: AuditChainEntity })[])
      : [];
    const page = rows.slice(0, limit);
    return {
      items: page.map((e) => ({
        id: e.id,
        seq: e.link ? Number(e.link.seq) : null,
        at: formatCst(e.at),
        actor: e.actor,
        actorRole: e.actorRole,
        action: e.action,
        objectType: e.objectType,
        objectId: e.objectId,
        taxpayerId: e.taxpayerId,
        before: e.before === null ? null : JSON.parse(e.before),
        after: e.after === null ? null : JSON.parse(e.after),
        hash: e.link?.hash ?? null,
      })),
      nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].at.getTime(), page[page.length - 1].id]) : null,
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
  @ApiJson(200, ChainReportDto, 'the verification')
  async verify(@CurrentPrincipal() p: Principal) {
    this.wholeChain(p);
    return this.chain.verify();
  }

  @Post('verifications')
  @Roles('tax_officer')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Start a full re-verification of the chain from its first link, in the background ' +
      '(tax officers and admins: auditors change nothing); read its progress at GET verifications/{id}',
  })
  @ApiJson(202, AuditVerificationDto, 'the job, running')
  @ApiProblems(403)
  async startVerification(@CurrentPrincipal() p: Principal) {
    this.wholeChain(p);
    return this.verifications.start(p);
  }

  @Get('verifications/:id')
  @Roles('auditor', 'tax_officer')
  @ApiOperation({
    summary: 'A full verification: status running | intact | broken | failed | interrupted, links checked of total, and its report when finished',
  })
  @ApiJson(200, AuditVerificationDto, 'the job: its progress, and its report when finished')
  @ApiProblems(403, 404)
  async verification(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    this.wholeChain(p);
    return this.verifications.get(id);
  }

  private wholeChain(p: Principal): void {
    if (p.role === 'auditor' && p.taxpayerId !== null) throw Problems.forbidden('the whole chain is verified by an unscoped auditor or a tax officer');
  }
}
