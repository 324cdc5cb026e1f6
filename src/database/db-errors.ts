import type { EntityManager } from 'typeorm';
import { Problems } from '../common/problem';

/** Whether a driver error is a unique-key violation (MySQL/MariaDB or SQLite). */
export function isDuplicate(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Insert, turning a unique-key race into 409 ALREADY_EXISTS. */
export async function insertOrConflict<T extends object>(em: EntityManager, entity: new () => T, row: T, what: string): Promise<void> {
  try {
    await em.insert(entity, row as never);
  } catch (error) {
    if (isDuplicate(error)) throw Problems.alreadyExists(what);
    throw error;
  }
}
