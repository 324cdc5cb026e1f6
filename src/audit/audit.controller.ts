import { Controller, Get, Query, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { AuditEventPageDto, ChainReportDto, AuditVerificationDto } from './audit.responses';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal, tenantScope } from '../common/principal';
import { decodeCursor, PageQuery, pageLimit } from '../common/pagination';
import { Problems } from '../common/problem';
import { parseIsoInstant } from '../common/time';
import { AuditChainService } from './audit-chain.service';
import { AuditService } from './audit.service';
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
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
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
    return this.audit.list(
      {
        taxId,
        from: instant(query.from, 'from'),
        to: instant(query.to, 'to'),
        action: query.action ?? null,
        after: after && { at: new Date(Number(after[0])), id: String(after[1]) },
      },
      limit,
    );
  }

  @Get('verify')
  @Roles('auditor', 'tax_officer')
  @ApiOperation({
    summary: 'Whether the hash chain of audit events is intact, and where it breaks',
    description:
      'Incremental: seals what is pending, then verifies from the newest signed checkpoint (`fromCheckpoint`; null: from the first link) ' +
      'up to AUDIT_VERIFY_LINKS_PER_REQUEST links (50,000 by default) to `head` (`complete` false when the chain goes further: call again, ' +
      'and the next call continues from `head`). It checks the events it answers for (up to five minutes before `head`, or all when it reached ' +
      "the chain's head): one the sealer will never reach is a failure (`overdue`, `brokenAt.seq` null). When intact it records a signed " +
      'checkpoint at `head`, complete or not. Tampering before a checkpoint is found by a full run (POST verifications).',
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
