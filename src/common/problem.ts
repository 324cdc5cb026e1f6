import { HttpException } from '@nestjs/common';

/** Stable machine-readable error codes (../shared/API.md, "Error codes", plus our additions). */
export const PROBLEM_TITLES = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Not allowed for this role',
  CSRF_FAILED: 'Missing or wrong CSRF token',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  ALREADY_EXISTS: 'Already exists',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused with a different request',
  INVALID_STATE: 'Not possible in the current state',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  NOT_ACCEPTABLE: 'No acceptable representation',
  QUOTA_EXCEEDED: 'Monthly quota exceeded',
  RED_NOT_ALLOWED: 'Red-letter invoice not allowed',
  TAX_MISMATCH: 'Tax amount does not match',
  PAPER_LIMIT_EXCEEDED: 'Paper invoice above the single-invoice maximum',
  RATE_LIMITED: 'Too many requests',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
} as const;

export type ProblemCode = keyof typeof PROBLEM_TITLES;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extra: string]: unknown;
}

export function problemType(code: ProblemCode): string {
  return `urn:einvoice:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** An error that is a value: status, stable code, human detail and context members. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(detail, status);
  }

  toBody(): ProblemBody {
    return {
      type: problemType(this.code),
      title: PROBLEM_TITLES[this.code],
      status: this.getStatus(),
      detail: this.detail,
      code: this.code,
      ...this.extras,
    };
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export const Problems = {
  validation: (errors: FieldError[], detail?: string) =>
    new ProblemException(400, 'VALIDATION_FAILED', detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
  field: (field: string, message: string) => Problems.validation([{ field, message }]),
  unauthenticated: (detail = 'a valid bearer token is required') => new ProblemException(401, 'UNAUTHENTICATED', detail),
  forbidden: (detail = 'your role may not do this') => new ProblemException(403, 'FORBIDDEN', detail),
  notFound: (what: string) => new ProblemException(404, 'NOT_FOUND', `${what} not found`),
  alreadyExists: (what: string) => new ProblemException(409, 'ALREADY_EXISTS', `${what} already exists`),
  invalidState: (detail: string, extras?: Record<string, unknown>) => new ProblemException(409, 'INVALID_STATE', detail, extras),
};
