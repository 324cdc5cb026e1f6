import type { EntityManager } from 'typeorm';

/** Rows per multi-row INSERT: well inside SQLite's 32766 bound variables and MySQL's packet size. */
export const INSERT_CHUNK = 400;

/**
 * Inserts entity rows with multi-row INSERTs of at most INSERT_CHUNK rows (none for an empty
 * list), written directly from the entity's metadata: each value goes through the driver's
 * preparePersistentValue (column transformers included), as TypeORM's insert does, without the
 * query builder's per-parameter bookkeeping, which grows with the square of a statement's
 * parameters and was the largest share of the service's CPU when issuing in groups and batches
 * (test/bench/README.md). Columns left undefined in every row are left to their defaults; a
 * chunk that leaves a column undefined in some rows only goes through TypeORM's insert.
 */
export async function insertRows<T extends object>(em: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  if (rows.length === 0) return;
  const { driver } = em.connection;
  const metadata = em.connection.getMetadata(entity);
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const columns = metadata.columns.filter((column) => chunk.some((row) => column.getEntityValue(row) !== undefined));
    if (columns.some((column) => chunk.some((row) => column.getEntityValue(row) === undefined))) {
      await em.insert(entity, chunk as never[]);
      continue;
    }
    const params: unknown[] = [];
    for (const row of chunk) for (const column of columns) params.push(driver.preparePersistentValue(column.getEntityValue(row), column));
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    await em.query(
      `INSERT INTO ${driver.escape(metadata.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES ${Array(chunk.length).fill(tuple).join(', ')}`,
      params,
    );
  }
}

/**
 * Sets columns of several rows, each to its own values, in one UPDATE (CASE on the key), so that
 * a group touching many quota months writes them in one statement rather than one each.
 * `rows` carry the key properties and the properties to set.
 */
export async function updateRows<T extends object>(em: EntityManager, entity: new () => T, keys: (keyof T & string)[], set: (keyof T & string)[], rows: T[]): Promise<void> {
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
