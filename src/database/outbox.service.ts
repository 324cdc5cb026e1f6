import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { insertRows } from './bulk-writes';
import { OutboxEventEntity } from './outbox.entity';

/** An event as the domain hands it over: plain values, no domain types. */
export interface OutboxInput {
  /** e.g. `invoice.issued` (API.md "Webhooks"). */
  type: string;
  /** The taxpayers it concerns; each gets its own event (own id). Empty or null ids are skipped. */
  taxIds: (string | null | undefined)[];
  /** The object as the API shows it; serialized once, inside the caller's transaction. */
  payload: unknown;
}

let counter = 0;
/**
 * `evt_` + milliseconds (12 hex) + a per-process counter (6 hex) + random (8 hex): unique, and
 * roughly in emission order, but only by one process's wall clock; the order events are fanned
 * out and delivered in is the outbox's `seq`, assigned by the database at insert.
 */
export function eventId(now = Date.now()): string {
  counter = (counter + 1) & 0xffffff;
  return `evt_${now.toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The outbox writer (kernel): appends events inside the caller's transaction with one multi-row
 * INSERT, so an event exists exactly when the change it reports committed; the database numbers
 * them (`seq`) in the order of the INSERT, the events of one call in the order given. Delivery is the
 * webhooks module's business.
 */
@Injectable()
export class Outbox {
  /**
   * The wall clock event ids are stamped with (real time, not the Clock provider). A test sets a
   * skewed one to stand for a process on another host; the order of delivery never depends on it.
   */
  wallClock: () => number = Date.now;

  constructor(private readonly clock: Clock) {}

  async emit(em: EntityManager, events: OutboxInput[]): Promise<void> {
    const createdAt = this.clock.now();
    const rows: OutboxEventEntity[] = [];
    const serialized = new Map<unknown, string>(); // one payload shared by several events is serialized once
    for (const event of events) {
      const taxIds = [...new Set(event.taxIds.filter((t): t is string => !!t))];
      if (taxIds.length === 0) continue;
      let payload = serialized.get(event.payload);
      if (payload === undefined) serialized.set(event.payload, (payload = JSON.stringify(event.payload, jsonSafe)));
      for (const taxId of taxIds) rows.push({ id: eventId(this.wallClock()), type: event.type, taxId, createdAt, payload, dispatched: false });
    }
    await insertRows(em, OutboxEventEntity, rows);
  }
}
