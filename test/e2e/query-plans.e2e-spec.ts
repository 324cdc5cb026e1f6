import { DataSource, EntityManager, ObjectLiteral } from 'typeorm';
import { auditListQuery } from '../../src/audit/audit-events.repository';
import { apiKeysQuery } from '../../src/auth/api-keys.repository';
import { ApiKeyEntity, UserEntity } from '../../src/auth/auth.entities';
import { usersQuery } from '../../src/auth/users.repository';
import { take } from '../../src/common/keyset';
import { newestFirstQuery } from '../../src/common/pagination';
import { applicationsQuery } from '../../src/quota/quota-applications.repository';
import { objectionsQuery } from '../../src/quota/quota-objections.repository';
import { QuotaApplicationEntity, QuotaObjectionEntity } from '../../src/quota/quota.entities';
import { RedConfirmationEntity } from '../../src/red-letter/red-letter.entities';
import { SlipFilter, slipBranches } from '../../src/red-letter/slip-scan';
import { dueSlipsQuery, scanSlips, slipBranchQuery, slipsAt } from '../../src/red-letter/slips.repository';
import { PENDING, SLIP_STATUSES, SlipStatus } from '../../src/red-letter/slip-machine';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEntity } from '../../src/webhooks/webhook.entities';
import { CounterpartyEntity } from '../../src/invoices/counterparty.entity';
import { counterpartiesQuery } from '../../src/invoices/counterparties.repository';
import { attemptsQuery } from '../../src/webhooks/webhook-attempts.repository';
import { deliveriesQuery, earlierPendingQuery, heldQuery } from '../../src/webhooks/webhook-deliveries.repository';
import { webhooksQuery } from '../../src/webhooks/webhooks.repository';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { timeOrderedId } from '../../src/audit/audit.service';
import { Branch, branches, InvoiceFilter, takeKeys } from '../../src/invoices/invoice-scan';
import { branchQuery, invoicesAndLines, invoicesByKeys, linesQuery, scanKeys } from '../../src/invoices/invoices.repository';
import { InvoiceEntity, InvoiceLineEntity } from '../../src/invoices/invoice.entities';
import { startApp, TestApp } from '../support/test-app';
import { makeTaxId } from '../support/tax-ids';
import { invoiceLineRow } from '../support/rows';

// Issue 17, "a test that cannot be fooled by a fast machine": every query shape a list, filter or
// export runs reads an ordered index range in the keyset order, with no sort and no scan of the
// taxpayer's whole history. On MariaDB/MySQL from EXPLAIN FORMAT=JSON; on SQLite from EXPLAIN
// QUERY PLAN. Timing stays in the bench.

const BIG = makeTaxId('31', 9_000_001);
const SMALL = makeTaxId('32', 9_000_002);
const OTHER = makeTaxId('33', 9_000_003);
const ROWS = 4000;
const SLIPS = 3000;
const WEBHOOK = '00000000-0000-4000-8000-000000000001';

/** An id that sorts as `i` does (uuid-shaped), for seeded rows. */
const seqId = (prefix: string, i: number) => `${prefix}${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`;
const minutes = (base: string, i: number) => new Date(Date.parse(base) + i * 60_000);

function slip(i: number): RedConfirmationEntity {
  // The small taxpayer sells (a tenth) and buys (a third) as for invoices; either party files.
  const seller = i % 10 === 0 ? SMALL : BIG;
  const buyer = i % 3 === 0 ? SMALL : i % 3 === 1 ? OTHER : null;
  const statuses = Object.keys(SLIP_STATUSES) as SlipStatus[];
  return {
    id: seqId('5', i),
    number: `2431200${String(i + 1).padStart(13, '0')}`,
    blueNumber: `2431200${String(i + 1).padStart(13, '0')}`,
    sellerTaxId: seller,
    buyerTaxId: buyer === seller ? null : buyer,
    initiator: i % 4 === 0 ? 'buyer' : 'seller',
    reason: '01',
    status: statuses[i % statuses.length],
    totalAmount: -10000n,
    totalTax: -1300n,
    inputTaxTransferOut: 0n,
    autoIssue: false,
    redInvoiceNumber: null,
    createdBy: 'test',
    createdAt: minutes('2024-01-01T00:00:00Z', i * 30),
    // Awaiting confirmation (02, 03): 72 hours from filling in, as the service sets it.
    expiresAt: (PENDING as readonly string[]).includes(statuses[i % statuses.length]) ? minutes('2024-01-01T00:00:00Z', i * 30 + 72 * 60) : null,
    updatedAt: minutes('2024-01-01T00:00:00Z', i * 30),
  };
}

/** Rows of the newest-first lists: applications, objections, webhooks, deliveries, users, API keys. */
async function seedNewestFirstLists(ds: DataSource): Promise<void> {
  const party = (i: number) => (i % 10 === 0 ? SMALL : i % 10 === 1 ? OTHER : BIG);
  const chunks = async <T extends ObjectLiteral>(entity: new () => T, rows: T[]) => {
    for (let i = 0; i < rows.length; i += 500) await ds.manager.insert(entity, rows.slice(i, i + 500));
  };
  await chunks(
    QuotaApplicationEntity,
    Array.from({ length: 2000 }, (_, i) => ({
      id: seqId('a', i),
      taxpayerId: party(i),
      period: '2024-01',
      requestedTotal: 100n,
      reason: 'growth',
      status: i % 20 === 0 ? ('pending' as const) : i % 2 ? ('approved' as const) : ('rejected' as const),
      decidedBy: null,
      decisionReason: null,
      createdAt: minutes('2024-01-01T00:00:00Z', i),
      decidedAt: null,
    })),
  );
  await chunks(
    QuotaObjectionEntity,
    Array.from({ length: 1000 }, (_, i) => ({
      id: seqId('b', i),
      taxpayerId: party(i),
      period: '2024-01',
      reason: 'x',
      createdAt: minutes('2024-01-01T00:00:00Z', i),
    })),
  );
  const webhook = (i: number): WebhookEntity => ({
    id: i === 0 ? WEBHOOK : seqId('c', i),
    taxId: party(i),
    url: 'https://example.com/hook',
    events: '*',
    description: null,
    secretEnc: 'x',
    previousSecretEnc: null,
    previousExpiresAt: null,
    createdAt: minutes('2024-01-01T00:00:00Z', i),
    createdBy: 'test',
    deletedAt: i % 7 === 0 && i > 0 ? minutes('2024-02-01T00:00:00Z', i) : null,
  });
  await chunks(
    WebhookEntity,
    Array.from({ length: 600 }, (_, i) => webhook(i)),
  );
  await chunks(
    WebhookDeliveryEntity,
    Array.from({ length: 3000 }, (_, i) => ({
      id: seqId('d', i),
      webhookId: i % 3 === 0 ? WEBHOOK : seqId('c', 1 + (i % 5)),
      eventId: seqId('e', i),
      eventSeq: i,
      eventType: 'invoice.issued',
      status: 'succeeded' as const,
      attempts: 1,
      nextAttemptAt: null,
      claimedUntil: null,
      claimToken: null,
      lastStatusCode: 200,
      lastDurationMs: 5,
      lastError: null,
      lastAttemptAt: null,
      deliveredAt: null,
      finishedAt: minutes('2024-01-01T00:00:00Z', i),
      createdAt: minutes('2024-01-01T00:00:00Z', i),
    })),
  );
  await chunks(
    CounterpartyEntity,
    Array.from({ length: 3000 }, (_, i) => ({
      taxpayerId: party(i),
      counterpartyTaxId: `91310100MC${String(i).padStart(8, '0')}`,
      name: `对方公司${i}`,
      address: '',
      phone: '',
      bankName: '',
      bankAccount: '',
      lastAt: minutes('2024-01-01T00:00:00Z', i),
    })),
  );
  await chunks(
    WebhookAttemptEntity,
    Array.from({ length: 3000 }, (_, i) => ({
      id: seqId('g', i),
      deliveryId: seqId('d', i % 3 === 0 ? 0 : 1 + (i % 50)), // delivery d0 has a thousand attempts
      createdAt: minutes('2024-01-01T00:00:00Z', i),
      statusCode: 500,
      errorClass: null,
      error: null,
      durationMs: 5,
      responseExcerpt: null,
      keyIds: 'key_00000000',
    })),
  );
  await chunks(
    UserEntity,
    Array.from({ length: 1000 }, (_, i) => ({
      id: seqId('f', i),
      username: `plan-user-${i}`,
      passwordHash: null,
      role: 'taxpayer' as const,
      taxpayerId: party(i),
      createdAt: minutes('2024-01-01T00:00:00Z', i),
      failedLogins: 0,
      lockedUntil: null,
    })),
  );
  await chunks(
    ApiKeyEntity,
    Array.from({ length: 2000 }, (_, i) => ({
      id: seqId('9', i),
      name: 'plan',
      tokenDigest: seqId('9', i).replace(/-/g, '').padEnd(64, '0'),
      role: 'taxpayer' as const,
      taxpayerId: party(i),
      createdBy: null,
      createdAt: minutes('2024-01-01T00:00:00Z', i),
      revokedAt: null,
    })),
  );
}

function invoice(i: number): InvoiceEntity {
  // A big seller, a small one, buyers among them and natural persons; reds, voids, several months.
  const seller = i % 10 === 0 ? SMALL : BIG;
  const buyer = i % 3 === 0 ? SMALL : i % 3 === 1 ? OTHER : null;
  const color = i % 25 === 0 ? 'red' : 'blue';
  const status = color === 'red' ? 'issued' : (['issued', 'issued', 'issued', 'red_partial', 'red_full', 'voided'] as const)[i % 6];
  return {
    number: `2431200${String(i + 1).padStart(13, '0')}`,
    type: i % 7 === 0 ? 'special' : 'ordinary',
    medium: i % 11 === 0 ? 'paper' : 'electronic',
    color,
    status,
    issuedAt: new Date(Date.parse('2024-01-01T00:00:00Z') + i * 600_000),
    period: '2024-01',
    sellerTaxId: seller,
    sellerName: '卖方',
    sellerAddress: '',
    sellerPhone: '',
    sellerBankName: '',
    sellerBankAccount: '',
    buyerTaxId: buyer,
    buyerName: '买方',
    buyerAddress: '',
    buyerPhone: '',
    buyerBankName: '',
    buyerBankAccount: '',
    buyerEmail: null,
    priceIncludesTax: false,
    totalAmount: 10000n,
    totalTax: 1300n,
    totalWithTax: 11300n,
    remarks: '',
    drawer: '',
    specificBusinessType: null,
    specificBusiness: null,
    differentialTaxation: null,
    deduction: null,
    usage: null,
    usageConfirmedAt: null,
    accountingEntry: 'not_entered',
    voidedAt: null,
    issuedBy: 'test',
    blueNumber: null,
    redConfirmationId: null,
  };
}

/** Every filter shape the API offers (lists: GET /v1/invoices; exports: GET /v1/exports/invoices). */
const FILTERS: [string, Omit<InvoiceFilter, 'from' | 'to'>][] = [
  ['issued', { taxId: BIG, direction: 'issued' }],
  ['received', { taxId: SMALL, direction: 'received' }],
  ['both', { taxId: SMALL, direction: 'both' }],
  ['status', { taxId: BIG, direction: 'issued', status: 'red_full' }],
  ['color', { taxId: BIG, direction: 'issued', color: 'red' }],
  ['color + status', { taxId: BIG, direction: 'issued', color: 'blue', status: 'voided' }],
  ['type', { taxId: BIG, direction: 'issued', type: 'special' }],
  ['medium', { taxId: BIG, direction: 'issued', medium: 'paper' }],
  ['type + medium', { taxId: BIG, direction: 'issued', type: 'special', medium: 'paper' }],
  ['status + type', { taxId: BIG, direction: 'issued', status: 'issued', type: 'special' }],
  ['both + status', { taxId: SMALL, direction: 'both', status: 'voided' }],
  ['received + color', { taxId: SMALL, direction: 'received', color: 'red' }],
  ['everyone', { taxId: null, direction: 'both' }],
  ['everyone + status', { taxId: null, direction: 'both', status: 'red_partial' }],
  ['everyone + medium', { taxId: null, direction: 'both', medium: 'paper' }],
];

/** The index a branch must read: its equality columns, then issued_at and number. */
function expectedIndex(b: Branch): string {
  const columns = b.equals.map(([c]) => c);
  const party = columns.includes('seller_tax_id') ? 'seller_' : columns.includes('buyer_tax_id') ? 'buyer_' : '';
  const facet = columns.includes('color') ? 'state' : columns.includes('type') ? 'kind' : 'time';
  return `idx_inv_${party}${facet}`;
}

interface MysqlTable {
  access_type: string;
  key?: string;
  used_key_parts?: string[];
  rows?: number;
}

function tables(node: unknown, out: MysqlTable[] = []): MysqlTable[] {
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'table' && v && typeof v === 'object' && 'access_type' in v) out.push(v as MysqlTable);
      tables(v, out);
    }
  }
  return out;
}

async function planOf(ds: DataSource, sql: string, params: unknown[]): Promise<{ text: string; tables: MysqlTable[] }> {
  if (ds.options.type === 'better-sqlite3') {
    const rows: { detail: string }[] = await ds.query(`EXPLAIN QUERY PLAN ${sql}`, params);
    return { text: rows.map((r) => r.detail).join('\n'), tables: [] };
  }
  const [row] = await ds.query(`EXPLAIN FORMAT=JSON ${sql}`, params);
  const json = JSON.parse(row.EXPLAIN ?? Object.values(row)[0]);
  return { text: JSON.stringify(json), tables: tables(json) };
}

/**
 * An index range (or ref) on `index`, in its order: no filesort, no temporary table, no full scan.
 * `unbounded`: a query with no condition at all (every invoice, first page) may read the index
 * from its start in order: LIMIT stops it after the page.
 */
function expectOrderedRange(ds: DataSource, plan: { text: string; tables: MysqlTable[] }, index: string, what: string, unbounded = false, alias = 'i'): void {
  const mysql = ds.options.type !== 'better-sqlite3';
  if (mysql) {
    const where = `${what}: ${plan.text}`;
    expect({ where, tables: plan.tables.length }).toEqual({ where, tables: 1 });
    const [table] = plan.tables;
    expect({ where, access: table.access_type, key: table.key }).toEqual({
      where,
      access: expect.stringMatching(unbounded ? /^(range|ref|index)$/ : /^(range|ref)$/),
      key: index,
    });
    expect({ where, filesort: /filesort/.test(plan.text), temporary: /temporary_table/.test(plan.text) }).toEqual({ where, filesort: false, temporary: false });
  } else {
    const where = `${what}: ${plan.text}`;
    const search =
      new RegExp(`^SEARCH ${alias} USING (COVERING )?INDEX ${index} \\(`).test(plan.text) ||
      (unbounded && new RegExp(`^SCAN ${alias} USING (COVERING )?INDEX ${index}$`, 'm').test(plan.text));
    expect({ where, search, lines: plan.text.split('\n').length }).toEqual({ where, search: true, lines: 1 });
    expect({ where, sort: /TEMP B-TREE/.test(plan.text) }).toEqual({ where, sort: false });
  }
}

describe('query plans: every list, filter and export shape reads an ordered index range (issue 17)', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startApp();
    ds = t.dataSource;
    const rows = Array.from({ length: ROWS }, (_, i) => invoice(i));
    for (let i = 0; i < rows.length; i += 500) await ds.manager.insert(InvoiceEntity, rows.slice(i, i + 500));
    const lines = rows.flatMap((r, i) => Array.from({ length: 1 + (i % 3) }, (_, n) => invoiceLineRow(r.number, n + 1)));
    for (let i = 0; i < lines.length; i += 500) await ds.manager.insert(InvoiceLineEntity, lines.slice(i, i + 500));
    const events = Array.from({ length: 2000 }, (_, i) => ({
      id: timeOrderedId(Date.parse('2024-01-01T00:00:00Z') + i * 1000),
      at: new Date(Date.parse('2024-01-01T00:00:00Z') + i * 1000),
      actor: 'system',
      actorRole: null,
      action: i % 50 === 0 ? 'invoice.voided' : 'invoice.issued',
      objectType: 'invoice',
      objectId: String(i),
      taxpayerId: i % 4 === 0 ? SMALL : BIG,
      before: null,
      after: null,
    }));
    for (let i = 0; i < events.length; i += 500) await ds.manager.insert(AuditEventEntity, events.slice(i, i + 500));
    const slips = Array.from({ length: SLIPS }, (_, i) => slip(i));
    for (let i = 0; i < slips.length; i += 500) await ds.manager.insert(RedConfirmationEntity, slips.slice(i, i + 500));
    await seedNewestFirstLists(ds);
    await ds.query(
      ds.options.type === 'mysql' || ds.options.type === 'mariadb'
        ? 'ANALYZE TABLE invoices, audit_events, red_confirmations, quota_applications, quota_objections, webhooks, webhook_deliveries, webhook_delivery_attempts, counterparties, users, api_keys'
        : 'ANALYZE',
    );
  }, 120_000);
  afterAll(() => t.close());

  const after = { issuedAt: new Date('2024-01-15T00:00:00Z'), number: '24312000000000002000' };
  const from = new Date('2024-01-05T00:00:00Z');
  const to = new Date('2024-01-25T00:00:00Z');

  for (const [name, f] of FILTERS) {
    for (const [shape, extra, position] of [
      ['first page', { from: null, to: null }, null],
      ['deep cursor', { from: null, to: null }, after],
      ['date range + cursor', { from, to }, after],
    ] as const) {
      for (const order of ['DESC', 'ASC'] as const) {
        it(`${name}, ${shape}, ${order === 'DESC' ? 'list (newest first)' : 'export (oldest first)'}`, async () => {
          const filter: InvoiceFilter = { ...f, ...extra };
          for (const branch of branches(filter)) {
            const [sql, params] = branchQuery(ds.manager, branch, filter, order, position, 51).getQueryAndParameters();
            const unbounded = branch.equals.length === 0 && shape === 'first page';
            expectOrderedRange(
              ds,
              await planOf(ds, sql, params),
              expectedIndex(branch),
              `${name} ${shape} ${order} [${branch.equals.map((e) => e.join('=')).join(', ')}]`,
              unbounded,
            );
          }
        });
      }
    }
  }

  it('the merged branches give exactly the rows a plain filter gives, in keyset order (both directions, every filter)', async () => {
    const all = await ds.manager.find(InvoiceEntity);
    for (const [name, f] of FILTERS) {
      const filter: InvoiceFilter = { ...f, from, to };
      const party = (i: InvoiceEntity) =>
        !f.taxId ||
        (f.direction === 'issued'
          ? i.sellerTaxId === f.taxId
          : f.direction === 'received'
            ? i.buyerTaxId === f.taxId
            : i.sellerTaxId === f.taxId || i.buyerTaxId === f.taxId);
      const expected = all
        .filter((i) => party(i) && i.issuedAt >= from && i.issuedAt <= to)
        .filter((i) => (['color', 'status', 'type', 'medium'] as const).every((k) => f[k] === undefined || i[k] === f[k]))
        .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime() || (a.number < b.number ? 1 : -1))
        .map((i) => i.number);
      // Read in small batches so every branch is refilled many times.
      const got = (await takeKeys(scanKeys(ds.manager, filter, 'DESC', null, 7), ROWS)).map((k) => k.number);
      expect({ name, got }).toEqual({ name, got: expected });
      const rows = await invoicesByKeys(ds.manager, await takeKeys(scanKeys(ds.manager, filter, 'ASC', null, 50), 20));
      expect({ name, rows: rows.map((r) => r.number) }).toEqual({ name, rows: [...expected].reverse().slice(0, 20) });
    }
  });

  it("a page's lines: a range of the primary key in its order, read with the page's invoices", async () => {
    const keys = await takeKeys(scanKeys(ds.manager, { taxId: SMALL, direction: 'both', from: null, to: null }, 'DESC', after, 51), 50);
    const numbers = keys.map((k) => k.number);
    const [sql, params] = linesQuery(ds.manager, numbers).getQueryAndParameters();
    expectOrderedRange(
      ds,
      await planOf(ds, sql, params),
      ds.options.type === 'better-sqlite3' ? 'sqlite_autoindex_invoice_lines_1' : 'PRIMARY',
      'lines of a page',
      false,
      'l',
    );
    const { invoices, lines } = await invoicesAndLines(ds.manager, keys);
    expect(invoices.map((i) => i.number)).toEqual(numbers);
    const expected = [...numbers].sort().flatMap((n) => Array.from({ length: 1 + ((Number(n.slice(-13)) - 1) % 3) }, (_, l) => `${n}/${l + 1}`));
    expect(lines.map((l) => `${l.invoiceNumber}/${l.lineNo}`)).toEqual(expected);
  });

  // The audit list, oldest first by (at, id): every filter, with and without a date range, first
  // page and deep cursor (the page's keys; its events and links are then read by id).
  const auditAfter = { at: new Date('2024-01-01T00:20:00Z'), id: timeOrderedId(Date.parse('2024-01-01T00:20:00Z')) };
  for (const [name, f, index] of [
    ['audit events of a taxpayer', { taxId: BIG, action: null }, 'idx_audit_taxpayer_time'],
    ['audit events of a taxpayer and action', { taxId: BIG, action: 'invoice.voided' }, 'idx_audit_taxpayer_action_time'],
    ['audit events of an action', { taxId: null, action: 'invoice.voided' }, 'idx_audit_action_time'],
    ['audit events of everyone', { taxId: null, action: null }, 'idx_audit_time'],
  ] as const) {
    for (const [shape, dates, after] of [
      ['first page', { from: null, to: null }, null],
      ['deep cursor', { from: null, to: null }, auditAfter],
      ['date range', { from: new Date('2024-01-01T00:10:00Z'), to: new Date('2024-01-01T00:30:00Z') }, null],
      ['date range + cursor', { from: new Date('2024-01-01T00:10:00Z'), to: new Date('2024-01-01T00:30:00Z') }, auditAfter],
      ['from only', { from: new Date('2024-01-01T00:25:00Z'), to: null }, null],
    ] as const) {
      it(`${name}, ${shape}`, async () => {
        const [sql, params] = auditListQuery(ds.manager, { ...f, ...dates, after }, 51).getQueryAndParameters();
        const unbounded = !f.taxId && !f.action && !dates.from && !after;
        expectOrderedRange(ds, await planOf(ds, sql, params), index, `${name} ${shape}`, unbounded, 'e');
      });
    }
  }

  it('the audit list with a date range gives exactly the events in it, oldest first, page after page', async () => {
    const from = new Date('2024-01-01T00:10:00Z');
    const to = new Date('2024-01-01T00:30:00Z');
    const all = await ds.manager.find(AuditEventEntity);
    for (const f of [
      { taxId: BIG, action: null },
      { taxId: SMALL, action: 'invoice.issued' },
      { taxId: null, action: null },
    ]) {
      const expected = all
        .filter((e) => e.at >= from && e.at <= to && (!f.taxId || e.taxpayerId === f.taxId) && (!f.action || e.action === f.action))
        .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1))
        .map((e) => e.id);
      const got: string[] = [];
      let after: { at: Date; id: string } | null = null;
      for (;;) {
        const page = await auditListQuery(ds.manager, { ...f, from, to, after }, 100).getMany();
        got.push(...page.map((e) => e.id));
        if (page.length < 100) break;
        after = { at: page[page.length - 1].at, id: page[page.length - 1].id };
      }
      expect({ f, got }).toEqual({ f, got: expected });
    }
  });

  // Red-letter slips (GET /v1/red-confirmations), newest first: every direction and status shape.
  const SLIP_FILTERS: [string, SlipFilter][] = [
    ['mine (seller or buyer)', { taxId: SMALL }],
    ['mine, status', { taxId: SMALL, status: '04' }],
    ['initiated', { taxId: SMALL, direction: 'initiated' }],
    ['initiated, status', { taxId: SMALL, direction: 'initiated', status: '02' }],
    ['received', { taxId: SMALL, direction: 'received' }],
    ['received, status', { taxId: SMALL, direction: 'received', status: '05' }],
    ['awaiting', { taxId: SMALL, direction: 'awaiting' }],
    ['awaiting, status', { taxId: SMALL, direction: 'awaiting', status: '03' }],
    ['a big seller, mine', { taxId: BIG }],
    ['everyone', { taxId: null }],
    ['everyone, status', { taxId: null, status: '07' }],
  ];
  const slipAfter = { at: new Date('2024-02-10T00:00:00Z'), id: 'ffffffff-0000-0000-0000-000000000000' };
  for (const [name, f] of SLIP_FILTERS) {
    for (const [shape, after] of [
      ['first page', null],
      ['deep cursor', slipAfter],
    ] as const) {
      it(`red-letter slips, ${name}, ${shape}`, async () => {
        const list = slipBranches(f);
        expect(list.length).toBeGreaterThan(0);
        for (const branch of list) {
          const [sql, params] = slipBranchQuery(ds.manager, branch, 'DESC', after, 51).getQueryAndParameters();
          const unbounded = branch.equals.length === 0 && !after;
          expectOrderedRange(
            ds,
            await planOf(ds, sql, params),
            branch.index,
            `slips ${name} ${shape} [${branch.equals.map((e) => e.join('=')).join(', ')}]`,
            unbounded,
            's',
          );
        }
      });
    }
  }

  // The 72-hour expiry sweep (every minute, and before a taxpayer's slip list): the due slips from
  // the (status, expires_at) index, one interval per pending status, never a scan of every slip.
  const sweepAt = new Date('2024-01-10T00:00:00Z');
  for (const [name, filter] of [
    ['the sweep', {}],
    ["before a taxpayer's list", { taxId: SMALL }],
  ] as const) {
    it(`red-letter expiry, ${name}: a range of the due slips`, async () => {
      const qb = dueSlipsQuery(ds.manager, sweepAt, filter, 500);
      const [sql, params] = qb.getQueryAndParameters();
      const plan = await planOf(ds, sql, params);
      const mysql = ds.options.type !== 'better-sqlite3';
      const where = `expiry ${name}: ${plan.text}`;
      if (mysql) {
        expect({ where, tables: plan.tables.map((t) => [t.access_type, t.key]) }).toEqual({ where, tables: [['range', 'idx_red_pending']] });
      } else {
        expect({ where, search: /^SEARCH s USING INDEX idx_red_pending \(status=\? AND expires_at<\?\)$/.test(plan.text) }).toEqual({ where, search: true });
      }
      const all = await ds.manager.find(RedConfirmationEntity);
      const expected = all
        .filter((s) => (PENDING as readonly string[]).includes(s.status) && s.expiresAt !== null && s.expiresAt <= sweepAt)
        .filter((s) => !('taxId' in filter) || s.sellerTaxId === filter.taxId || s.buyerTaxId === filter.taxId)
        .map((s) => s.id)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length / 10);
      expect((await qb.getMany()).map((s) => s.id).sort()).toEqual(expected);
    });
  }

  it('the merged slip ranges give exactly the slips the filter names, newest first (every direction and status)', async () => {
    const all = await ds.manager.find(RedConfirmationEntity);
    const mine = (s: RedConfirmationEntity, me: string, direction?: string) => {
      const role = s.sellerTaxId === me ? 'seller' : s.buyerTaxId === me ? 'buyer' : null;
      if (!role) return false;
      if (!direction) return true;
      const byMe = (s.initiator === 'seller' && s.sellerTaxId === me) || (s.initiator === 'buyer' && s.buyerTaxId === me);
      const byOther = (s.initiator === 'buyer' && s.sellerTaxId === me) || (s.initiator === 'seller' && s.buyerTaxId === me);
      return direction === 'initiated' ? byMe : direction === 'received' ? byOther : byOther && (s.status === '02' || s.status === '03');
    };
    for (const [name, f] of SLIP_FILTERS) {
      const expected = all
        .filter((s) => (!f.taxId || mine(s, f.taxId, f.direction)) && (!f.status || s.status === f.status))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((s) => s.id);
      const got = (await take(scanSlips(ds.manager, f, 'DESC', null, 7), SLIPS)).map((k) => k.id);
      expect({ name, got }).toEqual({ name, got: expected });
      const rows = await slipsAt(ds.manager, await take(scanSlips(ds.manager, f, 'DESC', null, 50), 20));
      expect({ name, rows: rows.map((r) => r.id) }).toEqual({ name, rows: expected.slice(0, 20) });
    }
  });

  // The newest-first lists (src/common/pagination.ts): every filter they take.
  // `whole`: no filter at all; its first page may read the index from its start in order (LIMIT stops it).
  for (const [name, query, index, alias, whole] of [
    ['quota applications of a taxpayer', (em: EntityManager) => applicationsQuery(em, BIG, null), 'idx_quota_app_taxpayer_time', 'a', false],
    ['quota applications of a taxpayer, status', (em: EntityManager) => applicationsQuery(em, BIG, 'pending'), 'idx_quota_app_taxpayer_state', 'a', false],
    [
      "quota applications of everyone, status (the officers' queue)",
      (em: EntityManager) => applicationsQuery(em, null, 'pending'),
      'idx_quota_app_state',
      'a',
      false,
    ],
    ['quota applications of everyone', (em: EntityManager) => applicationsQuery(em, null, null), 'idx_quota_app_time', 'a', true],
    ['quota objections of a taxpayer', (em: EntityManager) => objectionsQuery(em, BIG), 'idx_quota_objection_taxpayer_time', 'o', false],
    ['webhooks of a taxpayer', (em: EntityManager) => webhooksQuery(em, BIG), 'idx_webhooks_tax_live', 'w', false],
    ['webhooks of everyone (admin)', (em: EntityManager) => webhooksQuery(em, null), 'idx_webhooks_live', 'w', false],
    ['deliveries of a webhook', (em: EntityManager) => deliveriesQuery(em, WEBHOOK), 'idx_webhook_deliveries_time', 'd', false],
    ['attempts of a delivery', (em: EntityManager) => attemptsQuery(em, seqId('d', 0)), 'idx_webhook_attempts_delivery', 'a', false],
    ['users (admin)', (em: EntityManager) => usersQuery(em), 'idx_users_time', 'u', true],
    ['API keys (admin)', (em: EntityManager) => apiKeysQuery(em), 'idx_api_keys_time', 'k', true],
  ] as const) {
    for (const [shape, after] of [
      ['first page', null],
      ['deep cursor', { at: new Date('2024-01-01T05:00:00Z'), id: 'ffffffff-0000-0000-0000-000000000000' }],
    ] as const) {
      it(`${name}, ${shape}`, async () => {
        const [sql, params] = newestFirstQuery<ObjectLiteral>(query(ds.manager), alias, after, 51).getQueryAndParameters();
        expectOrderedRange(ds, await planOf(ds, sql, params), index, `${name} ${shape}`, whole && !after, alias);
      });
    }
  }

  // A delivery claim's two checks (issue 16): each a range of its own index, never the endpoint's
  // every pending delivery (one OR of both conditions read them all: 300,000 rows a claim in the bench).
  for (const [name, query, index] of [
    ['claim: an earlier pending delivery of the endpoint', (em: EntityManager) => earlierPendingQuery(em, WEBHOOK, 1500), 'idx_webhook_deliveries_head'],
    [
      'claim: another delivery of the endpoint held now',
      (em: EntityManager) => heldQuery(em, WEBHOOK, seqId('d', 0), new Date('2024-01-02T00:00:00Z')),
      'idx_webhook_deliveries_claims',
    ],
  ] as const) {
    it(`${name} reads ${index}`, async () => {
      const [sql, params] = query(ds.manager).getQueryAndParameters();
      const plan = await planOf(ds, sql, params);
      if (plan.tables.length) {
        const where = `${name}: ${plan.text}`;
        expect({ where, access: plan.tables[0].access_type, key: plan.tables[0].key }).toEqual({
          where,
          access: expect.stringMatching(/^(range|ref)$/),
          key: index,
        });
      } else {
        expect(plan.text).toMatch(new RegExp(`SEARCH o USING (COVERING )?INDEX ${index} \\(`));
      }
    });
  }

  // GET /v1/counterparties: the taxpayer's counterparties newest first, with or without a search.
  for (const [shape, q] of [
    ['all', null],
    ['by name or tax id', '对方'],
  ] as const) {
    it(`counterparties of a taxpayer (${shape}) read idx_counterparties_recent backwards, never the invoices`, async () => {
      const qb = counterpartiesQuery(ds.manager, BIG);
      if (q) qb.andWhere("(c.counterparty_tax_id LIKE :prefix ESCAPE '!' OR c.name LIKE :contains ESCAPE '!')", { prefix: `${q}%`, contains: `%${q}%` });
      const [sql, params] = qb.orderBy('c.last_at', 'DESC').addOrderBy('c.counterparty_tax_id', 'DESC').limit(20).getQueryAndParameters();
      expectOrderedRange(ds, await planOf(ds, sql, params), 'idx_counterparties_recent', `counterparties ${shape}`, false, 'c');
    });
  }

  it('the quota ledger page reads its primary key range (taxpayer, month, seq)', async () => {
    const sql = 'SELECT * FROM quota_ledger l WHERE l.taxpayer_id = ? AND l.period = ? AND l.seq > ? ORDER BY l.seq ASC LIMIT 51';
    const plan = await planOf(ds, sql, [BIG, '2024-01', 100]);
    if (plan.tables.length) {
      expect({ access: plan.tables[0].access_type, key: plan.tables[0].key, filesort: /filesort/.test(plan.text) }).toEqual({
        access: 'range',
        key: 'PRIMARY',
        filesort: false,
      });
    } else {
      expect(plan.text).toMatch(/SEARCH l USING (INDEX|PRIMARY KEY|INDEX sqlite_autoindex_quota_ledger_1) \(/);
      expect(plan.text).not.toMatch(/TEMP B-TREE/);
    }
  });
});
