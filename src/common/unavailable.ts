/**
 * Telling "the database is unavailable" from "this statement is wrong", so that the problem
 * filter answers 503 with Retry-After instead of 500 (issue 11 item 11). Pure classification of
 * driver errors: it lives in the kernel's common/ so that the filter needs nothing of database/.
 */

/** Driver error codes that mean "the database cannot be reached or is going away", not "this
 * statement is wrong": mysql2 (socket errors, lost connections, a closed pool, a server shutting
 * down or out of connections) and SQLite (busy past its timeout, the file unreadable). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_GONE_ERROR',
  'ER_SERVER_LOST',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_READ_INTERRUPTED',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);
const UNAVAILABLE_ERRNOS = new Set([1040 /* too many connections */, 1053 /* server shutdown */, 1927 /* connection killed */, 2002, 2003, 2006, 2013]);
const UNAVAILABLE_MESSAGES = new RegExp(
  [
    'pool is closed',
    'connection is in closed state',
    'connection lost',
    "can't add new command when connection is in closed state",
    'connect etimedout',
    'driver not connected',
    'no connection options',
    'connection is not established',
  ].join('|'),
  'i',
);

/**
 * Whether an error says the database is unavailable (down, restarting, unreachable, out of
 * connections): answered 503 SERVICE_UNAVAILABLE with Retry-After rather than 500 (issue 11
 * item 11). Looks through TypeORM's QueryFailedError (driverError) and error causes.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { code?: unknown; errno?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; name?: unknown };
  // SQLite's extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) count as their primary code.
  const code = typeof e.code === 'string' ? (e.code.startsWith('SQLITE_') ? e.code.split('_').slice(0, 2).join('_') : e.code) : undefined;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof e.errno === 'number' && UNAVAILABLE_ERRNOS.has(e.errno) && typeof e.code === 'string' && e.code.startsWith('ER_')) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (e.name === 'ConnectionIsNotSetError' || e.name === 'CannotExecuteNotConnectedError') return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}

/** Seconds a client should wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
