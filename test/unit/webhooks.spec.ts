import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { checkTargetUrl, classifyAddress } from '../../src/webhooks/address-policy';
import { retryDelaySeconds, RETRY_WINDOW_SECONDS } from '../../src/webhooks/backoff';
import { createPoster, utf8Excerpt } from '../../src/webhooks/http-post';
import { CLAIM_MARGIN_MS, claimMs, sendDeadline } from '../../src/webhooks/claims';
import { headsToRead, pickHeads } from '../../src/webhooks/slots';
import { loadOrCreateKeyFile, seal, unseal } from '../../src/webhooks/secret-box';
import { keyId, signatureHeader, verifySignature } from '../../src/webhooks/signature';

// Webhooks (API.md "Webhooks"): the pure parts. Signature, backoff, address classification,
// secrets at rest, and the HTTP poster's connect-time checks against a real local receiver.

describe('address classification', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['114.114.114.114', 'public'],
    ['2400:3200::1', 'public'],
    ['127.0.0.1', 'private'],
    ['127.255.0.9', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fe80::1', 'private'],
    ['fc00::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['not-an-ip', 'private'],
    // IPv4 inside IPv6, by range (the URL parser writes [::127.0.0.1] as [::7f00:1])
    ['::7f00:1', 'private'], // ::/96 IPv4-compatible
    ['::127.0.0.1', 'private'],
    ['::a00:1', 'private'],
    ['::808:808', 'public'],
    ['::a9fe:a9fe', 'metadata'], // ::169.254.169.254
    ['::169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'], // ::ffff:0:0/96 mapped
    ['::ffff:808:808', 'public'],
    ['::ffff:0:7f00:1', 'private'], // ::ffff:0:0:0/96 translated
    ['::ffff:0:127.0.0.1', 'private'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:808:808', 'public'],
    ['64:ff9b::7f00:1', 'private'], // 64:ff9b::/96 NAT64
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::808:808', 'private'], // 64:ff9b:1::/48 local-use NAT64, refused as a whole
    ['2002:7f00:1::', 'private'], // 2002::/16 6to4
    ['2002:a00:1::1', 'private'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['2002:808:808::1', 'public'],
    ['2001:0:808:808::80ff:fffe', 'private'], // Teredo: public server 8.8.8.8, client 127.0.0.1 stored inverted
    ['2001:0:808:808::5601:5601', 'metadata'], // client 169.254.169.254 inverted
    ['2001:0:a00:1::f7f7:f7f7', 'private'], // server 10.0.0.1, client 8.8.8.8
    ['2001:0:808:808::f7f7:f7f7', 'public'], // server and client 8.8.8.8
    ['2001:db8::1', 'private'], // documentation, not Teredo
    ['fd00:ec2::254', 'metadata'],
    ['FD00:EC2:0:0:0:0:0:254', 'metadata'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['https://erp.example.com/hook', false, null],
    ['http://erp.example.com:8080/hook', false, null],
    ['ftp://erp.example.com/', false, /http or https/],
    ['https://user:pw@erp.example.com/', false, /credentials/],
    ['http://127.0.0.1:9000/', false, /private/],
    ['http://127.1/', false, /private/],
    ['http://0x7f000001/', false, /private/],
    ['http://10.0.0.5/', false, /private/],
    ['http://[::1]/', false, /private/],
    ['http://localhost:3000/', false, /loopback/],
    ['http://127.0.0.1:9000/', true, null],
    ['http://localhost:3000/', true, null],
    ['http://169.254.169.254/latest/meta-data', true, /metadata/],
    ['http://[fd00:ec2::254]/', true, /metadata/],
    ['not a url', false, /absolute/],
    // every spelling the URL parser accepts is classified by the address it means
    ['http://2130706433/', false, /private/],
    ['http://0x7f.1/', false, /private/],
    ['http://0177.0.0.1/', false, /private/],
    ['http://[::ffff:127.0.0.1]/', false, /private/],
    ['http://[::127.0.0.1]/', false, /private/],
    ['http://[::7f00:1]/', false, /private/],
    ['http://[::ffff:0:7f00:1]/', false, /private/],
    ['http://[2002:7f00:1::]/', false, /private/],
    ['http://[64:ff9b::10.0.0.1]/', false, /private/],
    ['http://[2001:0:808:808::80ff:fffe]/', false, /private/],
    ['http://[::ffff:8.8.8.8]/', false, null],
    ['http://[2002:808:808::]/', false, null],
    // metadata addresses in every form, whatever the setting
    ['http://2852039166/', true, /metadata/],
    ['http://0xa9.0xfe.0xa9.0xfe/', true, /metadata/],
    ['http://[::169.254.169.254]/', true, /metadata/],
    ['http://[::ffff:169.254.169.254]/', true, /metadata/],
    ['http://[::ffff:0:169.254.169.254]/', true, /metadata/],
    ['http://[64:ff9b::169.254.169.254]/', true, /metadata/],
    ['http://[2002:a9fe:a9fe::]/', true, /metadata/],
    ['http://[2001:0:808:808::5601:5601]/', true, /metadata/],
    ['http://[fd00:ec2:0::254]/', true, /metadata/],
    ['http://[::ffff:0:7f00:1]/', true, null],
  ])('registering %s (private allowed: %s)', (url, allowPrivate, problem) => {
    const result = checkTargetUrl(url, allowPrivate);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });
});

describe('backoff', () => {
  it('starts at the base and doubles', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, 30))).toEqual([30, 60, 120, 240, 480]);
  });

  it('stops after three days of waiting, the last wait shortened to end exactly there', () => {
    let waited = 0;
    let attempts = 0;
    for (;;) {
      const delay = retryDelaySeconds(++attempts, 30);
      if (delay === null) break;
      waited += delay;
    }
    expect(waited).toBe(RETRY_WINDOW_SECONDS);
    expect(attempts).toBe(15); // 14 waits: 30 s x (2^13 - 1) = 2.84 days, then the rest to 3 days
  });

  it('with a base of a day: waits 1 d, then the remaining 2 d, then fails', () => {
    expect([1, 2, 3].map((n) => retryDelaySeconds(n, 86_400))).toEqual([86_400, 172_800, null]);
  });
});

describe('signature', () => {
  const body = '{"id":"evt_1","type":"invoice.issued","data":{"totalAmount":"1.00"}}';

  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>"> as a receiver computes it', () => {
    const header = signatureHeader(['whsec_a'], 1_700_000_000, body);
    const expected = createHmac('sha256', 'whsec_a').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('carries one v1 per valid secret; either verifies; a changed body or an old t does not', () => {
    const now = 1_700_000_000;
    const header = signatureHeader(['whsec_new', 'whsec_old'], now, body);
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    expect(verifySignature(header, body, 'whsec_new', 300, now)).toBe(true);
    expect(verifySignature(header, body, 'whsec_old', 300, now)).toBe(true);
    expect(verifySignature(header, body, 'whsec_other', 300, now)).toBe(false);
    expect(verifySignature(header, body.replace('1.00', '9.00'), 'whsec_new', 300, now)).toBe(false);
    expect(verifySignature(header, body, 'whsec_new', 300, now + 301)).toBe(false);
  });
});

describe('secrets at rest', () => {
  const key = Buffer.alloc(32, 7);
  it('round-trips with AES-256-GCM, a fresh IV each time, and refuses another key or a changed ciphertext', () => {
    const a = seal(key, 'whsec_x');
    expect(a).not.toContain('whsec_x');
    expect(seal(key, 'whsec_x')).not.toBe(a);
    expect(unseal(key, a)).toBe('whsec_x');
    expect(() => unseal(Buffer.alloc(32, 8), a)).toThrow();
    const parts = a.split('.');
    parts[3] = Buffer.from('whsec_y').toString('base64url');
    expect(() => unseal(key, parts.join('.'))).toThrow();
  });
});

describe('the poster, against a receiver on 127.0.0.1', () => {
  let server: http.Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url!);
      req.resume();
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/target' }).end();
      } else if (req.url === '/teapot') {
        res.writeHead(418).end('短而直：I am a teapot');
      } else if (req.url === '/big') {
        res.writeHead(200);
        res.end(Buffer.alloc(1024 * 1024, 65));
      } else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => (hits.length = 0));

  /** A resolver that answers `rebind.test` with loopback, as a rebinding DNS server would. */
  const rebinding: LookupFunction = ((hostname: string, _options: unknown, callback: (e: Error | null, a: { address: string; family: number }[]) => void) => {
    if (hostname === 'rebind.test') callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
  }) as unknown as LookupFunction;

  it('refuses a literal loopback address without the setting, before connecting', async () => {
    const poster = createPoster({ allowPrivate: false, maxSockets: 1 });
    const out = await poster.post(`http://127.0.0.1:${port}/x`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: null, error: expect.stringMatching(/refused/), errorClass: 'refused', excerpt: null });
    expect(hits).toEqual([]);
  });

  it('refuses a name that resolves to loopback at connect time (DNS rebinding), and connects with the setting', async () => {
    const strict = createPoster({ allowPrivate: false, maxSockets: 1, resolve: rebinding });
    const refused = await strict.post(`http://rebind.test:${port}/x`, '{}', {});
    strict.destroy();
    expect(refused).toMatchObject({ status: null, error: expect.stringMatching(/refused.*127\.0\.0\.1/) });
    expect(hits).toEqual([]);
    const open = createPoster({ allowPrivate: true, maxSockets: 1, resolve: rebinding });
    const delivered = await open.post(`http://rebind.test:${port}/x`, '{}', {});
    open.destroy();
    expect(delivered).toMatchObject({ status: 204, error: null });
    expect(hits).toEqual(['/x']);
  });

  it('never connects to a metadata address, whatever the setting', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
    const out = await poster.post('http://169.254.169.254/latest/meta-data/', '{}', {});
    poster.destroy();
    expect(out.error).toMatch(/metadata/);
  });

  it.each(['[::ffff:127.0.0.1]', '[::127.0.0.1]', '[::ffff:0:127.0.0.1]', '[2002:7f00:1::]', '2130706433', '0x7f.1'])(
    'refuses loopback written as %s without the setting, before connecting',
    async (host) => {
      const poster = createPoster({ allowPrivate: false, maxSockets: 1 });
      const out = await poster.post(`http://${host}:${port}/x`, '{}', {});
      poster.destroy();
      expect(out).toMatchObject({ status: null, error: expect.stringMatching(/refused/), errorClass: 'refused' });
      expect(hits).toEqual([]);
    },
  );

  it.each(['[::169.254.169.254]', '[::ffff:169.254.169.254]', '[64:ff9b::a9fe:a9fe]', '[2002:a9fe:a9fe::]', '2852039166'])(
    'never connects to the metadata address written as %s, whatever the setting',
    async (host) => {
      const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
      const out = await poster.post(`http://${host}/latest/meta-data/`, '{}', {});
      poster.destroy();
      expect(out).toMatchObject({ status: null, error: expect.stringMatching(/metadata/), errorClass: 'refused' });
    },
  );

  it('does not follow a redirect: a 3xx is a failure and the target is never asked', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
    const out = await poster.post(`http://127.0.0.1:${port}/redirect`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: 302, error: expect.stringMatching(/redirect not followed/), errorClass: 'redirect' });
    expect(hits).toEqual(['/redirect']);
  });

  it('reads at most 64 KB of an answer and still takes its status', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
    const out = await poster.post(`http://127.0.0.1:${port}/big`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: 200, error: null, errorClass: null });
    // The attempt history keeps the answer's first 1 KB.
    expect(out.excerpt).toBe('A'.repeat(1024));
  });

  it('a non-2xx answer is the error class http_status, with the start of its body', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
    const out = await poster.post(`http://127.0.0.1:${port}/teapot`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: 418, error: 'answered 418', errorClass: 'http_status', excerpt: '短而直：I am a teapot' });
  });

  it('nobody listening is the error class network', async () => {
    const idle = http.createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const closedPort = (idle.address() as AddressInfo).port;
    await new Promise((r) => idle.close(r));
    const poster = createPoster({ allowPrivate: true, maxSockets: 1 });
    const out = await poster.post(`http://127.0.0.1:${closedPort}/x`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: null, errorClass: 'network', excerpt: null });
  });
});

describe("the poster: time counted from the attempt's own socket, endpoints on one host never queue behind each other", () => {
  let server: http.Server;
  let port: number;
  /** Requests to /hang are held (never answered) until the test ends; /slow-N is answered after N ms. */
  const held: http.ServerResponse[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      const slow = /^\/slow-(\d+)/.exec(req.url!);
      if (req.url!.startsWith('/hang')) held.push(res);
      else if (slow) setTimeout(() => res.writeHead(200).end('late'), Number(slow[1]));
      else res.writeHead(200).end('fast');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });

  it('with as many sockets per origin as requests in flight, a fast endpoint is answered while three on its host hang', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 4 });
    const before = held.length;
    const hanging = [1, 2, 3].map((i) => poster.post(`http://127.0.0.1:${port}/hang/${i}`, '{}', {}));
    const fast = await poster.post(`http://127.0.0.1:${port}/fast`, '{}', {});
    expect(fast).toMatchObject({ status: 200, error: null });
    // The three are still in flight: held by the receiver, none answered, none timed out.
    expect(held.length - before).toBe(3);
    let settled = 0;
    hanging.forEach((p) => p.then(() => settled++));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(0);
    poster.destroy();
    expect((await Promise.all(hanging)).map((o) => o.errorClass)).toEqual(['network', 'network', 'network']);
  });

  it('an endpoint that never answers ends as the error class timeout after timeoutMs', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1, timeoutMs: 300 });
    const out = await poster.post(`http://127.0.0.1:${port}/hang/timeout`, '{}', {});
    poster.destroy();
    expect(out).toMatchObject({ status: null, errorClass: 'timeout', error: 'no answer within 0.3 s', excerpt: null });
    expect(out.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('a deadline (the end of the claim) cuts the exchange off before its timeout', async () => {
    const poster = createPoster({ allowPrivate: true, maxSockets: 1, timeoutMs: 60_000 });
    const out = await poster.post(`http://127.0.0.1:${port}/hang/deadline`, '{}', {}, Date.now() + 300);
    poster.destroy();
    expect(out).toMatchObject({ status: null, errorClass: 'timeout', error: expect.stringMatching(/claim/) });
  });

  it('time spent waiting for a socket does not count against an attempt', async () => {
    // One socket for the origin (a caller that keeps more in flight than it allowed): the second
    // request waits 2 s for the first, then is answered 1.5 s after it has the socket. Counted from
    // its start that is 3.5 s, over its 3 s; counted from its socket, 1.5 s.
    const poster = createPoster({ allowPrivate: true, maxSockets: 1, timeoutMs: 3000 });
    const first = poster.post(`http://127.0.0.1:${port}/slow-2000`, '{}', {});
    const second = await poster.post(`http://127.0.0.1:${port}/slow-1500`, '{}', {});
    poster.destroy();
    expect((await first).error).toBeNull();
    expect(second).toMatchObject({ status: 200, error: null, excerpt: 'late' });
  });
});

describe('the claim rule: an attempt is sent only if all of it fits in its claim, less the margin', () => {
  const T = 1_000_000;
  const timeout = 10_000;
  it.each([
    ['a fresh claim (30 s for a 10 s timeout)', T + claimMs(timeout), T, T + claimMs(timeout) - CLAIM_MARGIN_MS],
    ['the claim UPDATE came back 10 s late: still just fits', T + claimMs(timeout), T + CLAIM_MARGIN_MS, T + claimMs(timeout) - CLAIM_MARGIN_MS],
    ['the claim UPDATE came back 10 s and 1 ms late: not sent', T + claimMs(timeout), T + CLAIM_MARGIN_MS + 1, null],
    ['a claim already run out: not sent', T - 1, T, null],
  ])('%s', (_label, until, now, expected) => {
    expect(sendDeadline(until, now, timeout)).toBe(expected);
  });
  it('lasts one attempt plus a margin on either side, so another process (clocks within the margin) claims only after the deadline', () => {
    expect(claimMs(10_000)).toBe(30_000);
    const until = T + claimMs(timeout);
    const deadline = sendDeadline(until, T, timeout)!;
    // Another process whose clock is CLAIM_MARGIN_MS ahead sees the claim run out at `until - margin` of ours: not before the deadline.
    expect(until - CLAIM_MARGIN_MS).toBeGreaterThanOrEqual(deadline);
  });
});

describe('delivery slots: WEBHOOK_CONCURRENCY in all, a taxpayer at most its share', () => {
  // Heads as `webhook@taxpayer`, the longest due first.
  const heads = (...list: string[]) => list.map((h) => ({ webhookId: h.split('@')[0], taxId: h.split('@')[1] }));
  const taxIdOf = (all: { webhookId: string; taxId: string }[]) => (id: string) => all.find((h) => h.webhookId === id)!.taxId;
  const use = (slots: number, share: number, working: string[] = [], perTaxpayer: Record<string, number> = {}) => ({
    slots,
    share,
    working: new Set(working),
    perTaxpayer: new Map(Object.entries(perTaxpayer)),
  });
  it.each([
    ['free slots, no shares reached: the longest due first', heads('a@X', 'b@Y', 'c@Z'), use(2, 2), ['a', 'b']],
    ['a taxpayer stops at its share; the others fill the slots', heads('a@X', 'b@X', 'c@X', 'd@Y', 'e@Z'), use(4, 2), ['a', 'b', 'd', 'e']],
    ['a taxpayer already at its share is passed over', heads('a@X', 'b@Y'), use(4, 2, ['w1', 'w2'], { X: 2 }), ['b']],
    ['an endpoint being worked is not started twice', heads('w1@X', 'b@Y'), use(4, 2, ['w1'], { X: 1 }), ['b']],
    ['no free slot: nothing', heads('a@X'), use(2, 2, ['w1', 'w2'], { Y: 2 }), []],
    ['every head of a taxpayer at its share: nothing, though slots are free', heads('a@X', 'b@X'), use(16, 4, ['w1', 'w2', 'w3', 'w4'], { X: 4 }), []],
  ])('%s', (_label, list, state, expected) => {
    expect(pickHeads(list, taxIdOf(list), state).map((h) => h.webhookId)).toEqual(expected);
  });
  it.each([
    // free + working + the full taxpayers' webhooks + (taxpayers that may fill up: ceil(free / share)) x their most webhooks
    ['idle, the defaults', use(16, 4), 0, 16, 16 + 0 + 0 + 4 * 16],
    [
      '12 working, one taxpayer (16 webhooks) at its share',
      use(
        16,
        4,
        Array.from({ length: 12 }, (_, i) => `w${i}`),
        { X: 4 },
      ),
      16,
      16,
      4 + 12 + 16 + 16,
    ],
    ['all working', use(4, 1, ['a', 'b', 'c', 'd']), 0, 16, 0 + 4 + 0 + 0],
  ])('heads read: %s', (_label, state, fullWebhooks, maxPerTaxpayer, expected) => {
    expect(headsToRead(state, fullWebhooks, maxPerTaxpayer)).toBe(expected);
  });
  it('reads enough heads to fill every free slot when the ones passed over come first', () => {
    // 3 taxpayers with 16 due endpoints each ahead of 16 single-endpoint taxpayers; 16 slots, share 4.
    const list = heads(
      ...['X', 'Y', 'Z'].flatMap((t) => Array.from({ length: 16 }, (_, i) => `${t}${i}@${t}`)),
      ...Array.from({ length: 16 }, (_, i) => `s${i}@S${i}`),
    );
    const state = use(16, 4);
    const read = list.slice(0, headsToRead(state, 0, 16));
    expect(pickHeads(read, taxIdOf(list), state)).toHaveLength(16);
  });
});

describe('the attempt history excerpt: at most 1 KB of UTF-8, never half a character', () => {
  it.each([
    ['ASCII longer than the limit', Buffer.from('a'.repeat(2000)), 'a'.repeat(1024)],
    ['shorter than the limit', Buffer.from('成功'), '成功'],
    // 341 three-byte characters are 1023 bytes; the 342nd would end at byte 1026: it is left out.
    ['a character across the limit', Buffer.from('票'.repeat(400)), '票'.repeat(341)],
    ['a limit exactly after a character', Buffer.from('x' + '票'.repeat(400)), 'x' + '票'.repeat(341)],
  ])('%s', (_label, bytes, expected) => {
    const out = utf8Excerpt(bytes);
    expect(out).toBe(expected);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1024);
  });
});

describe('key ids', () => {
  it('name a secret by the first 8 hex digits of its SHA-256, and differ between secrets', () => {
    expect(keyId('whsec_a')).toBe(`key_${createHash('sha256').update('whsec_a').digest('hex').slice(0, 8)}`);
    expect(keyId('whsec_a')).not.toBe(keyId('whsec_b'));
  });
});

describe('the key file (embedded default)', () => {
  it('is created on first start with 32 random bytes (mode 0600) and read back unchanged afterwards', () => {
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const os = jest.requireActual<typeof import('node:os')>('node:os');
    const path = jest.requireActual<typeof import('node:path')>('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-key-'));
    try {
      const file = path.join(dir, 'data', 'webhook-secret.key');
      const first = loadOrCreateKeyFile(file);
      expect(first).toHaveLength(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateKeyFile(file).equals(first)).toBe(true);
      fs.writeFileSync(file, 'short');
      expect(() => loadOrCreateKeyFile(file)).toThrow(/64 hex digits/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook settings', () => {
  it('take a 32-byte key as hex or base64, refuse anything else, and default the rest', () => {
    const { loadConfig } = jest.requireActual<typeof import('../../src/config/config')>('../../src/config/config');
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ WEBHOOK_SECRET_KEY: hex }).webhookSecretKey!.toString('hex')).toBe(hex);
    expect(loadConfig({ WEBHOOK_SECRET_KEY: Buffer.from(hex, 'hex').toString('base64') }).webhookSecretKey!.toString('hex')).toBe(hex);
    expect(() => loadConfig({ WEBHOOK_SECRET_KEY: 'abc' })).toThrow(/WEBHOOK_SECRET_KEY/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_TARGETS/);
    expect(() => loadConfig({ WEBHOOK_RETRY_BASE_SECONDS: '0' })).toThrow(/WEBHOOK_RETRY_BASE_SECONDS/);
    expect(() => loadConfig({ WEBHOOK_RETENTION_DAYS: '0' })).toThrow(/WEBHOOK_RETENTION_DAYS/);
    expect(loadConfig({ WEBHOOK_RETENTION_DAYS: '90' }).webhookRetentionDays).toBe(90);
    expect(() => loadConfig({ WEBHOOK_BUSY_FLOOR_PER_SECOND: '0' })).toThrow(/WEBHOOK_BUSY_FLOOR_PER_SECOND/);
    expect(loadConfig({ WEBHOOK_BUSY_FLOOR_PER_SECOND: '500' }).webhookBusyFloorPerSecond).toBe(500);
    expect(loadConfig({}).webhookBusyFloorPerSecond).toBe(20);
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      webhookSecretKey: null,
      webhookAllowPrivateTargets: false,
      webhookRetryBaseSeconds: 30,
      webhookRotationOverlapHours: 24,
      webhookConcurrency: 16,
      webhookTaxpayerConcurrency: 4,
      webhookMaxPerTaxpayer: 16,
      webhookTimeoutSeconds: 10,
      webhookRetentionDays: 30,
    });
    // A taxpayer's share defaults to a quarter of the slots, at least 1, never more than all of them.
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '2' }).webhookTaxpayerConcurrency).toBe(1);
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '8', WEBHOOK_TAXPAYER_CONCURRENCY: '20' }).webhookTaxpayerConcurrency).toBe(8);
    expect(() => loadConfig({ WEBHOOK_TAXPAYER_CONCURRENCY: '0' })).toThrow(/WEBHOOK_TAXPAYER_CONCURRENCY/);
    expect(() => loadConfig({ WEBHOOK_MAX_PER_TAXPAYER: '0' })).toThrow(/WEBHOOK_MAX_PER_TAXPAYER/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_SECONDS: '31' })).toThrow(/WEBHOOK_TIMEOUT_SECONDS/);
    expect(loadConfig({ WEBHOOK_TIMEOUT_SECONDS: '2' }).webhookTimeoutSeconds).toBe(2);
    expect(defaults.webhookKeyFile).toMatch(/data[\\/]webhook-secret\.key$/);
    expect(loadConfig({ DATABASE_URL: 'mysql://u:p@db:3306/einvoice' }).webhookKeyFile).toBeNull();
  });
});
