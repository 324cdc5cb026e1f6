import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { Clock } from '../common/clock';
import { encodeCursor } from '../common/pagination';
import { Principal } from '../common/principal';
import { formatCst } from '../common/time';
import { Db } from '../database/db.service';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventsRepository, AuditListFilter } from './audit-events.repository';

export interface AuditInput {
  action: string;
  objectType: string;
  objectId: string;
  taxpayerId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * A 36-character id that sorts by creation time (real time, milliseconds first, then random), so
 * the chain's sealer finds new events in a short range of the primary key.
 */
export function timeOrderedId(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What a route answers, and how it is recorded under its Idempotency-Key (idempotency.service.ts `RecordResponse`). */
export interface RecordedAnswer {
  body: unknown;
  record: (em: EntityManager, body: unknown) => Promise<unknown>;
}

/** Appends audit events inside the caller's transaction, so the record and the change commit together; lists them. */
@Injectable()
export class AuditService {
  constructor(
    private readonly clock: Clock,
    private readonly db: Db,
    private readonly events: AuditEventsRepository,
  ) {}

  /**
   * A new row, the audit event about it and the answer recorded under the request's
   * Idempotency-Key, in one transaction: none of the three exists without the others.
   */
  async insertAudited<T extends ObjectLiteral>(actor: Principal, entity: EntityTarget<T>, row: T, event: AuditInput, answer: RecordedAnswer): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.events.insertSubject(em, entity, row);
      await this.record(em, actor, event);
      await answer.record(em, answer.body);
    });
  }

  async record(em: EntityManager, actor: Principal | 'system', event: AuditInput): Promise<void> {
    await this.events.append(em, [this.row(actor, event)]);
  }

  /** Many events, each with its actor, in multi-row INSERTs (group and batch issuing). */
  async recordMany(em: EntityManager, entries: { actor: Principal | 'system'; event: AuditInput }[]): Promise<void> {
    await this.events.append(
      em,
      entries.map(({ actor, event }) => this.row(actor, event)),
    );
  }

  /** A page of the list (GET /v1/audit-events), oldest first, each event with its place in the chain. */
  async list(filter: AuditListFilter, limit: number) {
    const rows = await this.events.page(filter, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((e) => ({
        id: e.id,
        seq: e.link ? Number(e.link.seq) : null,
        at: formatCst(e.at),
        actor: e.actor,
        actorRole: e.actorRole,
        action: e.action,
        objectType: e.objectType,
        objectId: e.objectId,
        taxpayerId: e.taxpayerId,
        before: e.before === null ? null : JSON.parse(e.before),
        after: e.after === null ? null : JSON.parse(e.after),
        hash: e.link?.hash ?? null,
      })),
      nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].at.getTime(), page[page.length - 1].id]) : null,
    };
  }

  private row(actor: Principal | 'system', event: AuditInput): AuditEventEntity {
    return {
      id: timeOrderedId(),
      at: this.clock.now(),
      actor: actor === 'system' ? 'system' : actor.actorRef,
      actorRole: actor === 'system' ? null : actor.role,
      action: event.action,
      objectType: event.objectType,
      objectId: event.objectId,
      taxpayerId: event.taxpayerId ?? null,
      before: event.before === undefined ? null : JSON.stringify(event.before, jsonSafe),
      after: event.after === undefined ? null : JSON.stringify(event.after, jsonSafe),
    };
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
