import * as path from 'node:path';
import { Piscina } from 'piscina';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/config';
import type { RenderResult, RenderTask } from './render.worker';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Principal } from '../common/principal';
import { Clock } from '../common/clock';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import type { InvoiceReadModel } from '../invoices/invoice-read-model';
import { FileFormat, InvoiceFile, InvoiceFiles } from '../invoices/invoice-files';
import { InvoicesService } from '../invoices/invoices.service';
import { TaxpayersService } from '../taxpayers/taxpayers.service';
import { SignedXmlRepository } from './signed-xml.repository';
import { InvoiceSignedXmlEntity, SIGNED_XML_CHUNK } from './signing.entities';
import { RetiredKeyError, SigningKeysService } from './signing-keys.service';

export type Format = FileFormat;

export const MEDIA_TYPES: Record<Format, string> = {
  xml: 'application/xml',
  pdf: 'application/pdf',
  ofd: 'application/ofd',
};

export { ORIGINAL_INVOICE_FILE } from './render.worker';

export type Rendered = InvoiceFile;

const xmlFile = (number: string, body: Buffer): Rendered => ({ body, type: `${MEDIA_TYPES.xml}; charset=utf-8`, filename: `${number}.xml` });

/**
 * At most `perPrincipal` renders of one principal run at once; up to `queued` more wait their
 * turn (FIFO); beyond that the principal is refused (429 with Retry-After). In this process:
 * a bound on the pool's share one caller may take, not a correctness rule.
 */
export class PrincipalGate {
  private readonly lanes = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(
    private readonly perPrincipal: number,
    private readonly queued: number,
  ) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { active: 0, waiting: [] }));
    if (lane.active >= this.perPrincipal) {
      if (lane.waiting.length >= this.queued) {
        throw new ProblemException(
          429,
          'RATE_LIMITED',
          `too many renderings in progress for this principal (at most ${this.perPrincipal} at once and ${this.queued} waiting); retry after 2 s`,
          { retryAfter: 2 },
        );
      }
      await new Promise<void>((resolve) => lane!.waiting.push(resolve));
    } else {
      lane.active++;
    }
    try {
      return await work();
    } finally {
      const next = lane.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else if (--lane.active === 0) this.lanes.delete(key);
    }
  }

  /** Renders running and waiting for a principal (for tests and metrics). */
  load(key: string): { active: number; waiting: number } {
    const lane = this.lanes.get(key);
    return { active: lane?.active ?? 0, waiting: lane?.waiting.length ?? 0 };
  }
}

/**
 * The three renderings of an invoice (SPEC section 7): the XML data file (the legally complete
 * record) and the face as PDF and OFD, both painted from one layout. The OFD carries the XML
 * as an attachment (Doc_0/Attachs/original_invoice.xml). All three are rendered from the invoice's
 * read model (src/invoices/invoice-read-model.ts: money in fen, typed rates, the issue instant),
 * built once from the database rows, never from the API's JSON view.
 *
 * The XML is signed by the platform's current SM2 key (SPEC section 8) once, when it is first
 * rendered (never on the issuing request's path), and stored by invoice number: every later
 * download, the OFD's attachment and the zip export return those bytes. The file is written and
 * signed in the worker pool like a face (a 2,000-line file costs some 200 ms of pure-JS SM2: never
 * on the event loop). Within a process, first renders of one invoice at once (its XML and OFD, many
 * downloads, an export) share one signing (`flights`); across processes, both sign, the table's
 * primary key keeps the first and the other answers the stored file.
 *
 * Faces are painted in a pool of worker threads (render.worker.ts; RENDER_THREADS), never on the
 * event loop that answers requests: a 2,000-line PDF costs seconds of CPU (issue 11 item 10). A
 * principal has at most RENDER_PER_PRINCIPAL renders running and RENDER_QUEUE_PER_PRINCIPAL
 * waiting; a full pool queue (RENDER_QUEUE_LIMIT) answers 503 with Retry-After. An XML download
 * that signs (the first) counts against the principal's bound like a face: it is the same pool work,
 * and without the bound one caller fetching the XML of every new invoice could fill the pool queue
 * that everyone's faces wait in. A stored XML download is a cheap read and is not bounded; nor is a
 * download that joins a signing already in flight (it adds no work). The worker is
 * compiled JavaScript in dist/; under ts-jest (running from .ts) the workers register ts-node.
 */
@Injectable()
export class RenderingService implements OnModuleDestroy {
  private pool: Piscina<RenderTask, RenderResult> | null = null;
  private readonly gate: PrincipalGate;
  /** Threads that painted faces in this process (0 would be the main thread): for tests. */
  readonly paintedBy = new Set<number>();
  /** Threads that signed XML data files in this process (0 would be the main thread): for tests. */
  readonly signedBy = new Set<number>();
  /** The signings in progress in this process, by invoice number: first renders at once share one. */
  private readonly flights = new Map<string, Promise<Buffer>>();
  private signings = 0;

  constructor(
    private readonly invoices: InvoicesService,
    private readonly taxpayers: TaxpayersService,
    private readonly keys: SigningKeysService,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly signedXml: SignedXmlRepository,
    files: InvoiceFiles,
  ) {
    this.gate = new PrincipalGate(config.renderPerPrincipal, config.renderQueuePerPrincipal);
    files.use((principal, number, format) => this.render(principal, number, format));
  }
  private workers(): Piscina<RenderTask, RenderResult> {
    if (this.pool) return this.pool;
    const fromTs = __filename.endsWith('.ts');
    this.pool = new Piscina<RenderTask, RenderResult>({
      filename: path.join(__dirname, `render.worker${fromTs ? '.ts' : '.js'}`),
      minThreads: 1,
      maxThreads: this.config.renderThreads,
      maxQueue: this.config.renderQueueLimit,
      idleTimeout: 60_000,
      execArgv: fromTs ? ['-r', 'ts-node/register/transpile-only'] : [],
    });
    return this.pool;
  }

  private async paint(task: RenderTask): Promise<Buffer> {
    let result: RenderResult;
    try {
      result = await this.workers().run(task);
    } catch (error) {
      if (/queue is at limit/i.test((error as Error)?.message ?? '')) {
        throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'every rendering thread is busy and the queue is full; retry later', { retryAfter: 5 });
      }
      throw error;
    }
    (task.format === 'xml' ? this.signedBy : this.paintedBy).add(result.threadId);
    return Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
  }

  /** XML data files this process has signed since it started (each signing once; for tests and metrics). */
  get signedFiles(): number {
    return this.signings;
  }

  async onModuleDestroy(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  /**
   * The invoice's signed XML data file: the stored bytes, or signed and stored now (first render).
   * A caller arriving while this process signs the invoice waits for that signing and shares it.
   */
  xml(invoice: InvoiceReadModel): Promise<Buffer> {
    const flight = this.flights.get(invoice.number);
    if (flight) return flight;
    // Set before the first await, so that every later caller joins this one.
    const started = (async () => (await this.storedXml(invoice.number)) ?? (await this.signAndStore(invoice)))().finally(() =>
      this.flights.delete(invoice.number),
    );
    this.flights.set(invoice.number, started);
    return started;
  }

  /**
   * Writes and signs the file in the pool, stores it; the stored winner when another process stored
   * it first. The store confirms, under a shared lock on the key's row, that the key is still
   * current (a rotation waits for it), so a stored file's SignatureTime lies inside its key's
   * window; a key rotated meanwhile means signing again with the new one (a few times at most).
   */
  private async signAndStore(invoice: InvoiceReadModel): Promise<Buffer> {
    const seller = await this.taxpayers.find(invoice.seller.taxId);
    for (let attempt = 1; ; attempt++) {
      const key = await this.keys.current();
      const signedAt = this.clock.now();
      const xml = await this.paint({
        format: 'xml',
        invoice,
        context: {
          sellerProvince: invoice.number.slice(2, 4),
          sellerTaxpayerType: seller?.taxpayerType ?? 'general',
          signature: { keyId: key.keyId, time: signedAt },
        },
        privateKeyHex: key.privateKeyHex,
      });
      this.signings++;
      try {
        const chunks: InvoiceSignedXmlEntity[] = [];
        for (let i = 0; i * SIGNED_XML_CHUNK < xml.length; i++) {
          chunks.push({
            invoiceNumber: invoice.number,
            chunkNo: i,
            keyId: key.keyId,
            signedAt,
            data: xml.subarray(i * SIGNED_XML_CHUNK, (i + 1) * SIGNED_XML_CHUNK),
          });
        }
        await this.db.transaction(async (em) => {
          await this.keys.confirmCurrent(em, key.keyId);
          await this.signedXml.insert(em, chunks);
        });
        return xml;
      } catch (e) {
        if (e instanceof RetiredKeyError && attempt < 3) continue;
        if (!isDuplicate(e)) throw e;
        const winner = await this.storedXml(invoice.number);
        if (!winner) throw e;
        return winner;
      }
    }
  }

  private async storedXml(number: string): Promise<Buffer | null> {
    const rows = await this.signedXml.chunksOf(number);
    return rows.length ? Buffer.concat(rows.map((r) => Buffer.from(r.data))) : null;
  }

  pdf(invoice: InvoiceReadModel): Promise<Buffer> {
    return this.paint({ format: 'pdf', invoice });
  }

  /**
   * The OFD names its font rather than embedding it: a TrueType subset as fontkit writes it has no
   * cmap, and OFD text is Unicode, so a reader could not map it to glyphs (embedding would need
   * per-text glyph indices, OFD's CGTransform). Readers use Noto Sans SC or substitute a CJK font.
   */
  ofd(invoice: InvoiceReadModel, xml: Buffer): Promise<Buffer> {
    return this.paint({ format: 'ofd', invoice, xml });
  }

  /**
   * One rendering of an invoice the principal may read, within the principal's bound: faces, and
   * an XML download that signs. A stored XML, or one being signed already, is answered unbounded.
   */
  async render(principal: Principal, number: string, format: Format): Promise<Rendered> {
    const invoice = await this.invoices.readModel(principal, number);
    if (format === 'xml') {
      const ready = this.flights.get(invoice.number) ?? (await this.storedXml(invoice.number)) ?? this.flights.get(invoice.number);
      if (ready) return xmlFile(invoice.number, await ready);
    }
    return this.gate.run(principal.actorRef, () => this.renderInvoice(invoice, format));
  }

  /** One rendering of an invoice already read (no principal's bound: delivery and exports). */
  async renderInvoice(invoice: InvoiceReadModel, format: Format): Promise<Rendered> {
    const filename = `${invoice.number}.${format}`;
    if (format === 'pdf') return { body: await this.pdf(invoice), type: MEDIA_TYPES.pdf, filename };
    const xml = await this.xml(invoice);
    if (format === 'xml') return xmlFile(invoice.number, xml);
    return { body: await this.ofd(invoice, xml), type: MEDIA_TYPES.ofd, filename };
  }
}
