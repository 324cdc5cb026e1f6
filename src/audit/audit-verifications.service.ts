import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Principal } from '../common/principal';
import { Problems } from '../common/problem';
import { AuditChainService, BrokenAt, GENESIS } from './audit-chain.service';
import { AuditCheckpoints } from './audit-checkpoints';
import { reachOf } from './seal-reach';
import { formatCst } from '../common/time';
import { AuditVerificationEntity } from './audit-verification.entities';
import { AuditVerificationsRepository } from './audit-verifications.repository';

/** A running job that has not written progress for this long is reported as interrupted (its process stopped). */
const STALE_MS = 60_000;

export interface FullReport {
  intact: boolean;
  checked: number;
  head: { seq: number; hash: string } | null;
  unsealed: number;
  overdue: number;
  brokenAt: BrokenAt | null;
}

/**
 * Full re-verification of the audit chain from its first link, in the background: one page of
 * links (then of events) at a time, each awaited, progress written to `audit_verifications` after
 * every page so any process can read it. It trusts no checkpoint, so tampering before the newest
 * checkpoint is found here; an intact run records a checkpoint at the head it reached.
 */
@Injectable()
export class AuditVerifications implements OnModuleDestroy {
  private readonly logger = new Logger('AuditVerification');
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly jobs: AuditVerificationsRepository,
    private readonly chain: AuditChainService,
    private readonly checkpoints: AuditCheckpoints,
  ) {}

  private stopping = false;

  /** Shutdown: running jobs stop after their current page (they then read as interrupted). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  async start(principal: Principal): Promise<ReturnType<AuditVerifications['view']>> {
    const head = await this.chain.chainHead();
    const now = new Date();
    const row: AuditVerificationEntity = {
      id: randomUUID(),
      status: 'running',
      requestedBy: principal.actorRef,
      checked: 0n,
      total: head?.seq ?? 0n,
      verifiedSeq: 0n,
      verifiedHash: GENESIS,
      result: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await this.jobs.insert(row);
    const job = this.run(row)
      .catch(async (error: Error) => {
        this.logger.error(`verification ${row.id} failed: ${error?.message ?? error}`);
        await this.jobs
          .update(row.id, {
            status: 'failed',
            result: JSON.stringify({ error: 'the verification stopped on an error; start another' }),
            updatedAt: new Date(),
            finishedAt: new Date(),
          })
          .catch(() => undefined);
      })
      .finally(() => this.running.delete(job));
    this.running.add(job);
    return this.view(row);
  }

  /** Resolves when every job this process started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  async get(id: string) {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.jobs.find(id) : null;
    if (!row) throw Problems.notFound(`verification ${id}`);
    return this.view(row);
  }

  private async run(row: AuditVerificationEntity): Promise<void> {
    await this.chain.seal();
    const head = await this.chain.chainHead();
    let position = { seq: 0n, hash: GENESIS };
    let toEventId: string | null = null;
    let checked = 0n;
    let brokenAt: BrokenAt | null = null;
    for (;;) {
      const step = await this.chain.verifyPage(position);
      checked += BigInt(step.checked);
      position = step.to;
      toEventId = step.toEventId ?? toEventId;
      await this.jobs.update(row.id, { checked, verifiedSeq: position.seq, verifiedHash: position.hash, total: head?.seq ?? 0n, updatedAt: new Date() });
      if (step.broken) {
        brokenAt = step.broken;
        break;
      }
      if (step.end) break;
      if (this.stopping) return;
    }
    let unsealed = 0;
    let overdue = 0;
    let behind = 0;
    if (!brokenAt) {
      // Every event, from the first: one the sealer will never reach is a failure.
      const events = await this.chain.unsealedIn({ from: '', below: null }, this.chain.sealerFloor(head), reachOf(toEventId), async () => {
        if (this.stopping) return false;
        await this.jobs.update(row.id, { updatedAt: new Date() });
        return true;
      });
      if (events.stopped) return;
      ({ unsealed, overdue, behind, brokenAt } = events);
    }
    const report: FullReport = {
      intact: brokenAt === null,
      checked: Number(checked),
      head: position.seq ? { seq: Number(position.seq), hash: position.hash } : null,
      unsealed,
      overdue,
      brokenAt,
    };
    // Not when an unsealed event lies behind the head's reach: a run from there would not look at it again.
    if (report.intact && behind === 0 && position.seq > 0n) await this.checkpoints.record(position);
    const done = new Date();
    await this.jobs.update(row.id, { status: report.intact ? 'intact' : 'broken', result: JSON.stringify(report), updatedAt: done, finishedAt: done });
  }

  private view(row: AuditVerificationEntity) {
    const interrupted = row.status === 'running' && Date.now() - row.updatedAt.getTime() > STALE_MS;
    const total = Number(row.total);
    const checked = Number(row.checked);
    return {
      id: row.id,
      status: interrupted ? 'interrupted' : row.status,
      checked,
      total,
      progress: total > 0 ? Math.min(1, checked / total) : row.status === 'running' ? 0 : 1,
      verifiedTo: { seq: Number(row.verifiedSeq), hash: row.verifiedHash },
      requestedBy: row.requestedBy,
      startedAt: formatCst(row.createdAt),
      updatedAt: formatCst(row.updatedAt),
      finishedAt: row.finishedAt ? formatCst(row.finishedAt) : null,
      report: row.result ? (JSON.parse(row.result) as FullReport) : null,
    };
  }
}
