import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { unzipSync } from 'fflate';
import { pdfText } from '../support/extract';
import { bootApp, buyer as newBuyer, issueOk, Party, seller as newSeller } from '../support/drivers';
import { TestApp } from '../support/test-app';

// Issue 5, "Delivery": PDF, OFD and XML by SMTP; without SMTP an .eml under the outbox;
// failures recorded and retryable, never lost.
const invoice = (buyerTaxId: string) => ({
  type: 'special',
  buyer: { taxId: buyerTaxId, name: '河南某某贸易有限公司', email: 'ap@example.com' },
  lines: [
    {
      name: '笔记本电脑',
      taxClassificationCode: '1090511030000000000',
      categoryShortName: '计算机',
      quantity: '2',
      unitPrice: '5000.00',
      amount: '10000.00',
      taxRate: '0.13',
    },
  ],
});

/** The attachments of a raw MIME message: filename -> bytes (base64 parts, as nodemailer writes them). */
function attachments(raw: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1];
  if (!boundary) return out;
  for (const part of raw.split(`--${boundary}`)) {
    const name = /filename="?([^";\r\n]+)"?/.exec(part)?.[1];
    if (!name) continue;
    const bodyStart = part.search(/\r?\n\r?\n/);
    out.set(name, Buffer.from(part.slice(bodyStart).replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

describe('delivery by e-mail', () => {
  let server: SMTPServer;
  let port: number;
  const received: { to: string[]; raw: string }[] = [];
  let refuse = false;
  let t: TestApp;
  let seller: Party;
  let buyer: Party;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        callback(refuse ? Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }) : undefined);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
    t = await bootApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'fapiao@seller.example' });
    seller = await newSeller(t);
    buyer = await newBuyer(t);
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the PDF, the OFD and the XML to the address, and records it as sent', async () => {
    const blue = await issueOk(t, seller, invoice(buyer.taxId));
    const res = await t.http(seller.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'ap@example.com' }).expect(201);
    expect(res.body).toMatchObject({ status: 'sent', attempts: 1, to: 'ap@example.com', channel: 'email', lastError: null });
    const message = received.find((m) => m.raw.includes(blue.number));
    expect(message?.to).toEqual(['ap@example.com']);
    const files = attachments(message!.raw);
    expect([...files.keys()].sort()).toEqual([`${blue.number}.ofd`, `${blue.number}.pdf`, `${blue.number}.xml`]);
    const xml = await t.http(seller.token).get(`/v1/invoices/${blue.number}/xml`).expect(200);
    expect(files.get(`${blue.number}.xml`)!.toString('utf8')).toBe(xml.text);
    expect(pdfText(files.get(`${blue.number}.pdf`)!)).toContain(blue.number);
    expect(Object.keys(unzipSync(new Uint8Array(files.get(`${blue.number}.ofd`)!)))).toContain('OFD.xml');
    const list = await t.http(buyer.token).get(`/v1/invoices/${blue.number}/deliveries`).expect(200);
    expect(list.body.items).toHaveLength(1);
  });

  it('a refused delivery is recorded as failed with the reason, and a retry sends it', async () => {
    const blue = await issueOk(t, seller, invoice(buyer.taxId));
    refuse = true;
    const failed = await t.http(seller.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'nobody@example.com' }).expect(201);
    expect(failed.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.body.lastError).toMatch(/550|mailbox unavailable/);
    expect(failed.body.nextAttemptAt).not.toBeNull();
    refuse = false;
    await t.http(buyer.token).post(`/v1/deliveries/${failed.body.id}/retry`).expect(403);
    const retried = await t.http(seller.token).post(`/v1/deliveries/${failed.body.id}/retry`).expect(201);
    expect(retried.body).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    await t.http(seller.token).post(`/v1/deliveries/${failed.body.id}/retry`).expect(409);
    expect(received.some((m) => m.to.includes('nobody@example.com'))).toBe(true);
  });

  it('only the seller delivers; the address is validated', async () => {
    const blue = await issueOk(t, seller, invoice(buyer.taxId));
    await t.http(buyer.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'x@example.com' }).expect(403);
    await t.http(seller.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'not an address' }).expect(400);
    await t.http(seller.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'fax', to: 'x@example.com' }).expect(400);
  });
});

describe('delivery without SMTP: the outbox', () => {
  let t: TestApp;
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-outbox-'));
  beforeAll(async () => {
    t = await bootApp({ OUTBOX_DIR: outbox });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it('writes the message as an .eml file with the three attachments', async () => {
    const seller = await newSeller(t);
    const buyer = await newBuyer(t);
    const blue = await issueOk(t, seller, invoice(buyer.taxId));
    const res = await t.http(seller.token).post(`/v1/invoices/${blue.number}/deliveries`).send({ channel: 'email', to: 'ap@example.com' }).expect(201);
    expect(res.body.status).toBe('sent');
    const files = fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    expect(res.body.receipt).toContain(files[0]);
    const raw = fs.readFileSync(path.join(outbox, files[0]), 'utf8');
    expect(raw).toMatch(/^To: ap@example.com$/m);
    expect([...attachments(raw).keys()].sort()).toEqual([`${blue.number}.ofd`, `${blue.number}.pdf`, `${blue.number}.xml`]);
  });
});
