import { threadId } from 'node:worker_threads';
import { RenderingService } from '../../src/rendering/rendering.service';
import { bootApp, rawBody } from '../support/drivers';
import { registerTaxpayer, TestApp } from '../support/test-app';

const invoice = (buyerTaxId: string, lines: number) => ({
  type: 'special',
  buyer: { taxId: buyerTaxId, name: '河南某某贸易有限公司' },
  lines: Array.from({ length: lines }, (_, i) => ({
    name: `办公用品${i + 1}`,
    taxClassificationCode: '1090511030000000000',
    categoryShortName: '计算机',
    unit: '件',
    quantity: '1',
    unitPrice: '100.00',
    amount: '100.00',
    taxRate: '0.13',
  })),
});

// Issue 11 item 10: PDF and OFD faces are painted in worker threads, not on the event loop, and a
// principal has a bounded number of renders in flight (README "Rendering").
describe('rendering in a pool of worker threads', () => {
  let t: TestApp;
  let seller: { taxId: string; token: string };
  let number: string;
  beforeAll(async () => {
    t = await bootApp({ RENDER_THREADS: '2', RENDER_PER_PRINCIPAL: '1', RENDER_QUEUE_PER_PRINCIPAL: '1' });
    seller = await registerTaxpayer(t, {}, '44');
    const buyer = await registerTaxpayer(t, {}, '41');
    number = (await t.http(seller.token).post('/v1/invoices').send(invoice(buyer.taxId, 120)).expect(201)).body.number;
  });
  afterAll(() => t.close());

  const fetch = (format: string) =>
    t
      .http(seller.token)
      .get(`/v1/invoices/${number}/${format}`)
      .buffer(true)
      .parse(rawBody as never);

  it('paints PDF and OFD in a worker thread, not the main one', async () => {
    const rendering = t.app.get(RenderingService);
    expect(rendering.paintedBy.size).toBe(0);
    const pdf = await fetch('pdf').expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const ofd = await fetch('ofd').expect(200);
    expect((ofd.body as Buffer).subarray(0, 2).toString('latin1')).toBe('PK');
    expect(rendering.paintedBy.size).toBeGreaterThan(0);
    expect([...rendering.paintedBy]).not.toContain(threadId);
    expect([...rendering.paintedBy]).not.toContain(0);
  });

  it('bounds one principal: one render running, one waiting, the next refused with 429 and Retry-After; others unaffected', async () => {
    const answers = await Promise.all([fetch('pdf'), fetch('pdf'), fetch('pdf'), fetch('pdf')]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(JSON.parse((r.body as Buffer).toString('utf8'))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Once done, the principal renders again; XML is not a painted face and is not bounded.
    await fetch('pdf').expect(200);
    await Promise.all([fetch('xml'), fetch('xml'), fetch('xml'), fetch('xml')].map((r) => r.expect(200)));
  });
});
