import { AppConfig } from '../../src/config/config';
import { NumberSequencesRepository } from '../../src/invoices/number-sequences.repository';
import { NumberingService } from '../../src/invoices/numbering.service';
import { MediumContext, startContext } from '../support/medium';

// SPEC 3: "YY PP C SSSSSSSSSSSSSSS ... Numbers are unique forever and never reused. Gaps are
// allowed ... so a number may be handed out in blocks."
describe('NumberingService on the number_sequences table', () => {
  let ctx: MediumContext;
  beforeAll(async () => (ctx = await startContext({ NUMBER_BLOCK_SIZE: '5' })));
  afterAll(() => ctx.close());

  const seq = (number: string) => Number(number.slice(5));

  it('numbers held and not taken are handed out next, so a refused invoice leaves no gap', async () => {
    const numbering = ctx.get(NumberingService);
    const prefix = '23441';
    const hold = await numbering.hold([prefix, prefix, prefix]);
    const first = hold.take(prefix);
    expect(first).toMatch(/^23441\d{15}$/);
    const second = hold.take(prefix);
    expect(seq(second)).toBe(seq(first) + 1);
    hold.release(); // the third was not taken (its invoice was refused)
    expect(() => hold.take(prefix)).toThrow(/no invoice number held/);
    const next = await numbering.hold([prefix]);
    expect(seq(next.take(prefix))).toBe(seq(second) + 1);
    next.release();
  });

  it('two processes (two services on one database) reserve disjoint blocks', async () => {
    const prefix = '23331';
    const other = new NumberingService(ctx.get(NumberSequencesRepository), ctx.get(AppConfig));
    const [mine, theirs] = await Promise.all([ctx.get(NumberingService).take(prefix, 23), other.take(prefix, 17)]);
    const all = [...mine, ...theirs];
    expect(new Set(all).size).toBe(40);
    expect(all.every((n) => n.startsWith(prefix) && n.length === 20)).toBe(true);
  });
});
