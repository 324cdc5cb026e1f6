import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, LookupFunction, Socket } from 'node:net';
import { refusal } from './address-policy';

export const TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** The start of an answer's body kept in the attempt history. */
export const EXCERPT_BYTES = 1024;

export type PostErrorClass = 'http_status' | 'redirect' | 'timeout' | 'refused' | 'network' | 'invalid_url';

export interface PostOutcome {
  /** The HTTP status, or null when no response came (refused, timed out, connection failed). */
  status: number | null;
  durationMs: number;
  /** Why it is not a success (null on 2xx). */
  error: string | null;
  /** The kind of failure, in one word (null on 2xx). */
  errorClass: PostErrorClass | null;
  /** The first EXCERPT_BYTES of the answer's body as UTF-8 (no character cut in half); null without one. */
  excerpt: string | null;
}

/** At most `max` bytes of UTF-8 from the start of `bytes`, never half a character. */
export function utf8Excerpt(bytes: Buffer, max = EXCERPT_BYTES): string {
  let end = Math.min(bytes.length, max);
  // Step back over a character the cut would split: continuation bytes (10xxxxxx) and their lead.
  if (end < bytes.length && (bytes[end] & 0xc0) === 0x80) {
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  }
  return bytes.subarray(0, end).toString('utf8');
}

export class TargetRefused extends Error {}

/**
 * A `lookup` for http(s) agents that resolves as usual and then refuses the addresses the policy
 * refuses: the check applies to the address the socket will connect to, at connect time, so a
 * name that re-resolves to a private address (DNS rebinding) is refused too.
 */
export function guardedLookup(allowPrivate: boolean, resolve: LookupFunction = dns.lookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (Array.isArray(addresses) ? addresses : [{ address: String(addresses), family: isIP(String(addresses)) }]) as dns.LookupAddress[];
      const allowed = list.filter((a) => refusal(a.address, allowPrivate) === null);
      if (allowed.length === 0) {
        const why = list.length ? refusal(list[0].address, allowPrivate)! : `${hostname} did not resolve`;
        return callback(Object.assign(new TargetRefused(`${hostname}: ${why}`), { code: 'ETARGETREFUSED' }), '', 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

export interface Poster {
  /**
   * One POST. `deadline` (epoch ms), if given, is the latest moment the exchange may still be in
   * flight, whatever happens (the dispatcher passes the end of its claim, less a margin).
   */
  post(url: string, body: string, headers: Record<string, string>, deadline?: number): Promise<PostOutcome>;
  destroy(): void;
}

export interface PosterOptions {
  allowPrivate: boolean;
  /**
   * Requests the caller keeps in flight at most (the dispatcher: WEBHOOK_CONCURRENCY). Each origin
   * may open that many sockets, so no request ever waits in the agent for a socket held by another
   * endpoint on the same host; sockets kept alive for reuse are at most as many again, in all.
   */
  maxSockets: number;
  /** The time one exchange has, counted from the moment it has its own socket (10 s). */
  timeoutMs?: number;
  resolve?: LookupFunction;
}

/**
 * Keeps at most `max` idle (kept-alive) sockets in all the agent's origins, closing the oldest:
 * with the requests in flight bounded by the caller, the sockets open are bounded too.
 */
function boundIdle(agent: http.Agent, max: number): void {
  agent.on('free', () =>
    setImmediate(() => {
      const idle = Object.values(agent.freeSockets)
        .flatMap((list) => list ?? [])
        .filter((s) => !s.destroyed);
      for (const socket of idle.slice(0, Math.max(0, idle.length - max))) socket.destroy();
    }),
  );
}

/**
 * POSTs a JSON body: `timeoutMs` (10 s) for the whole exchange from the moment the request has its
 * own socket (a name's lookup and the connection count; time a request could wait for a socket
 * does not: with the caller's requests at most `maxSockets`, none waits), at most 64 KB of the
 * answer read, no redirect followed (a 3xx is a failure), every connection checked by the address
 * policy (the lookup above for names; the connected socket's address for IP literals, which skip
 * the lookup).
 */
export function createPoster(options: PosterOptions): Poster {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const lookup = guardedLookup(options.allowPrivate, options.resolve);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, lookup } as http.AgentOptions;
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions as https.AgentOptions) };
  Object.values(agents).forEach((agent) => boundIdle(agent, options.maxSockets));
  return {
    destroy: () => Object.values(agents).forEach((a) => a.destroy()),
    post: (url, body, headers, deadline) =>
      new Promise<PostOutcome>((done) => {
        const started = process.hrtime.bigint();
        const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
        let settled = false;
        const timers: NodeJS.Timeout[] = [];
        let head: Buffer[] = [];
        let headBytes = 0;
        const finish = (status: number | null, error: string | null, errorClass: PostErrorClass | null) => {
          if (settled) return;
          settled = true;
          timers.forEach(clearTimeout);
          done({ status, durationMs: elapsed(), error, errorClass, excerpt: headBytes ? utf8Excerpt(Buffer.concat(head)) : null });
          head = [];
        };
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          return finish(null, 'not a valid URL', 'invalid_url');
        }
        if (target.protocol !== 'http:' && target.protocol !== 'https:') return finish(null, 'only http and https are allowed', 'invalid_url');
        const literal = target.hostname.replace(/^\[|\]$/g, '');
        if (isIP(literal)) {
          const why = refusal(literal, options.allowPrivate);
          if (why) return finish(null, `refused: ${why}`, 'refused');
        }
        const request = (target.protocol === 'https:' ? https : http).request(target, {
          method: 'POST',
          agent: agents[target.protocol],
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        });
        let timedOut = false;
        const stopAfter = (ms: number, why: string) =>
          timers.push(
            setTimeout(
              () => {
                timedOut = true;
                request.destroy(new Error(why));
              },
              Math.max(0, ms),
            ),
          );
        if (deadline !== undefined) stopAfter(deadline - Date.now(), 'no answer before the claim on this attempt ran out');
        request.on('socket', (socket: Socket) => {
          // The attempt's own time starts here: a reused socket, or a new one about to look up and connect.
          stopAfter(timeoutMs, `no answer within ${timeoutMs / 1000} s`);
          const check = () => {
            const why = socket.remoteAddress ? refusal(socket.remoteAddress, options.allowPrivate) : null;
            if (why) request.destroy(new TargetRefused(why));
          };
          if (socket.connecting) socket.once('connect', check);
          else check();
        });
        request.on('error', (error) => {
          const refused = error instanceof TargetRefused || (error as NodeJS.ErrnoException).code === 'ETARGETREFUSED';
          finish(null, refused ? `refused: ${error.message}` : error.message, refused ? 'refused' : timedOut ? 'timeout' : 'network');
        });
        request.on('response', (response) => {
          let read = 0;
          const status = response.statusCode ?? 0;
          const redirect = status >= 300 && status < 400;
          const verdict =
            status >= 200 && status < 300
              ? null
              : redirect
                ? `redirect not followed (${status}${response.headers.location ? ` to ${String(response.headers.location).slice(0, 200)}` : ''})`
                : `answered ${status}`;
          const kind: PostErrorClass | null = verdict === null ? null : redirect ? 'redirect' : 'http_status';
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (headBytes < EXCERPT_BYTES + 4) {
              head.push(chunk);
              headBytes += chunk.length;
            }
            if (read > MAX_RESPONSE_BYTES) {
              response.destroy();
              finish(status, verdict, kind);
            }
          });
          response.on('end', () => finish(status, verdict, kind));
          response.on('error', () => finish(status, verdict, kind));
          response.on('close', () => finish(status, verdict, kind));
        });
        request.end(body);
      }),
  };
}
