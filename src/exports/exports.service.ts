import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { canRead, Principal, tenantScope } from '../common/principal';
import { batchAt } from '../common/keyset';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { Problems } from '../common/problem';
import { parseIsoInstant } from '../common/time';
import { InvoiceEntity, InvoiceLineEntity } from '../invoices/invoice.entities';
import { InvoiceFilter, InvoiceKey, takeKeys } from '../invoices/invoice-scan';
import { invoiceView } from '../invoices/invoice.view';
import { InvoicesRepository } from '../invoices/invoices.repository';
import { InvoicesService } from '../invoices/invoices.service';
import { RenderingService } from '../rendering/rendering.service';
import type { ExportQuery } from './exports.dto';

/**
 * Keys read per branch and invoices written per chunk: a list page's worth first, doubling up to
 * 500, so the first byte costs a page (issue 17) and the rest is read in large batches.
 */
export const EXPORT_BATCH = { first: 50, max: 500 };
const DAY_MS = 24 * 3600 * 1000;

export const CSV_COLUMNS = [
  'number',
  'type',
  'medium',
  'color',
  'status',
  'issuedAt',
  'period',
  'sellerTaxId',
  'sellerName',
  'buyerTaxId',
  'buyerName',
  'totalAmount',
  'totalTax',
  'totalWithTax',
  'blueInvoiceNumber',
  'lineNo',
  'itemName',
  'taxClassificationCode',
  'spec',
  'unit',
  'quantity',
  'unitPrice',
  'amount',
  'taxRate',
  'taxAmount',
  'lineNature',
  'differentialKind',
  'deduction',
  'exportCursor',
] as const;
/** Free text a client wrote: guarded against spreadsheet formula injection. */
const TEXT_COLUMNS = new Set(['sellerName', 'buyerName', 'itemName', 'spec', 'unit']);

/** RFC 4180 field; text cells starting like a formula get a leading apostrophe (OWASP CSV injection). */
export function csvField(column: string, value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (TEXT_COLUMNS.has(column) && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function boundary(value: string | undefined, field: string, end: boolean): Date | null {
  if (value === undefined) return null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseIsoInstant(`${value}T00:00:00+08:00`) : parseIsoInstant(value);
  if (!date) throw Problems.field(field, 'must be a date YYYY-MM-DD (Beijing) or an ISO 8601 instant with an offset');
  return end && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(date.getTime() + DAY_MS - 1) : date;
}

export interface ExportPlan {
  /** The validated taxpayer (a unified social credit code) or null for every taxpayer. */
  taxId: string | null;
  filter: InvoiceFilter;
  after: InvoiceKey | null;
}

/** Whether the invoice belongs to the export: the caller may read it and it matches the taxpayer and direction. */
function inExport(principal: Principal, filter: InvoiceFilter, invoice: InvoiceEntity): boolean {
  if (!canRead(principal, invoice.sellerTaxId) && !canRead(principal, invoice.buyerTaxId)) return false;
  if (!filter.taxId) return true;
  const seller = invoice.sellerTaxId === filter.taxId;
  const buyer = invoice.buyerTaxId === filter.taxId;
  return filter.direction === 'issued' ? seller : filter.direction === 'received' ? buyer : seller || buyer;
}

/** Waits for the socket to drain when its buffer is full: the export never runs ahead of the client. */
async function write(res: Response, chunk: string | Uint8Array): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Auditors' exports (API.md "Audit and export"): read in keyset pages straight into the response,
 * with backpressure, so memory stays flat whatever the size. Ordered by (issued_at, number); each
 * record carries an `exportCursor` to resume after its invoice (`?cursor=`), or resume with
 * `?after=<invoice number>`.
 */
@Injectable()
export class ExportsService {
  constructor(
    private readonly repository: InvoicesRepository,
    private readonly invoices: InvoicesService,
    private readonly rendering: RenderingService,
  ) {}

  /**
   * Validates everything before the first byte is sent (errors are problem details until then).
   * `after=<number>` resumes after an invoice of this export only: a number of an invoice the
   * caller may not see, or outside the export's taxpayer and direction, answers exactly like a
   * number that does not exist (issue 11, item 8: no existence oracle).
   */
  async plan(principal: Principal, query: ExportQuery): Promise<ExportPlan> {
    const { taxId, outside } = tenantScope(principal, query.taxId);
    if (outside) throw Problems.notFound(`taxpayer ${query.taxId}`);
    const filter: InvoiceFilter = {
      taxId,
      direction: query.direction ?? 'both',
      from: boundary(query.from, 'from', false),
      to: boundary(query.to, 'to', true),
      color: query.color,
      type: query.type,
      status: query.status,
    };
    let after: InvoiceKey | null = null;
    const cursor = decodeCursor(query.cursor, 2, ([at, n]) => Number.isSafeInteger(at) && (at as number) >= 0 && /^\d{20}$/.test(String(n)));
    if (cursor) after = { issuedAt: new Date(Number(cursor[0])), number: String(cursor[1]) };
    if (query.after) {
      const invoice = await this.repository.find(query.after);
      if (!invoice || !inExport(principal, filter, invoice))
        throw Problems.field('after', `is not an invoice of this export (${query.after}); resume with an exportCursor or a number from this export`);
      after = { issuedAt: invoice.issuedAt, number: invoice.number };
    }
    return { taxId, filter, after };
  }

  private async *pages(plan: ExportPlan): AsyncGenerator<{ invoices: InvoiceEntity[]; lines: InvoiceLineEntity[] }> {
    // Oldest first: the branches of the filter merged in order (src/invoices/invoice-scan.ts).
    const keys = this.repository.scan(plan.filter, 'ASC', plan.after, EXPORT_BATCH);
    for (let n = 0; ; n++) {
      const size = batchAt(EXPORT_BATCH, n);
      const page = await takeKeys(keys, size);
      if (!page.length) return;
      yield await this.repository.page(page);
      if (page.length < size) return;
    }
  }

  private records(invoice: InvoiceEntity, lines: InvoiceLineEntity[]): Record<string, unknown>[] {
    const view = invoiceView(invoice, lines);
    const exportCursor = encodeCursor([invoice.issuedAt.getTime(), invoice.number]);
    return view.lines.map((line) => ({
      number: view.number,
      type: view.type,
      medium: view.medium,
      color: view.color,
      status: view.status,
      issuedAt: view.issuedAt,
      period: invoice.period,
      sellerTaxId: view.seller.taxId,
      sellerName: view.seller.name,
      buyerTaxId: view.buyer.taxId,
      buyerName: view.buyer.name,
      totalAmount: view.totalAmount,
      totalTax: view.totalTax,
      totalWithTax: view.totalWithTax,
      blueInvoiceNumber: view.blueInvoiceNumber,
      lineNo: line.lineNo,
      itemName: line.name,
      taxClassificationCode: line.taxClassificationCode,
      spec: line.spec,
      unit: line.unit,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      amount: line.amount,
      taxRate: line.taxRate,
      taxAmount: line.taxAmount,
      // 发票行性质 (normal, discounted, discount) and the invoice's 差额征税 kind and deduction (empty when none).
      lineNature: line.lineNature,
      differentialKind: view.differentialTaxation?.kind ?? null,
      deduction: view.differentialTaxation?.deduction ?? null,
      exportCursor,
    }));
  }

  async csv(res: Response, plan: ExportPlan): Promise<void> {
    await write(res, `\uFEFF${CSV_COLUMNS.join(',')}\r\n`);
    for await (const { invoices, lines } of this.pages(plan)) {
      if (res.destroyed) return;
      let chunk = '';
      for (const invoice of invoices) {
        for (const record of this.records(
          invoice,
          lines.filter((l) => l.invoiceNumber === invoice.number),
        )) {
          chunk += `${CSV_COLUMNS.map((c) => csvField(c, record[c])).join(',')}\r\n`;
        }
      }
      await write(res, chunk);
    }
  }

  async jsonl(res: Response, plan: ExportPlan): Promise<void> {
    for await (const { invoices, lines } of this.pages(plan)) {
      if (res.destroyed) return;
      let chunk = '';
      for (const invoice of invoices) {
        for (const record of this.records(
          invoice,
          lines.filter((l) => l.invoiceNumber === invoice.number),
        ))
          chunk += `${JSON.stringify(record)}\n`;
      }
      await write(res, chunk);
    }
  }

  /**
   * One folder per invoice with its XML, PDF and OFD, and manifest.csv with every file's SHA-256
   * last. The manifest's rows wait in a temporary file, not in memory, until the end.
   */
  async zip(res: Response, plan: ExportPlan): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    const zip = new Zip((error, chunk) => {
      if (error) res.destroy(error);
      else pending = pending.then(() => write(res, chunk));
    });
    const manifestFile = path.join(os.tmpdir(), `einvoice-manifest-${randomUUID()}.csv`);
    fs.writeFileSync(manifestFile, 'path,sha256,bytes,exportCursor\r\n');
    try {
      for await (const { invoices, lines } of this.pages(plan)) {
        for (const invoice of await this.invoices.readModels(invoices, lines)) {
          if (res.destroyed) return;
          // The manifest's cursor is to the second (the instant as the API prints it), as it always was.
          const cursor = encodeCursor([Math.floor(invoice.issuedAt.getTime() / 1000) * 1000, invoice.number]);
          const files = await Promise.all((['xml', 'pdf', 'ofd'] as const).map((f) => this.rendering.renderInvoice(invoice, f)));
          let rows = '';
          for (const file of files) {
            const name = `${invoice.number}/${file.filename}`;
            const entry = file.filename.endsWith('.xml') ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
            zip.add(entry);
            entry.push(file.body, true);
            rows += `${name},${createHash('sha256').update(file.body).digest('hex')},${file.body.length},${cursor}\r\n`;
          }
          fs.appendFileSync(manifestFile, rows);
          await pending; // backpressure: one invoice at a time, at the client's pace
        }
      }
      const manifest = new ZipDeflate('manifest.csv', { level: 6 });
      zip.add(manifest);
      for await (const chunk of fs.createReadStream(manifestFile, { highWaterMark: 256 * 1024 })) {
        manifest.push(chunk as Buffer, false);
        await pending;
      }
      manifest.push(new Uint8Array(0), true);
      zip.end();
      await pending;
    } finally {
      fs.rmSync(manifestFile, { force: true });
    }
  }
}
