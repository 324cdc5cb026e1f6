/**
 * A large invoice table cheaply, for test/bench/page-reads.ts: copies the invoices, lines and
 * red-letter slips of a database the growth section kept (BENCH_GROWTH_DATABASE) into a new one,
 * the other tables as they are, then doubles the invoices, lines and slips DOUBLINGS times (4:
 * x16) with new numbers (the sequence part moved past the last one) and issue times a few seconds
 * later, so the spread over sellers, buyers, months, colors, statuses and kinds stays the source's.
 * Not the service's own writes (no audit events, quota or counterparties for the copies): for
 * counting what the read queries read, not for the growth section's figures.
 *
 *   node -r ts-node/register/transpile-only test/bench/grow-copy.ts mysql://root:@127.0.0.1:3306 <source db> <new db> [doublings]
 */
import { createConnection } from 'mysql2/promise';

async function main(server: string, source: string, target: string, doublings: number): Promise<void> {
  const conn = await createConnection({ uri: server, multipleStatements: false });
  const columns = async (table: string) =>
    (
      (
        await conn.query('SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [
          source,
          table,
        ])
      )[0] as { c: string }[]
    ).map((r) => r.c);
  try {
    await conn.query(`CREATE DATABASE \`${target}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [tables] = (await conn.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [source])) as unknown as [
      { t: string }[],
    ];
    for (const { t } of tables) {
      await conn.query(`CREATE TABLE \`${target}\`.\`${t}\` LIKE \`${source}\`.\`${t}\``);
      await conn.query(`INSERT INTO \`${target}\`.\`${t}\` SELECT * FROM \`${source}\`.\`${t}\``);
    }
    await conn.query(`USE \`${target}\``);
    // A number's last 13 digits are its sequence: each copy moves it past every number so far.
    const renumber = (c: string) => `CONCAT(LEFT(${c}, 7), LPAD(CAST(SUBSTRING(${c}, 8) AS UNSIGNED) + @off, 13, '0'))`;
    const [[{ top }]] = (await conn.query('SELECT MAX(CAST(SUBSTRING(number, 8) AS UNSIGNED)) AS top FROM invoices')) as unknown as [{ top: string }[]];
    const step = 10 ** String(top).length;
    const copy = (table: string, cols: string[], change: Record<string, string>) =>
      `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(', ')}) SELECT ${cols.map((c) => change[c] ?? `\`${c}\``).join(', ')} FROM ${table}`;
    const invoices = await columns('invoices');
    const lines = await columns('invoice_lines');
    const slips = await columns('red_confirmations');
    for (let s = 0; s < doublings; s++) {
      const later = `INTERVAL ${2 ** s} SECOND`;
      await conn.query('SET @off = ?', [step * 2 ** s]);
      await conn.query(
        copy('invoices', invoices, {
          number: renumber('number'),
          blue_number: `IF(blue_number IS NULL, NULL, ${renumber('blue_number')})`,
          issued_at: `issued_at + ${later}`,
        }),
      );
      await conn.query(copy('invoice_lines', lines, { invoice_number: renumber('invoice_number') }));
      await conn.query(
        copy('red_confirmations', slips, {
          id: 'UUID()',
          number: renumber('number'),
          blue_number: renumber('blue_number'),
          created_at: `created_at + ${later}`,
          updated_at: `updated_at + ${later}`,
        }),
      );
      const [[{ n }]] = (await conn.query('SELECT COUNT(*) AS n FROM invoices')) as unknown as [{ n: number }[]];
      console.log(`doubling ${s + 1}: ${n} invoices`);
    }
    await conn.query('ANALYZE TABLE invoices, invoice_lines, red_confirmations');
  } finally {
    await conn.end();
  }
}

const [server, source, target, doublings] = process.argv.slice(2);
if (!server || !source || !target) throw new Error('usage: grow-copy.ts <mysql server url> <source db> <new db> [doublings]');
void main(server, source, target, Number(doublings ?? 4));
