/**
 * Browser-test harness: the real built service (dist/main.js, serving web/dist) on a scratch
 * SQLite file, Debian's Chromium driven by playwright-core, axe-core checks, screenshots.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { makeTaxId } from '../support/tax-ids';

export const ROOT = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type Service = { url: string; port: number; output: () => string; stop: () => Promise<void>; file: string };

/** Starts dist/main.js on 127.0.0.1 with a random high port and a fresh SQLite file. */
export async function startService(env: Record<string, string>): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-browser-'));
  const file = path.join(dir, 'einvoice.sqlite');
  const port = 20000 + Math.floor(Math.random() * 20000);
  let out = '';
  // SERVICE_MAIN: another copy of the built service (e.g. while someone rebuilds dist/ in the same tree).
  const main = process.env.SERVICE_MAIN ? path.resolve(process.env.SERVICE_MAIN) : path.join(ROOT, 'dist/main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${file}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${out.slice(-3000)}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // starting
    }
    if (i > 360) throw new Error(`the service did not become ready:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    file,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the service with a bearer token (seeding and checking, not the journey itself). */
export async function api(svc: Service, token: string | null, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(svc.url + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return json;
}

export type World = {
  svc: Service;
  admin: string;
  seller: { taxId: string; name: string };
  buyer: { taxId: string; name: string };
  users: Record<'seller' | 'buyer' | 'officer' | 'auditor' | 'admin', { username: string; password: string }>;
};

/** Two taxpayers and one user of every kind, through the API with the bootstrap admin token. */
export async function seed(svc: Service, admin: string): Promise<World> {
  const party = async (province: string, name: string) => {
    const taxId = makeTaxId(province);
    await api(svc, admin, 'POST', '/v1/taxpayers', {
      taxId,
      name,
      regionCode: province,
      address: '长春市南关区人民大街1号',
      phone: '0431-88888888',
      bankName: '中国工商银行长春分行',
      bankAccount: '4200000000000000000',
      taxpayerType: 'general',
      filingFrequency: 'monthly',
      riskLevel: 'low',
      creditRating: 'A',
      pilot: true,
      initialQuota: '7500000.00',
    });
    return { taxId, name };
  };
  const seller = await party('22', '吉林长白山科技有限公司');
  const buyer = await party('41', '河南中原商贸有限公司');
  const password = 'correct horse battery staple';
  const users = {
    seller: { username: 'seller.zhang', password },
    buyer: { username: 'buyer.li', password },
    officer: { username: 'officer.wang', password },
    auditor: { username: 'auditor.zhao', password },
    admin: { username: 'admin.chen', password },
  };
  await api(svc, admin, 'POST', '/v1/users', { ...users.seller, role: 'taxpayer', taxpayerId: seller.taxId });
  await api(svc, admin, 'POST', '/v1/users', { ...users.buyer, role: 'taxpayer', taxpayerId: buyer.taxId });
  await api(svc, admin, 'POST', '/v1/users', { ...users.officer, role: 'tax_officer' });
  await api(svc, admin, 'POST', '/v1/users', { ...users.auditor, role: 'auditor' });
  await api(svc, admin, 'POST', '/v1/users', { ...users.admin, role: 'admin' });
  return { svc, admin, seller, buyer, users };
}

export class Browsers {
  browser!: Browser;
  errors: string[] = [];
  private contexts: BrowserContext[] = [];

  async launch() {
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }

  /** A fresh browser profile (its own cookies) with a page that records any uncaught error. */
  async page(baseURL: string): Promise<Page> {
    const context = await this.browser.newContext({
      baseURL,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => this.errors.push(`${page.url()}: ${e.message}`));
    // A CSP refusal (e.g. the invoice's PDF in its blob: frame) fails the journey too.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) this.errors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  }

  /** Fails when a page threw (issue 12: "No page may throw"). */
  assertNoPageErrors() {
    if (this.errors.length) {
      const all = this.errors.splice(0);
      throw new Error(`uncaught errors in the console:\n${all.join('\n')}`);
    }
  }

  async closeContexts() {
    for (const c of this.contexts.splice(0)) await c.close();
  }

  async close() {
    await this.closeContexts();
    await this.browser?.close();
  }
}

export async function signIn(page: Page, user: { username: string; password: string }) {
  await page.goto('/');
  await page.getByLabel('用户名').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}

/** Waits until the page has loaded and none of its requests has been in flight for 500 ms.
 * (Not Playwright's 'networkidle': the PDF viewer's frame on the invoice page never reports it.) */
export async function settle(page: Page, timeout = 20_000) {
  await page.waitForLoadState('load');
  let inFlight = 0;
  let quietSince = Date.now();
  const start = () => inFlight++;
  const end = () => {
    inFlight = Math.max(0, inFlight - 1);
    if (inFlight === 0) quietSince = Date.now();
  };
  page.on('request', start);
  page.on('requestfinished', end);
  page.on('requestfailed', end);
  try {
    for (const until = Date.now() + timeout; inFlight > 0 || Date.now() - quietSince < 500;) {
      if (Date.now() > until) throw new Error(`${page.url()}: requests still in flight after ${timeout} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    page.off('request', start);
    page.off('requestfinished', end);
    page.off('requestfailed', end);
  }
}

/** axe-core on the page as it stands: no serious or critical violation. The invoice's PDF frame
 * is left out: it is the service's PDF in Chromium's own viewer, not the console's markup. */
export async function axe(page: Page, name: string) {
  await settle(page);
  // A message toast (message.success) fades out after 3 s; caught mid-fade, its text has no
  // contrast worth the name. Check the page once the toasts are gone, as a user reads it.
  await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
  const result = await new AxeBuilder({ page }).exclude('[data-testid="invoice-pdf"]').analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad
      .map(
        (v) =>
          `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes
            .slice(0, 5)
            .map((n) => `${n.html.slice(0, 300)}\n    ${n.failureSummary ?? ''}`)
            .join('\n  ')}`,
      )
      .join('\n');
    throw new Error(`axe on ${name}:\n${text}`);
  }
}

/** Screenshots (full page unless told) for the README when SCREENSHOTS_DIR is set (npm run screenshots). */
export async function shot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}) {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await settle(page);
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

/** Waits until the element's text (whitespace collapsed) contains `text`. */
export async function waitText(page: Page, selector: string, text: string, timeout = 20_000) {
  // A function, not a string: the console's CSP (script-src 'self') forbids eval in the page.
  await page.waitForFunction(
    ({ sel, t }: { sel: string; t: string }) => {
      const doc = (globalThis as any).document;
      return Array.from(doc.querySelectorAll(sel) as ArrayLike<{ textContent: string | null }>).some((e) =>
        (e.textContent ?? '').replace(/\s+/g, ' ').includes(t),
      );
    },
    { sel: selector, t: text },
    { timeout },
  );
}
