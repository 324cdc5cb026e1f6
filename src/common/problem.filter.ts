import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './unavailable';
import { ProblemBody, ProblemCode, ProblemException, PROBLEM_TITLES, problemType } from './problem';

const CODE_BY_STATUS: Record<number, ProblemCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'INVALID_STATE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns any error into an RFC 9457 problem. Client errors keep their status; an unavailable
 * database is 503 SERVICE_UNAVAILABLE with retryAfter (sent as Retry-After); anything
 * unexpected is logged with its stack and answered as a short 500 (never a stack trace). */
export function toProblem(error: unknown, logger: Logger, request?: Request): ProblemBody {
  if (error instanceof ProblemException) return error.toBody();
  const status = error instanceof HttpException ? error.getStatus() : httpStatusOf(error);
  if (status !== undefined && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED';
    const detail = clientDetail(error, status, request);
    return { type: problemType(code), title: PROBLEM_TITLES[code], status, detail, code };
  }
  if (isDatabaseUnavailable(error)) {
    // The database is down, restarting or out of connections: a condition to wait out, not a bug.
    logger.warn(`database unavailable: ${(error as Error)?.message ?? String(error)}`);
    return {
      type: problemType('SERVICE_UNAVAILABLE'),
      title: PROBLEM_TITLES.SERVICE_UNAVAILABLE,
      status: 503,
      detail: 'the database is unavailable; retry later',
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
    };
  }
  logger.error(`unexpected error: ${(error as Error)?.message ?? String(error)}`, (error as Error)?.stack);
  return {
    type: problemType('INTERNAL'),
    title: PROBLEM_TITLES.INTERNAL,
    status: 500,
    detail: 'an unexpected error occurred; it has been logged',
    code: 'INTERNAL',
  };
}

/** Errors raised by Express middleware (body-parser, http-errors) carry a status of their own:
 * a client error they mark as such (a `type`, or `expose`) keeps it. */
function httpStatusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  return typeof e.type === 'string' || e.expose === true ? status : undefined;
}

function clientDetail(error: unknown, status: number, request?: Request): string {
  const type = (error as { type?: string })?.type;
  if (type === 'entity.parse.failed') return 'the body is not valid JSON';
  if (type === 'entity.too.large') return 'the request body is larger than allowed';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'the body must be UTF-8';
  if (!(error instanceof HttpException) && status === 400) return 'the body could not be read (is its Content-Encoding right?)';
  if (status === 404 && request) return `no route ${request.method} ${request.path}`;
  const message = error instanceof HttpException ? error.message : undefined;
  return message ?? PROBLEM_TITLES[CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED'];
}

export function sendProblem(response: Response, body: ProblemBody): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // A refusal that says when to come back (rate limits, a locked account, a full issuing lane).
  const retryAfter = (body as { retryAfter?: unknown }).retryAfter;
  if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(retryAfter));
  response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    sendProblem(http.getResponse<Response>(), toProblem(error, this.logger, request));
  }
}
