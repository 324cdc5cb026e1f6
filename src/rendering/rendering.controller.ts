import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../common/access';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { Principal } from '../common/principal';
import { sendFile } from '../invoices/invoice-files';
import { RenderingService } from './rendering.service';

/**
 * An invoice's files by their own paths: the XML data file, the PDF and OFD faces
 * (GET /v1/invoices/{number} itself, with Accept, is the invoices controller's).
 */
@ApiTags('invoices')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/invoices')
export class RenderingController {
  constructor(private readonly rendering: RenderingService) {}

  @Get(':number/xml')
  @ApiProduces('application/xml')
  @ApiOperation({ summary: 'The XML data file (the national format, SPEC section 8)' })
  @ApiResponse({ status: 200, description: 'the XML data file', content: { 'application/xml': { schema: { type: 'string' } } } })
  @ApiProblems(404, 503)
  async xml(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return sendFile(res, await this.rendering.render(p, number, 'xml'));
  }

  @Get(':number/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The invoice face as PDF' })
  @ApiResponse({ status: 200, description: 'the PDF', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems(404, 503)
  async pdf(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return sendFile(res, await this.rendering.render(p, number, 'pdf'));
  }

  @Get(':number/ofd')
  @ApiProduces('application/ofd')
  @ApiOperation({ summary: 'The invoice face as OFD (GB/T 33190-2016), with the XML data file attached' })
  @ApiResponse({ status: 200, description: 'the OFD', content: { 'application/ofd': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems(404, 503)
  async ofd(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Res({ passthrough: true }) res: Response) {
    return sendFile(res, await this.rendering.render(p, number, 'ofd'));
  }
}
