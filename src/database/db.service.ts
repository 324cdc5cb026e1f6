import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

const RETRYABLE_MYSQL_ERRNOS = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);
const MAX_ATTEMPTS = 5;

/**
 * The transaction helper. Every write goes through `transaction()`.
 *
 * - SQLite (embedded): TypeORM's better-sqlite3 driver has a single connection and query
 *   runner, so two interleaved transactions would share it (and one's ROLLBACK would undo the
 *   other's work). Top-level transactions are therefore run one at a time, FIFO, in-process;
 *   the embedded database serves one process.
 * - MySQL / MariaDB: each transaction takes a pooled connection; a deadlock or lock-wait
 *   timeout rolls it back and the work is retried from the start (work must be re-runnable:
 *   database effects only).
 */
@Injectable()
export class Db {
  private readonly logger = new Logger(Db.name);
  private readonly serialized: boolean;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() readonly dataSource: DataSource) {
    this.serialized = dataSource.options.type === 'better-sqlite3';
  }

  get kind(): 'sqlite' | 'mysql' {
    return this.serialized ? 'sqlite' : 'mysql';
  }

  /** Whether SELECT ... FOR UPDATE is needed (and available) to lock a row in a transaction.
   * SQLite has no row locks; its transactions already run one at a time. */
  get rowLocks(): boolean {
    return !this.serialized;
  }

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serialized) return this.withRetry(work);
    const run = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async withRetry<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        const errno = (error as { driverError?: { errno?: number } }).driverError?.errno ?? (error as { errno?: number }).errno;
        if (attempt >= MAX_ATTEMPTS || errno === undefined || !RETRYABLE_MYSQL_ERRNOS.has(errno)) throw error;
        this.logger.warn(`transaction retried after errno ${errno} (attempt ${attempt})`);
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }
}
