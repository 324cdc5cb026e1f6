import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import expressStaticGzip from 'express-static-gzip';
import helmet from 'helmet';
import { PROBLEM_TITLES, problemType } from './common/problem';
import { sendProblem } from './common/problem.filter';

/** Paths that belong to the API, its documentation and health: never the console. */
export function isServicePath(p: string): boolean {
  return /^\/(v1|docs|docs-json|health)(\/|$)/.test(p);
}

/**
 * The console's security headers (helmet). Scripts only from this origin (Vite emits no inline
 * script); styles also inline, because Ant Design's CSS-in-JS inserts <style> elements at run
 * time; never framed (frame-ancestors 'none'); nosniff. No HSTS or upgrade-insecure-requests:
 * the service speaks plain HTTP on localhost, and TLS (with HSTS) belongs to the proxy in front.
 */
export const consoleHelmet = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'frame-src': ["'self'", 'blob:'],
      'worker-src': ["'self'", 'blob:'],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  },
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
});

/**
 * Serves the built console (web/dist) at `/`: its files, and index.html for any other GET that is
 * not the API's (the console's own routes, e.g. /invoices/new), with the headers above. Hashed
 * assets are cached for a year; index.html is revalidated every time, so a new build shows at once.
 */
export function consoleMiddleware(dir: string) {
  const index = path.join(dir, 'index.html');
  // The build's brotli / gzip copies (scripts/build-web.js) go to browsers that accept them.
  const files = expressStaticGzip(dir, {
    enableBrotli: true,
    orderPreference: ['br', 'gzip'],
    index: false,
    serveStatic: {
      index: false,
      fallthrough: true,
      setHeaders: (res, file) => {
        if (file.startsWith(path.join(dir, 'assets') + path.sep)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        else res.setHeader('Cache-Control', 'no-cache');
      },
    },
  });
  const fallback = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset (a file name with an extension) stays a 404; a route of the app gets index.html.
    if (/\.[a-z0-9]{1,8}$/i.test(req.path) && req.path !== '/index.html') return next();
    if (!fs.existsSync(index)) {
      return sendProblem(res, {
        type: problemType('NOT_FOUND'),
        title: PROBLEM_TITLES.NOT_FOUND,
        status: 404,
        code: 'NOT_FOUND',
        detail: `the console is not built here (no ${index}); run npm run build:web, or npm start which builds it`,
      });
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (isServicePath(req.path)) return next();
    consoleHelmet(req, res, (error?: unknown) => {
      if (error) return next(error);
      files(req, res, (err?: unknown) => (err ? next(err) : fallback(req, res, next)));
    });
  };
}
