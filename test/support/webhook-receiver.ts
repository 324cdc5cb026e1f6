import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// A webhook receiver for the tests (issue 16): a real HTTP server on 127.0.0.1 that records every
// request. By path: `/redirect` answers 302 to /target; `/hang…` is held unanswered until
// released; any other path answers from its script of statuses (`script`), then 200.

type Json = Record<string, any>;

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Json;
  /** The status it was answered with (null while held). */
  status: number | null;
}

export class Receiver {
  readonly received: Received[] = [];
  readonly held: { path: string; res: http.ServerResponse }[] = [];
  readonly script = new Map<string, number[]>();
  private server!: http.Server;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const entry: Received = { path: req.url!, headers: req.headers, raw, body: raw ? JSON.parse(raw) : {}, status: null };
        this.received.push(entry);
        if (req.url!.startsWith('/hang')) return void this.held.push({ path: req.url!, res });
        if (req.url === '/redirect') {
          entry.status = 302;
          return void res.writeHead(302, { location: '/target' }).end();
        }
        const statuses = this.script.get(req.url!) ?? [];
        entry.status = statuses.length ? statuses.shift()! : 200;
        res.writeHead(entry.status).end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Held requests still open (neither answered nor given up by the service). */
  open(prefix: string): { path: string; res: http.ServerResponse }[] {
    return this.held.filter((h) => h.path.startsWith(prefix) && !h.res.writableEnded && !h.res.socket?.destroyed);
  }

  /** Answers 200 to the held requests under `prefix`. */
  release(prefix: string): void {
    for (const h of this.held.filter((x) => x.path.startsWith(prefix))) if (!h.res.writableEnded) h.res.writeHead(200).end('late');
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Waits (polling every 100 ms) until `probe` answers something truthy; fails naming `what` after `seconds`. */
export async function until<T>(what: string, probe: () => T | Promise<T>, seconds = 60): Promise<NonNullable<T>> {
  for (let i = 0; i < seconds * 10; i++) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The receiver's check of `Einvoice-Signature`, written here from the API.md definition (not the
 * service's code): one `v1=` is the HMAC-SHA256 of "<t>.<raw body>" under the secret, and `t` is
 * within `toleranceSeconds` of now (Infinity: not checked).
 */
export function signedBy(header: string | string[] | undefined, raw: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = String(header).split(',');
  const t = parts.find((p) => p.startsWith('t='))?.slice(2) ?? '';
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex');
  return Math.abs(Date.now() / 1000 - Number(t)) < toleranceSeconds && parts.some((p) => p === `v1=${expected}`);
}
