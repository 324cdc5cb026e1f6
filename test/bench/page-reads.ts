/**
 * Issue 17: what one page of each invoice list shape, and the first batch of each export, reads
 * on a MariaDB database, counted by the server (`FLUSH STATUS`, then `SHOW SESSION STATUS LIKE
 * 'Handler_read%'`), which the machine's load cannot fool: run it on a small and on a large
 * database (e.g. one kept by the growth section with BENCH_GROWTH_DATABASE) and compare. A shape
 * whose reads grow with the table is a bug; a time that grows while the reads stay flat is the
 * machine. Prints the best of REPEAT (5) times next to the counts. Asserts nothing.
 *
 *   node -r ts-node/register/transpile-only test/bench/page-reads.ts mysql://root:@127.0.0.1:3306/<database>
 *
 * The taxpayers are found in the data: the biggest seller and a buyer with a few thousand
 * invoices (the growth section's "small taxpayer"); the deep cursor is 3/4 into the big seller's
 * history.
 */
import 'reflect-metadata';
import { DataSource, In, QueryRunner } from 'typeorm';
import { EXPORT_BATCH } from '../../src/exports/exports.service';
import { InvoiceEntity, InvoiceLineEntity } from '../../src/invoices/invoice.entities';
import { InvoiceFilter, InvoiceKey, takeKeys } from '../../src/invoices/invoice-scan';
import { invoicesAndLines, scanKeys } from '../../src/invoices/invoices.repository';
import { RedConfirmationEntity, RedConfirmationLineEntity } from '../../src/red-letter/red-letter.entities';

const REPEAT = Number(process.env.REPEAT ?? 5);

async function counters(qr: QueryRunner): Promise<string> {
  const rows: { Variable_name: string; Value: string }[] = await qr.query(
    "SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_key', 'Handler_read_next', 'Handler_read_prev', 'Handler_read_first', 'Handler_read_last', 'Handler_read_rnd', 'Handler_read_rnd_next', 'Sort_rows')",
  );
  return rows.map((r) => `${r.Variable_name.replace('Handler_read_', '')} ${r.Value}`).join(', ');
}

/** Best time of REPEAT runs, then one more run between FLUSH STATUS and the counters. */
async function measured(qr: QueryRunner, run: () => Promise<unknown>): Promise<string> {
  let best = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await qr.query('FLUSH STATUS');
  await run();
  return `${best.toFixed(1).padStart(6)} ms  ${await counters(qr)}`;
}

async function main(url: string): Promise<void> {
  const ds = new DataSource({
    type: 'mariadb',
    url,
    timezone: 'Z',
    charset: 'utf8mb4_bin',
    supportBigNumbers: true,
    bigNumberStrings: true,
    entities: [InvoiceEntity, InvoiceLineEntity, RedConfirmationEntity, RedConfirmationLineEntity],
    // One connection: the session counters then count every query of the page.
    poolSize: 1,
  });
  await ds.initialize();
  const qr = ds.createQueryRunner();
  const em = qr.manager;
  try {
    const [{ big, n }] = await qr.query('SELECT seller_tax_id AS big, COUNT(*) AS n FROM invoices GROUP BY seller_tax_id ORDER BY n DESC LIMIT 1');
    const [{ small }] = await qr.query(
      "SELECT buyer_tax_id AS small FROM invoices WHERE buyer_tax_id LIKE '9%' GROUP BY buyer_tax_id ORDER BY ABS(COUNT(*) - ?) LIMIT 1",
      [Number(n) / 20],
    );
    const [deep] = await qr.query(
      `SELECT issued_at, number FROM invoices USE INDEX (idx_inv_seller_time) WHERE seller_tax_id = ? ORDER BY issued_at, number LIMIT 1 OFFSET ${Math.floor(Number(n) / 4)}`,
      [big],
    );
    const [{ total }] = await qr.query('SELECT COUNT(*) AS total FROM invoices');
    console.log(`${total} invoices; big seller ${big} (${n}), small taxpayer ${small}; best of ${REPEAT}`);
    const none = { from: null, to: null };
    const month = { from: new Date('2026-02-28T16:00:00Z'), to: new Date('2026-03-31T16:00:00Z') };
    const shapes: [string, InvoiceFilter, InvoiceKey | null][] = [
      ['list issued, big seller, page 1', { taxId: big, direction: 'issued', ...none }, null],
      ['list issued, big seller, deep cursor', { taxId: big, direction: 'issued', ...none }, { issuedAt: deep.issued_at, number: deep.number }],
      ['list received, small taxpayer, page 1', { taxId: small, direction: 'received', ...none }, null],
      ['list both, small taxpayer, page 1', { taxId: small, direction: 'both', ...none }, null],
      ['list both, big seller, page 1', { taxId: big, direction: 'both', ...none }, null],
      ['list issued, big seller, one month', { taxId: big, direction: 'issued', ...month }, null],
      ['list both, small, one month + status', { taxId: small, direction: 'both', status: 'issued', ...month }, null],
      ['list received, small, type=special', { taxId: small, direction: 'received', type: 'special', ...none }, null],
      ['list issued, big, counterparty', { taxId: big, direction: 'issued', counterparty: small.slice(0, 12), ...none }, null],
      ['officer: big seller, status=red_full', { taxId: big, direction: 'issued', status: 'red_full', ...none }, null],
      ['officer: big seller, type=special', { taxId: big, direction: 'issued', type: 'special', ...none }, null],
      ['officer: big seller, medium=paper', { taxId: big, direction: 'issued', medium: 'paper', ...none }, null],
      ['officer: everyone, page 1', { taxId: null, direction: 'both', ...none }, null],
      ['officer: everyone, status=red_full', { taxId: null, direction: 'both', status: 'red_full', ...none }, null],
    ];
    for (const [name, filter, after] of shapes) {
      // The queries of GET /v1/invoices (InvoicesService.list and the red-letter relations of its views).
      let keys: InvoiceKey[] = [];
      let blues: string[] = [];
      const steps: [string, () => Promise<unknown>][] = [
        ['keys', async () => (keys = await takeKeys(scanKeys(em, filter, 'DESC', after, 51), 51))],
        [
          'invoices + lines',
          async () => (blues = (await invoicesAndLines(em, keys.slice(0, 50))).invoices.filter((i) => i.color === 'blue').map((i) => i.number)),
        ],
        [
          'slips of the blues',
          async () => blues.length && em.find(RedConfirmationEntity, { where: { blueNumber: In(blues) }, order: { createdAt: 'ASC', id: 'ASC' } }),
        ],
        [
          'reds of the blues',
          async () => blues.length && em.find(InvoiceEntity, { where: { blueNumber: In(blues) }, order: { issuedAt: 'ASC', number: 'ASC' } }),
        ],
      ];
      console.log(name);
      for (const [step, run] of steps) console.log(`  ${step.padEnd(20)} ${await measured(qr, run)}`);
      console.log(`  (${keys.length} keys)`);
    }
    for (const [name, filter] of [
      ['export, big seller, issued', { taxId: big, direction: 'issued', ...none }],
      ['export, big seller, both', { taxId: big, direction: 'both', ...none }],
      ['export, small taxpayer, received', { taxId: small, direction: 'received', ...none }],
    ] as [string, InvoiceFilter][]) {
      // What the first byte waits for: the first batch's keys, invoices and lines.
      for (const [label, batch, size] of [
        ['first batch of 500 (before)', 500, 500],
        [`first batch of ${EXPORT_BATCH.first} (now)`, EXPORT_BATCH, EXPORT_BATCH.first],
      ] as const) {
        const run = async () => invoicesAndLines(em, await takeKeys(scanKeys(em, filter, 'ASC', null, batch), size));
        console.log(`${name}, ${label.padEnd(28)} ${await measured(qr, run)}`);
      }
    }
  } finally {
    await qr.release();
    await ds.destroy();
  }
}

void main(process.argv[2] ?? 'mysql://root:@127.0.0.1:3306/einvoice');
