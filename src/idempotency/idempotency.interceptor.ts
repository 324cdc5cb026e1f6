import { applyDecorators, CallHandler, createParamDecorator, ExecutionContext, HttpStatus, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { Principal } from '../common/principal';
import { IdempotencyService, RecordResponse } from './idempotency.service';

const RECORDER = Symbol('idempotency-recorder');

/** Applies Idempotency-Key handling to a creating POST (API.md "Conventions"). */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { principal: Principal; [RECORDER]?: RecordResponse }>();
    const res = http.getResponse<Response>();
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    const scope = this.idempotency.scope(req.principal, key, req.method, req.path, req.body);
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    return from(
      this.idempotency.run(scope, res, status, (record) => {
        req[RECORDER] = record;
        return lastValueFrom(next.handle(), { defaultValue: undefined });
      }),
    );
  }
}

/** Route decorator: Idempotency-Key support, documented in the OpenAPI document. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'up to 255 characters; the same key and body from the same principal replays the first response',
    }),
  );

/** The function that stores the response inside the handler's own transaction (a no-op without a key). */
export const IdempotencyRecorder = createParamDecorator((_data: unknown, ctx: ExecutionContext): RecordResponse => {
  const req = ctx.switchToHttp().getRequest();
  return req[RECORDER] ?? Object.assign(async () => undefined, { provisional: async () => undefined, amend: async () => undefined });
});
