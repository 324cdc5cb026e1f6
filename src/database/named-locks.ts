import type { QueryRunner } from 'typeorm';

/**
 * MySQL / MariaDB named locks (GET_LOCK) for this database only. Lock names are server-wide, so
 * the name carries a digest of the current database's name: two databases on one server (two
 * deployments, a benchmark beside CI) never wait for each other's migrations or audit sealing.
 */
const SCOPED = "CONCAT(?, '@', LEFT(MD5(DATABASE()), 16))";

/** Takes the lock on `runner`'s connection, waiting up to `seconds`; false when another connection holds it. */
export async function takeNamedLock(runner: QueryRunner, name: string, seconds: number): Promise<boolean> {
  const [row] = await runner.query(`SELECT GET_LOCK(${SCOPED}, ?) AS got`, [name, seconds]);
  return Number(row.got) === 1;
}

export async function releaseNamedLock(runner: QueryRunner, name: string): Promise<void> {
  await runner.query(`SELECT RELEASE_LOCK(${SCOPED})`, [name]);
}
