import { applyDecorators, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_TITLES } from './problem';

/** OpenAPI pieces shared by every controller: the problem schema and response helpers. */

export class FieldErrorDto {
  @ApiProperty({ example: 'lines[0].taxRate', description: 'the path of the field in the request' })
  field: string;

  @ApiProperty({ example: 'must be one of 0.13, 0.09, 0.06, 0.05, 0.03, 0.015, 0.01, 0' })
  message: string;
}

/** An RFC 9457 problem, as every error is answered (content type application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'urn:einvoice:problem:validation-failed' })
  type: string;

  @ApiProperty({ example: PROBLEM_TITLES.VALIDATION_FAILED })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'lines[0].taxRate: must be one of 0.13, 0.09, 0.06, 0.05, 0.03, 0.015, 0.01, 0' })
  detail: string;

  @ApiProperty({ enum: Object.keys(PROBLEM_TITLES), enumName: 'ProblemCode', description: 'stable machine-readable code' })
  code: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'VALIDATION_FAILED and TAX_MISMATCH: one entry per field' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ example: '1200.00', description: 'QUOTA_EXCEEDED: the amount still available this month' })
  available?: string;

  @ApiPropertyOptional({ example: 30, description: 'RATE_LIMITED, SERVICE_UNAVAILABLE: seconds to wait (also in Retry-After)' })
  retryAfter?: number;
}

const WHY: Record<number, string> = {
  400: 'VALIDATION_FAILED: the body, a parameter or a query is not valid (errors names each field)',
  401: 'UNAUTHENTICATED: no, an unknown, an expired or a revoked token or session',
  403: 'FORBIDDEN: the role may not do this; CSRF_FAILED: a cookie-authenticated unsafe request without X-CSRF-Token',
  404: 'NOT_FOUND',
  406: 'NOT_ACCEPTABLE',
  409: 'ALREADY_EXISTS, INVALID_STATE or IDEMPOTENCY_KEY_REUSED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'a business rule refuses it (QUOTA_EXCEEDED, TAX_MISMATCH, PAPER_LIMIT_EXCEEDED, RED_NOT_ALLOWED, ...)',
  429: 'RATE_LIMITED: wait retryAfter seconds',
  500: 'INTERNAL: an unexpected error (logged)',
  503: 'SERVICE_UNAVAILABLE: retry after retryAfter seconds (with the same Idempotency-Key)',
};

/** Problem responses for these statuses (at a controller: for each of its operations). */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: WHY[status] ?? 'a problem',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}

/** The problems every authenticated operation can answer. */
export const ApiAuthenticatedProblems = () => ApiProblems(401, 403, 429, 500);

/** A JSON success response whose body is `type` (or an array of it). */
export function ApiJson(status: number, type: Type<unknown> | [Type<unknown>], description = 'OK') {
  return ApiResponse({ status, type, description });
}

/** Either a bearer token, or the console's session cookie (with X-CSRF-Token on unsafe methods). */
export const ApiAuth = () => applyDecorators(ApiBearerAuth(), ApiSecurity({ cookie: [], csrf: [] }));
