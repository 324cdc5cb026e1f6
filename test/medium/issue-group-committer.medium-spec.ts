import { ProblemException } from '../../src/common/problem';
import { validated } from '../../src/common/validation';
import { IssueInvoiceDto } from '../../src/invoices/invoice.dto';
import { BlueInvoice, IssueGroupCommitter } from '../../src/invoices/issue-group-committer';
import { NumberingService } from '../../src/invoices/numbering.service';
import { Issuer } from '../../src/invoices/use-cases';
import { consumerInvoice } from '../support/drivers';
import { MediumContext, registerSeller, startContext } from '../support/medium';

const body = (amount: string) => validated(IssueInvoiceDto, consumerInvoice(amount));

// README "Group commit"; SPEC 4: each invoice of a group is decided on its own under the month's
// lock, and SPEC 3: a refused one takes no number.
describe('IssueGroupCommitter with the invoice writer, on the database', () => {
  let ctx: MediumContext;
  let spy: jest.SpyInstance;
  beforeAll(async () => {
    ctx = await startContext();
    ctx.setClock('2023-07-20T09:00:00+08:00');
    const runner = ctx.dataSource.createQueryRunner();
    spy = jest.spyOn(Object.getPrototypeOf(runner), 'query');
    await runner.release();
  });
  afterAll(async () => {
    spy.mockRestore();
    await ctx.close();
  });

  async function members(extra: Record<string, unknown>, amounts: string[], province: string): Promise<BlueInvoice[]> {
    const { seller, principal } = await registerSeller(ctx, extra, province);
    const moment = await ctx.get(Issuer).moment(seller);
    return amounts.map((amount) => ({ principal, draft: ctx.get(Issuer).draft(seller, body(amount)), ...moment }));
  }

  it('decides each invoice in turn; a refusal takes no number and the accepted ones are consecutive', async () => {
    const group = await members({ riskLevel: 'medium', initialQuota: '1000.00' }, ['600.00', '600.00', '300.00'], '35');
    const committed = await ctx.get(IssueGroupCommitter).commitBatch(group, async () => undefined);
    const [a, refused, b] = committed;
    expect(refused).toBeInstanceOf(ProblemException);
    expect((refused as ProblemException).code).toBe('QUOTA_EXCEEDED');
    if (a instanceof ProblemException || b instanceof ProblemException) throw new Error('expected two invoices');
    expect(BigInt(b.invoice.number.slice(5))).toBe(BigInt(a.invoice.number.slice(5)) + 1n);
    expect(group[1].number).toBeUndefined();
    const stored = await ctx.dataSource.query('SELECT number FROM invoices WHERE seller_tax_id = ? ORDER BY number', [a.invoice.sellerTaxId]);
    expect(stored.map((r: { number: string }) => r.number)).toEqual([a.invoice.number, b.invoice.number]);
  });

  it('a group costs the same statements whatever its size: the writes are multi-row', async () => {
    const one = await members({ riskLevel: 'medium' }, ['1.00'], '36');
    const forty = await members(
      { riskLevel: 'medium' },
      Array.from({ length: 40 }, () => '1.00'),
      '37',
    );
    // Warm the number blocks, so that neither group reserves one.
    for (const prefix of [one[0].prefix, forty[0].prefix]) (await ctx.get(NumberingService).hold(Array(50).fill(prefix))).release();
    // The statements of the group's transaction: those on the query runner that inserted its
    // invoices (the service's background jobs query meanwhile on runners of their own).
    const count = async (group: BlueInvoice[]) => {
      spy.mockClear();
      const committed = await ctx.get(IssueGroupCommitter).commitBatch(group, async () => undefined);
      expect(committed.every((c) => !(c instanceof ProblemException))).toBe(true);
      const calls = spy.mock.calls.map((call, i) => ({ sql: String(call[0]), runner: spy.mock.contexts[i] }));
      const runner = calls.find((c) => /^INSERT INTO \W?invoices\W? /.test(c.sql))!.runner;
      return calls.filter((c) => c.runner === runner).length;
    };
    const single = await count(one);
    expect(single).toBeGreaterThan(3);
    expect(await count(forty)).toBe(single);
  });
});
