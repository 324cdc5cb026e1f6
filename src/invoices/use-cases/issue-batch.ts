import { Injectable } from '@nestjs/common';
import { Principal } from '../../common/principal';
import { ProblemBody, ProblemException } from '../../common/problem';
import { validated } from '../../common/validation';
import { Yielder } from '../../common/yielder';
import { RecordResponse } from '../../idempotency/idempotency.service';
import { InvoiceDraft } from '../invoice-draft';
import { IssueInvoiceDto } from '../invoice.dto';
import { IssueGroupCommitter } from '../issue-group-committer';
import { Issuer } from './issuer';

export type BatchResult = { number: string } | { error: ProblemBody };

/** Lines of a batch validated and drafted between two turns of the event loop (a few ms of CPU). */
const BATCH_SLICE_LINES = 500;

/**
 * POST /v1/invoices/batch: up to 1,000 invoices, each succeeding or failing on its own, in one
 * transaction and a handful of statements (IssueGroupCommitter.commitBatch).
 */
@Injectable()
export class IssueBatch {
  constructor(
    private readonly issuer: Issuer,
    private readonly committer: IssueGroupCommitter,
  ) {}

  async execute(principal: Principal, items: Record<string, unknown>[], record: RecordResponse): Promise<{ results: BatchResult[] }> {
    const seller = await this.issuer.sellerOf(principal);
    const results: BatchResult[] = new Array(items.length);
    const drafts: { index: number; draft: InvoiceDraft }[] = [];
    // Validation and tax math of a large batch are split into slices of about BATCH_SLICE_LINES
    // lines, between which the event loop serves other requests.
    const yielder = new Yielder(BATCH_SLICE_LINES);
    for (let index = 0; index < items.length; index++) {
      try {
        drafts.push({ index, draft: this.issuer.draft(seller, validated(IssueInvoiceDto, items[index])) });
      } catch (error) {
        if (!(error instanceof ProblemException)) throw error;
        results[index] = { error: error.toBody() };
      }
      const lines = (items[index] as { lines?: unknown }).lines;
      await yielder.tick(1 + (Array.isArray(lines) ? lines.length : 0));
    }
    const moment = await this.issuer.moment(seller);
    await this.committer.commitBatch(
      drafts.map(({ draft }) => ({ principal, draft, ...moment })),
      async (em, committed) => {
        committed.forEach((result, k) => {
          results[drafts[k].index] = result instanceof ProblemException ? { error: result.toBody() } : { number: result.invoice.number };
        });
        await record(em, { results });
      },
    );
    return { results };
  }
}
