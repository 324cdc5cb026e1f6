import { every } from '../common/every';
import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { EntityManager } from 'typeorm';
import type { Principal } from '../common/principal';
import { isDuplicate } from '../database/db-errors';
import { Db } from '../database/db.service';
import { IdempotencyKeyEntity } from './idempotency.entity';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { ProblemBody, ProblemException, Problems } from '../common/problem';

/** Keys are kept at least 24 hours (API.md); older than this they are swept. */
const RETENTION_MS = 48 * 3600 * 1000;
const SWEEP_EVERY_MS = 3600 * 1000;
/** Refusals worth replaying: the same request would be refused the same way. */
const STORED_ERRORS = new Set([400, 404, 409, 422]);

export interface IdempotencyScope {
  id: string;
  hash: string;
}

/**
 * Records the response inside the business transaction, so that it commits with the change: the
 * route's success status, or a refusal's own status (a refusal decided inside a group commit).
 * `keyId` names the key's record (absent without an Idempotency-Key).
 */
export type RecordResponse = ((em: EntityManager, body: unknown, status?: number) => Promise<void>) & {
  keyId?: string;
  /**
   * For a route whose answer is completed after its change commits (a delivery's first attempt):
   * records `body` as provisional inside the transaction; `amend` then records the answer given.
   * A duplicate that finds the record provisional waits for the amendment (up to
   * PROVISIONAL_WAIT_MS, then replays the provisional body). No-ops without a key.
   */
  provisional?: (em: EntityManager, body: unknown) => Promise<void>;
  amend?: (body: unknown) => Promise<void>;
  /** The row recording `body` (for IdempotencyService.recordMany: many answers in one INSERT). No key, no row. */
  rowFor?: (body: unknown, status?: number) => { row: IdempotencyKeyEntity; recorded: () => void };
};

/** How long a duplicate waits for a provisional record to be amended, and how often it looks. */
const PROVISIONAL_WAIT_MS = 30_000;
const PROVISIONAL_POLL_MS = 50;

/** The key was recorded meanwhile by a concurrent request with the same key: run() replays it. */
export class IdempotencyRace extends Error {
  constructor() {
    super('the Idempotency-Key was recorded meanwhile by a concurrent request');
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Idempotency-Key (API.md "Conventions"): the same key and body from the same principal returns
 * the first response; a different body is 409 IDEMPOTENCY_KEY_REUSED. The key's row is inserted
 * in the same transaction as the change it records, so a concurrent duplicate waits on (MySQL)
 * or queues behind (SQLite) the first, fails on the primary key, and replays it: never twice.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private stop: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly keys: IdempotencyKeysRepository,
  ) {}

  onModuleInit(): void {
    this.stop = every(SWEEP_EVERY_MS, () => this.sweep(), this.logger, 'the key sweep');
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Deletes keys past retention (real time, not the business clock). */
  async sweep(now = Date.now()): Promise<number> {
    return this.db.transaction((em) => this.keys.deleteBefore(em, new Date(now - RETENTION_MS)));
  }

  scope(principal: Principal, key: string | undefined, method: string, path: string, body: unknown): IdempotencyScope | null {
    if (key === undefined) return null;
    if (key.length === 0 || key.length > 255) throw Problems.field('Idempotency-Key', 'must be 1 to 255 characters');
    return {
      id: sha256(`${principal.actorRef}\n${key}`),
      hash: sha256(`${method} ${path}\n${JSON.stringify(canonical(body))}`),
    };
  }

  /**
   * Runs `work` once per key: replays a stored response (setting `Idempotent-Replayed: true`),
   * or runs it and stores what it answered. `status` is the success status of the route.
   */
  async run<T>(scope: IdempotencyScope | null, res: Response, status: number, work: (record: RecordResponse) => Promise<T>): Promise<T> {
    if (!scope) return work(async () => undefined);
    const prior = await this.stored(scope);
    if (prior) return this.replay(await this.settled(scope, prior), res);
    /** The status this attempt recorded itself (a refusal recorded inside its own transaction). */
    let ownStatus: number | null = null;
    try {
      return await work(
        Object.assign(
          async (em: EntityManager, body: unknown, recorded = status) => {
            await this.insert(em, scope, recorded, body);
            ownStatus = recorded;
          },
          {
            keyId: scope.id,
            provisional: async (em: EntityManager, body: unknown) => {
              await this.insert(em, scope, -status, body);
              ownStatus = -status;
            },
            amend: (body: unknown) => this.amend(scope, status, body),
            rowFor: (body: unknown, recorded = status) => ({ row: this.row(scope, recorded, body), recorded: () => void (ownStatus = recorded) }),
          },
        ),
      );
    } catch (error) {
      if (error instanceof ProblemException && ownStatus === error.getStatus()) throw error; // its own refusal, recorded with it
      // A concurrent twin (same key, same body) that committed first: its record is there now,
      // whether this attempt failed on the key itself (IdempotencyRace) or on the state the twin
      // left behind (the slip it filed, the red it issued, the user it created). Replay it.
      const winner = await this.stored(scope).catch((lookup) => {
        if (lookup instanceof ProblemException) throw lookup; // the key was used meanwhile with another body
        return null; // the database cannot say: answer with this attempt's own error
      });
      if (winner) {
        // Its own provisional record (the change committed, the rest of the answer failed): no
        // amendment is coming, answer with what was recorded.
        const own = ownStatus !== null && ownStatus < 0 && winner.status < 0;
        return this.replay(own ? { ...winner, status: -winner.status } : await this.settled(scope, winner), res);
      }
      if (error instanceof ProblemException && STORED_ERRORS.has(error.getStatus()) && error.code !== 'IDEMPOTENCY_KEY_REUSED') {
        await this.db.transaction((em) => this.insert(em, scope, error.getStatus(), error.toBody())).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Which of these keys' records exist already (committed). */
  async recorded(keyIds: string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    return new Set(await this.keys.existing(keyIds));
  }

  private async stored(scope: IdempotencyScope): Promise<IdempotencyKeyEntity | null> {
    const row = await this.keys.find(scope.id);
    if (row && row.requestHash !== scope.hash) {
      throw new ProblemException(409, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    }
    return row;
  }

  private replay<T>(row: IdempotencyKeyEntity, res: Response): T {
    res.setHeader('Idempotent-Replayed', 'true');
    // The body is stored as a JSON string value; some driver stacks (mysql2 on MariaDB) hand it
    // back already parsed once more.
    const body = typeof row.body === 'string' ? JSON.parse(row.body) : row.body;
    if (row.status >= 400) {
      const { status, code, detail, type: _type, title: _title, ...extras } = body as ProblemBody;
      throw new ProblemException(status, code, detail, extras);
    }
    res.status(row.status);
    return body as T;
  }

  /** Records the answer given in place of the provisional one (see RecordResponse.amend). */
  private async amend(scope: IdempotencyScope, status: number, body: unknown): Promise<void> {
    await this.db.transaction((em) => this.keys.amend(em, scope.id, scope.hash, { status, body: JSON.stringify(body, jsonSafe) }));
  }

  /** A provisional record (negative status) once amended, or as it stands after PROVISIONAL_WAIT_MS. */
  private async settled(scope: IdempotencyScope, row: IdempotencyKeyEntity): Promise<IdempotencyKeyEntity> {
    const deadline = Date.now() + PROVISIONAL_WAIT_MS;
    while (row.status < 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, PROVISIONAL_POLL_MS));
      row = (await this.stored(scope)) ?? row;
    }
    return row.status < 0 ? { ...row, status: -row.status } : row;
  }

  /**
   * Records the answers of many requests in one multi-row INSERT (a group commit's), inside its
   * transaction; those without an Idempotency-Key have nothing to record.
   */
  async recordMany(em: EntityManager, answers: { record: RecordResponse; body: unknown; status?: number }[]): Promise<void> {
    const rows = answers.flatMap(({ record, body, status }) => (record.rowFor ? [record.rowFor(body, status)] : []));
    if (rows.length === 0) return;
    await this.insertRecords(
      em,
      rows.map((r) => r.row),
    );
    for (const r of rows) r.recorded();
  }

  private row(scope: IdempotencyScope, status: number, body: unknown): IdempotencyKeyEntity {
    return { id: scope.id, requestHash: scope.hash, status, body: JSON.stringify(body, jsonSafe), createdAt: new Date() };
  }

  private insert(em: EntityManager, scope: IdempotencyScope, status: number, body: unknown): Promise<void> {
    return this.insertRecords(em, [this.row(scope, status, body)]);
  }

  private async insertRecords(em: EntityManager, rows: IdempotencyKeyEntity[]): Promise<void> {
    try {
      await this.keys.insert(em, rows);
    } catch (error) {
      if (isDuplicate(error)) throw new IdempotencyRace();
      throw error;
    }
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
