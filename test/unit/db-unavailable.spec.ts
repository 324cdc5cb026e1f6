import { Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { toProblem } from '../../src/common/problem.filter';
import { isDatabaseUnavailable } from '../../src/common/unavailable';

const withCode = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`driver said ${code}`), { code, ...extra });

// Issue 11 item 11: a database that is down, restarting or out of connections is 503
// SERVICE_UNAVAILABLE with Retry-After, not 500 INTERNAL.
describe('isDatabaseUnavailable', () => {
  it.each([
    ['ECONNREFUSED', withCode('ECONNREFUSED', { errno: -111 })],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['PROTOCOL_CONNECTION_LOST', withCode('PROTOCOL_CONNECTION_LOST')],
    ['ER_CON_COUNT_ERROR', withCode('ER_CON_COUNT_ERROR', { errno: 1040 })],
    ['ER_SERVER_SHUTDOWN', withCode('ER_SERVER_SHUTDOWN', { errno: 1053 })],
    ['ER_CONNECTION_KILLED', withCode('ER_CONNECTION_KILLED', { errno: 1927 })],
    ['a closed pool', new Error('Pool is closed.')],
    ['a closed connection', new Error("Can't add new command when connection is in closed state")],
    ['SQLITE_BUSY', withCode('SQLITE_BUSY')],
    ['SQLITE_IOERR_WRITE', withCode('SQLITE_IOERR_WRITE')],
    ['a QueryFailedError around ECONNRESET', new QueryFailedError('SELECT 1', [], withCode('ECONNRESET'))],
    ['an error caused by PROTOCOL_CONNECTION_LOST', new Error('wrapped', { cause: withCode('PROTOCOL_CONNECTION_LOST') })],
  ])('%s is unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a duplicate key', withCode('ER_DUP_ENTRY', { errno: 1062 })],
    ['a syntax error', new QueryFailedError('SELEC 1', [], withCode('ER_PARSE_ERROR', { errno: 1064 }))],
    ['a deadlock', withCode('ER_LOCK_DEADLOCK', { errno: 1213 })],
    ['a SQLite constraint', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('%s is not', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('toProblem', () => {
  const logger = new Logger('test');
  beforeAll(() => Logger.overrideLogger(false));

  it('answers an unavailable database with 503 SERVICE_UNAVAILABLE and retryAfter', () => {
    const body = toProblem(new QueryFailedError('SELECT 1', [], withCode('ECONNREFUSED')), logger);
    expect(body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: expect.any(Number) });
    expect(body.retryAfter as number).toBeGreaterThan(0);
  });

  it('still answers a bug with 500 INTERNAL', () => {
    expect(toProblem(new TypeError('boom'), logger)).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});
