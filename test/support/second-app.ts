import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { TEST_SIGNING_KEY_SECRET, TestApp } from './test-app';

/** The DATABASE_URL a test app runs on, so that a second process-like app can share it. */
export function databaseUrlOf(t: TestApp): string {
  const options = t.dataSource.options as { type: string; database?: string; url?: string };
  return options.type === 'better-sqlite3' ? `sqlite:${options.database}` : options.url!;
}

/** A second app instance (its own pool, caches, clock and limiter: another process, as far as
 * the service can tell) on the database of `t`. Close it before `t`, which drops the database. */
export async function secondApp(t: TestApp, env: Record<string, string> = {}): Promise<INestApplication> {
  const config = loadConfig({
    DATABASE_URL: databaseUrlOf(t),
    EINVOICE_CLOCK: 'manual',
    LOG_LEVEL: 'error',
    BCRYPT_COST: '4',
    // The first app's: a process whose secret does not open the current signing key does not start.
    SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  return app;
}

/** One request to a listening app from a chosen loopback source address (127.0.0.x), for rules
 * keyed by the client address. */
export function requestFrom(
  server: http.Server,
  localAddress: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const { port } = server.address() as AddressInfo;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        localAddress,
        headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
