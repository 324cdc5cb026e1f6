import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from './principal';

const logger = new Logger('HTTP');

/** One structured line per request: principal, route, status, duration. Never headers or bodies
 * (so never a token or a password). */
export function requestLog(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const principal = (req as Request & { principal?: Principal }).principal;
    logger.log({
      msg: 'request',
      method: req.method,
      route: (req.route?.path as string | undefined) ?? null,
      path: req.path,
      status: res.statusCode,
      durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      principal: principal ? principal.actorRef : null,
      role: principal?.role ?? null,
    });
  });
  next();
}
