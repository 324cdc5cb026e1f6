import { Controller, Get, Module, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import type { Response } from 'express';
import { CurrentPrincipal } from '../common/access';
import { Principal } from '../common/principal';
import { InvoicesModule } from '../invoices/invoices.module';
import { RenderingModule } from '../rendering/rendering.module';
import { ExportQuery } from './exports.dto';
import { ExportsService } from './exports.service';

const TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8', zip: 'application/zip' };

@ApiTags('audit')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/exports')
class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('invoices')
  @ApiProduces(...Object.values(TYPES))
  @ApiOperation({
    summary:
      'Stream invoices (auditors, tax officers, the taxpayer itself): csv (UTF-8 with BOM) and jsonl one record per line; ' +
      'zip one folder per invoice with XML, PDF, OFD and manifest.csv',
  })
  @ApiResponse({
    status: 200,
    description: 'the export, streamed',
    content: {
      'text/csv': { schema: { type: 'string', format: 'binary' } },
      'application/x-ndjson': { schema: { type: 'string', format: 'binary' } },
      'application/zip': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiProblems(400, 404)
  async invoices(@CurrentPrincipal() p: Principal, @Query() query: ExportQuery, @Res() res: Response) {
    const plan = await this.exports.plan(p, query);
    const format = query.format ?? 'csv';
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    res.status(200);
    res.setHeader('Content-Type', TYPES[format]);
    // Only validated values reach the header: a USCC (digits and capitals), the format (an enum), the time.
    const who = plan.taxId !== null && /^[0-9A-Z]{18}$/.test(plan.taxId) ? plan.taxId : 'all';
    res.setHeader('Content-Disposition', `attachment; filename="invoices-${who}-${stamp}.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    await this.exports[format](res, plan);
    res.end();
  }
}

@Module({
  imports: [InvoicesModule, RenderingModule],
  controllers: [ExportsController],
  providers: [ExportsService],
})
export class ExportsModule {}
