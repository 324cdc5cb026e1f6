import { Controller, Get, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { InvoiceViewDto } from '../invoices/invoice.responses';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../common/access';
import { Principal } from '../common/principal';
import { ProblemException } from '../common/problem';
import { InvoicesService } from '../invoices/invoices.service';
import { Format, Rendered, RenderingService } from './rendering.service';

const ACCEPTED: Record<string, Format | 'json'> = {
  'application/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/pdf': 'pdf',
  'application/ofd': 'ofd',
};

function file(res: Response, rendered: Rendered): StreamableFile {
  res.setHeader('Content-Type', rendered.type);
  res.setHeader('Content-Disposition', `inline; filename="${rendered.filename}"`);
  res.setHeader('Content-Length', String(rendered.body.length));
  return new StreamableFile(rendered.body);
}

/** An invoice's representations: JSON, the XML data file, the PDF and OFD faces. */
@ApiTags('invoices')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/invoices')
export class RenderingController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly rendering: RenderingService,
  ) {}

  @Get(':number')
  @ApiProduces('application/json', 'application/xml', 'application/pdf', 'application/ofd')
  @ApiOperation({ summary: 'An invoice (its seller, its buyer, auditors in scope, tax officers); Accept chooses JSON, XML, PDF or OFD' })
  @ApiResponse({
    status: 200,
    description: 'the invoice as JSON, or its XML, PDF or OFD by Accept',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(InvoiceViewDto) } },
      'application/xml': { schema: { type: 'string' } },
      'application/pdf': { schema: { type: 'string', format: 'binary' } },
      'application/ofd': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiExtraModels(InvoiceViewDto)
  @ApiProblems(404, 406)
  async get(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const best = req.accepts(Object.keys(ACCEPTED));
    if (!best) throw new ProblemException(406, 'NOT_ACCEPTABLE', `an invoice is available as ${Object.keys(ACCEPTED).join(', ')}`);
    res.vary('Accept');
    const format = ACCEPTED[best];
    if (format === 'json') return this.invoices.get(p, number);
    return file(res, await this.rendering.render(p, number, format));
  }

  @Get(':number/xml')
  @ApiProduces('application/xml')
  @ApiOperation({ summary: 'The XML data file (the national format, SPEC section 8)' })
  @ApiResponse({ status: 200, description: 'the XML data file', content: { 'application/xml': { schema: { type: 'string' } } } })
  @ApiProblems(404)
  async xml(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return file(res, await this.rendering.render(p, number, 'xml'));
  }

  @Get(':number/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The invoice face as PDF' })
  @ApiResponse({ status: 200, description: 'the PDF', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems(404)
  async pdf(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return file(res, await this.rendering.render(p, number, 'pdf'));
  }

  @Get(':number/ofd')
  @ApiProduces('application/ofd')
  @ApiOperation({ summary: 'The invoice face as OFD (GB/T 33190-2016), with the XML data file attached' })
  @ApiResponse({ status: 200, description: 'the OFD', content: { 'application/ofd': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems(404)
  async ofd(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return file(res, await this.rendering.render(p, number, 'ofd'));
  }
}
