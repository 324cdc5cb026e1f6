import type { EntityManager } from 'typeorm';

/** Rows per multi-row INSERT: well inside SQLite's 32766 bound variables. */
export const INSERT_CHUNK = 400;

/**
 * A statement's size at most (an estimate from its values; mysql2 writes the values into the SQL
 * text): well inside MySQL's and MariaDB's smallest default max_allowed_packet (16 MiB; 64 MiB
 * on MySQL 8). A single row larger than this is inserted alone.
 */
export const STATEMENT_BYTES = 4 * 1024 * 1024;

/** Bytes a prepared value may take in the SQL text: UTF-8 (3 bytes for a CJK character), escaped. */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length * 3 + 3;
  if (Buffer.isBuffer(value)) return value.length * 2 + 3;
  return 32;
}

/**
 * Inserts entity rows with multi-row INSERTs of at most INSERT_CHUNK rows and about
 * STATEMENT_BYTES (none for an empty list), written directly from the entity's metadata: each
 * value goes through the driver's preparePersistentValue (column transformers included), as
 * TypeORM's insert does, without the query builder's per-parameter bookkeeping, which grows with
 * the square of a statement's parameters and was the largest share of the service's CPU when
 * issuing in groups and batches (test/bench/README.md). Columns left undefined in every row are
 * left to their defaults; rows that leave a column undefined in some rows only go through
 * TypeORM's insert.
 */
export async function insertRows<T extends object>(
  em: EntityManager,
  entity: new () => T,
  rows: T[],
  options: { upsertOn?: (keyof T & string)[] } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const { driver } = em.connection;
  const metadata = em.connection.getMetadata(entity);
  const columns = metadata.columns.filter((column) => rows.some((row) => column.getEntityValue(row) !== undefined));
  if (columns.some((column) => rows.some((row) => column.getEntityValue(row) === undefined))) {
    if (options.upsertOn) throw new Error(`insertRows: an upsert into ${metadata.tableName} needs every column in every row`);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await em.insert(entity, rows.slice(i, i + INSERT_CHUNK) as never[]);
    return;
  }
  const head = `INSERT INTO ${driver.escape(metadata.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = options.upsertOn
    ? upsertClause(
        em,
        columns,
        options.upsertOn.map((p) => metadata.findColumnWithPropertyName(p)!.databaseName),
      )
    : '';
  let params: unknown[] = [];
  let count = 0;
  let bytes = 0;
  const flush = async () => {
    if (count === 0) return;
    await em.query(head + Array(count).fill(tuple).join(', ') + tail, params);
    params = [];
    count = 0;
    bytes = 0;
  };
  for (const row of rows) {
    const values = columns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
    const size = values.reduce((sum: number, v) => sum + sizeOf(v), 0);
    if (count === INSERT_CHUNK || (count > 0 && bytes + size > STATEMENT_BYTES)) await flush();
    params.push(...values);
    count++;
    bytes += size;
  }
  await flush();
}

/**
 * The end of an upsert: a row whose key exists already replaces that row's other columns with
 * its own values (MySQL/MariaDB `ON DUPLICATE KEY UPDATE`, SQLite `ON CONFLICT (...) DO UPDATE`).
 */
function upsertClause(em: EntityManager, columns: { databaseName: string }[], keys: string[]): string {
  const { driver } = em.connection;
  const others = columns.map((c) => driver.escape(c.databaseName)).filter((_, i) => !keys.includes(columns[i].databaseName));
  if (em.connection.options.type === 'mysql' || em.connection.options.type === 'mariadb') {
    return ` ON DUPLICATE KEY UPDATE ${others.map((n) => `${n} = VALUES(${n})`).join(', ')}`;
  }
  return ` ON CONFLICT (${keys.map((k) => driver.escape(k)).join(', ')}) DO UPDATE SET ${others.map((n) => `${n} = excluded.${n}`).join(', ')}`;
}

/**
 * Sets columns of several rows, each to its own values, in one UPDATE (CASE on the key), so that
 * a group touching many quota months writes them in one statement rather than one each.
 * `rows` carry the key properties and the properties to set.
 */
export async function updateRows<T extends object>(
  em: EntityManager,
  entity: new () => T,
  keys: (keyof T & string)[],
  set: (keyof T & string)[],
  rows: T[],
): Promise<void> {
  if (rows.length === 0) return;
  const { driver } = em.connection;
  const metadata = em.connection.getMetadata(entity);
  const column = (property: string) => metadata.findColumnWithPropertyName(property)!;
  const keyColumns = keys.map(column);
  const match = `(${keyColumns.map((c) => `${driver.escape(c.databaseName)} = ?`).join(' AND ')})`;
  const keyParams = (row: T) => keyColumns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
  const params: unknown[] = [];
  const assignments = set.map(column).map((c) => {
    for (const row of rows) params.push(...keyParams(row), driver.preparePersistentValue(c.getEntityValue(row), c));
    return `${driver.escape(c.databaseName)} = CASE ${rows.map(() => `WHEN ${match} THEN ?`).join(' ')} END`;
  });
  for (const row of rows) params.push(...keyParams(row));
  await em.query(`UPDATE ${driver.escape(metadata.tableName)} SET ${assignments.join(', ')} WHERE ${rows.map(() => match).join(' OR ')}`, params);
}
