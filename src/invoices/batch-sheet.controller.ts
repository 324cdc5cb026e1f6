import { Controller, Get, HttpCode, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems, FieldErrorDto } from '../common/openapi';
import { FieldError, ProblemException, Problems } from '../common/problem';
import { validated } from '../common/validation';
import { buildTemplate, columnOf, readSheet, SheetRowResult } from './batch-sheet';
import { IssueInvoiceDto } from './invoice.dto';
import { PreviewInvoice } from './use-cases';

export const MAX_SHEET_BYTES = 5 * 1024 * 1024;

class SheetRowDto {
  @ApiProperty({ example: 2, description: 'the spreadsheet row (the header is row 1)' }) row: number;
  @ApiProperty({ type: Number, nullable: true, description: 'index in `invoices` of the invoice this row is a line of; null when that invoice has errors' })
  invoiceIndex: number | null;
  @ApiProperty({ type: [FieldErrorDto], description: 'field: the column (e.g. 税率); empty when the row is fine' }) errors: FieldErrorDto[];
}

class SheetParseDto {
  @ApiProperty({
    type: [IssueInvoiceDto],
    description: 'issue bodies, one per 发票流水号 without errors: send them to POST /v1/invoices/batch (in chunks, each with its Idempotency-Key)',
  })
  invoices: IssueInvoiceDto[];
  @ApiProperty({ type: [SheetRowDto] }) rows: SheetRowDto[];
}

class SheetUploadDto {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'the filled-in template (.xlsx, at most 5 MB)' }) file: unknown;
}

interface UploadedSheet {
  buffer: Buffer;
  size: number;
}

@ApiTags('invoices')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/invoices/batch')
export class BatchSheetController {
  constructor(private readonly previewInvoice: PreviewInvoice) {}

  @Get('template.xlsx')
  @ApiOperation({
    summary: '批量开具 template: a sheet with the columns in Chinese and an example row, and a sheet explaining them',
    operationId: 'getBatchTemplate',
  })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({
    description: 'the .xlsx workbook',
    content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } } },
  })
  async template(@Res() res: Response): Promise<void> {
    const body = await buildTemplate();
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="batch-template.xlsx"; filename*=UTF-8''${encodeURIComponent('批量开具模板.xlsx')}`);
    res.send(body);
  }

  @Post('xlsx-parse')
  @Roles('taxpayer')
  @HttpCode(200)
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_SHEET_BYTES, files: 1 } }))
  @ApiOperation({
    summary: 'Read a filled-in 批量开具 workbook into issue bodies, checked as issuing checks them; nothing is issued',
    description: 'multipart/form-data with the field `file`. One invoice per 发票流水号; every row is answered with its invoice or its errors.',
    operationId: 'parseBatchSheet',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: SheetUploadDto })
  @ApiOkResponse({ type: SheetParseDto })
  @ApiProblems(400, 413)
  async parse(@CurrentPrincipal() p: Principal, @UploadedFile() file: UploadedSheet | undefined): Promise<SheetParseDto> {
    if (!file) throw Problems.field('file', 'send the workbook as the multipart field "file"');
    const read = await readSheet(file.buffer);
    if ('fileError' in read) throw Problems.field('file', read.fileError);
    const byRow = new Map<number, SheetRowResult>(read.rows.map((r) => [r.row, r]));
    const invoices: IssueInvoiceDto[] = [];
    for (const group of read.groups) {
      let failed = [...group.errors.values()].some((e) => e.length > 0);
      if (!failed) {
        try {
          const dto = validated(IssueInvoiceDto, group.body);
          await this.previewInvoice.execute(p, dto);
          invoices.push(group.body as unknown as IssueInvoiceDto);
          for (const r of group.rows) byRow.get(r)!.invoiceIndex = invoices.length - 1;
          continue;
        } catch (error) {
          if (!(error instanceof ProblemException)) throw error;
          failed = true;
          const body = error.toBody();
          const errors = (body.errors as FieldError[] | undefined) ?? [{ field: '', message: body.detail }];
          for (const e of errors) {
            const { line, header } = columnOf(e.field);
            const row = line !== null && group.rows[line] !== undefined ? group.rows[line] : group.rows[0];
            byRow.get(row)!.errors.push({ field: header, message: e.message });
          }
        }
      }
      if (failed) {
        for (const r of group.rows) {
          const result = byRow.get(r)!;
          if (result.errors.length === 0) result.errors.push({ field: '发票流水号', message: '同一发票的其他行有错误，整张发票未读入' });
        }
      }
    }
    return { invoices, rows: read.rows };
  }
}
