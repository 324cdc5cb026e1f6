import { DataSource } from 'typeorm';
import { auditListQuery } from '../../src/audit/audit.controller';
import { AuditEventEntity } from '../../src/audit/audit-event.entity';
import { timeOrderedId } from '../../src/audit/audit.service';
import { Branch, branches, branchQuery, InvoiceFilter, invoicesByKeys, scanKeys, takeKeys } from '../../src/invoices/invoice-scan';
import { InvoiceEntity } from '../../src/invoices/invoice.entities';
import { startApp, TestApp } from '../support/test-app';
import { makeTaxId } from '../support/tax-ids';

// Issue 17, "a test that cannot be fooled by a fast machine": every query shape a list, filter or
// export runs reads an ordered index range in the keyset order, with no sort and no scan of the
// taxpayer's whole history. On MariaDB/MySQL from EXPLAIN FORMAT=JSON; on SQLite from EXPLAIN
// QUERY PLAN. Timing stays in the bench.

const BIG = makeTaxId('31', 9_000_001);
const SMALL = makeTaxId('32', 9_000_002);
const OTHER = makeTaxId('33', 9_000_003);
const ROWS = 4000;

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
function expectOrderedRange(ds: DataSource, plan: { text: string; tables: MysqlTable[] }, index: string, what: string, unbounded = false): void {
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
      new RegExp(`^SEARCH i USING (COVERING )?INDEX ${index} \\(`).test(plan.text) ||
      (unbounded && new RegExp(`^SCAN i USING (COVERING )?INDEX ${index}$`).test(plan.text));
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
    await ds.query(ds.options.type === 'mysql' || ds.options.type === 'mariadb' ? 'ANALYZE TABLE invoices, audit_events' : 'ANALYZE');
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

  for (const [name, f, index] of [
    ['audit events of a taxpayer', { taxId: BIG, action: null }, 'idx_audit_taxpayer_id'],
    ['audit events of a taxpayer and action', { taxId: BIG, action: 'invoice.voided' }, 'idx_audit_taxpayer_action_id'],
    ['audit events of an action', { taxId: null, action: 'invoice.voided' }, 'idx_audit_action_id'],
  ] as const) {
    it(`${name}: first page and deep cursor`, async () => {
      for (const afterId of [null, timeOrderedId(Date.parse('2024-01-01T00:20:00Z'))]) {
        const [sql, params] = auditListQuery(ds.manager, { ...f, from: null, to: null, after: afterId }, 51).getQueryAndParameters();
        const plan = await planOf(ds, sql, params);
        // The join to audit_chain is by its unique event_id: check the events table's access only.
        const mysql = plan.tables.length > 0;
        if (mysql) {
          const events = plan.tables.find((x) => (x as { table_name?: string }).table_name === 'e')!;
          expect({ name, access: events.access_type, key: events.key }).toEqual({ name, access: expect.stringMatching(/^(range|ref)$/), key: index });
          expect({ name, filesort: /filesort/.test(plan.text) }).toEqual({ name, filesort: false });
        } else {
          expect({ name, plan: new RegExp(`SEARCH e USING (COVERING )?INDEX ${index} \\(`).test(plan.text), sort: /TEMP B-TREE/.test(plan.text) }).toEqual({
            name,
            plan: true,
            sort: false,
          });
        }
      }
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
