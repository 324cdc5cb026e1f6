import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { Clock } from '../common/clock';
import { Principal } from '../common/principal';
import { insertRows } from '../database/bulk-writes';
import { Db } from '../database/db.service';
import { AuditEventEntity } from './audit-event.entity';

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

/** Appends audit events inside the caller's transaction, so the record and the change commit together. */
@Injectable()
export class AuditService {
  constructor(
    private readonly clock: Clock,
    private readonly db: Db,
  ) {}

  /**
   * A new row, the audit event about it and the answer recorded under the request's
   * Idempotency-Key, in one transaction: none of the three exists without the others.
   */
  async insertAudited<T extends ObjectLiteral>(actor: Principal, entity: EntityTarget<T>, row: T, event: AuditInput, answer: RecordedAnswer): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.insert(entity, row);
      await this.record(em, actor, event);
      await answer.record(em, answer.body);
    });
  }

  async record(em: EntityManager, actor: Principal | 'system', event: AuditInput): Promise<void> {
    await insertRows(em, AuditEventEntity, [this.row(actor, event)]);
  }

  /** Many events, each with its actor, in multi-row INSERTs (group and batch issuing). */
  async recordMany(em: EntityManager, entries: { actor: Principal | 'system'; event: AuditInput }[]): Promise<void> {
    await insertRows(
      em,
      AuditEventEntity,
      entries.map(({ actor, event }) => this.row(actor, event)),
    );
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
