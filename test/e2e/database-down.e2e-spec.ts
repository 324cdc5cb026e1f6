import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { ADMIN_TOKEN, scratchDatabase, TEST_SIGNING_KEY_SECRET } from '../support/test-app';
import { waitReady } from '../support/service-process';

/** A TCP relay to MariaDB that the test can cut (every socket dropped, new ones refused) and
 * restore on the same port: the database "goes down" for this app only. */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    if (this.server) return;
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server!;
    this.server = null;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

// Issue 11 item 11: while the database is down, routes answer 503 SERVICE_UNAVAILABLE with
// Retry-After (not 500 INTERNAL), /health/ready says so, and the service recovers by itself.
// MySQL / MariaDB only: the embedded SQLite database cannot be taken away from a running process.
const onMysql = process.env.TEST_DB === 'mysql' ? describe : describe.skip;

onMysql('the database goes down and comes back', () => {
  let app: INestApplication;
  let relay: Relay;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await scratchDatabase();
    drop = db.drop;
    const direct = new URL(db.url);
    relay = new Relay({ host: direct.hostname, port: Number(direct.port || 3306) });
    await relay.start();
    const viaRelay = new URL(db.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    app = await createApp(
      loadConfig({
        DATABASE_URL: viaRelay.toString(),
        BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'error',
        BCRYPT_COST: '4',
        DB_POOL_SIZE: '4',
        SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
      }),
    );
    await app.init();
  });
  afterAll(async () => {
    await relay?.start();
    await app?.close();
    await drop();
  });

  const http = () => request(app.getHttpServer());

  it('answers 503 with Retry-After on every kind of route while it is down, then recovers', async () => {
    await http().get('/health/ready').expect(200);
    await http().get('/v1/auth/me').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);

    await relay.cut();
    const calls = [
      http().get('/v1/auth/me').set('Authorization', `Bearer ${ADMIN_TOKEN}`),
      http().get('/v1/taxpayers/91110108551385082Q').set('Authorization', `Bearer ${ADMIN_TOKEN}`),
      http().post('/v1/auth/sessions').send({ username: 'finance.down', password: 'correct horse battery' }),
      http().get('/v1/auth/me').set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    ];
    for (const call of calls) {
      const res = await call;
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const ready = await http().get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', database: 'unavailable' });
    expect(Number(ready.headers['retry-after'])).toBeGreaterThan(0);
    await http().get('/health').expect(200); // the process itself is alive

    await relay.start(); // same port: the database is back
    await http().get('/health/ready').expect(200);
    await http().get('/v1/auth/me').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
  });
});

// A process that starts while its database is unreachable (a MariaDB restart caught a restarted
// service process this way in CI's fault run) waits for it, saying so, instead of exiting.
onMysql('the service starts while the database is down', () => {
  it('logs that it waits, retries, and becomes ready once the database is back', async () => {
    const db = await scratchDatabase();
    const direct = new URL(db.url);
    const relay = new Relay({ host: direct.hostname, port: Number(direct.port || 3306) });
    await relay.start();
    await relay.cut(); // the port is known and refuses connections
    const viaRelay = new URL(db.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    const port = 20000 + Math.floor(Math.random() * 20000);
    let output = '';
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: viaRelay.toString(),
        PORT: String(port),
        LOG_LEVEL: 'warn',
        BCRYPT_COST: '4',
        DB_STARTUP_WAIT_SECONDS: '600',
        SIGNING_KEY_SECRET: TEST_SIGNING_KEY_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    try {
      // Wait until it has met the refused connection and said it retries (ts-node start-up is slow).
      for (let i = 0; !/the database is unavailable while starting/.test(output); i++) {
        if (child.exitCode !== null) throw new Error(`the service exited while the database was down:\n${output.slice(-3000)}`);
        if (i > 1200) throw new Error(`the service never said it waits for the database:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(output).toMatch(/ECONNREFUSED/);
      expect(child.exitCode).toBeNull();
      await relay.start(); // the database is back, on the same port
      await waitReady(port, 300);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await relay.cut().catch(() => undefined);
      await db.drop();
    }
  });
});
