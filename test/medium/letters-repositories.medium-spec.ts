import { randomUUID } from 'node:crypto';
import { Db } from '../../src/database/db.service';
import { DeliveriesRepository } from '../../src/delivery/deliveries.repository';
import { DeliveryEntity } from '../../src/delivery/delivery.entity';
import { RedConfirmationEntity, RedConfirmationLineEntity } from '../../src/red-letter/red-letter.entities';
import { SlipStatus } from '../../src/red-letter/slip-machine';
import { SlipsRepository } from '../../src/red-letter/slips.repository';
import { MediumContext, startWithDb } from '../support/medium';
import { makeTaxId } from '../support/tax-ids';

// The slips' and deliveries' repositories: every change of state is a conditional UPDATE from the
// state the caller saw (DESIGN.md), so of two concurrent changes from the same state one wins, and
// a red invoice is recorded on a slip once.
describe('slips and deliveries repositories', () => {
  let ctx: MediumContext;
  let db: Db;
  beforeAll(async () => ({ ctx, db } = await startWithDb()));
  afterAll(() => ctx.close());

  const at = new Date('2023-07-03T01:00:00Z');
  let serial = 0;
  const slip = (blueNumber: string, status: SlipStatus, extra: Partial<RedConfirmationEntity> = {}): RedConfirmationEntity => ({
    id: randomUUID(),
    number: `2223070300000000${String(++serial).padStart(4, '0')}`,
    blueNumber,
    sellerTaxId: makeTaxId('22'),
    buyerTaxId: null,
    initiator: 'seller',
    reason: '01',
    status,
    totalAmount: -100n,
    totalTax: -13n,
    inputTaxTransferOut: 0n,
    autoIssue: false,
    redInvoiceNumber: null,
    createdBy: 'medium',
    createdAt: new Date(at.getTime() + serial * 1000),
    expiresAt: null,
    updatedAt: at,
    ...extra,
  });
  const line = (s: RedConfirmationEntity): RedConfirmationLineEntity => ({
    confirmationId: s.id,
    blueLineNo: 1,
    quantity: null,
    amount: -100n,
    taxAmount: -13n,
  });
  const insert = (s: RedConfirmationEntity) => db.transaction((em) => ctx.get(SlipsRepository).insert(em, s, [line(s)]));

  it('of two concurrent moves from the same status one wins, and the slip is in its status', async () => {
    const slips = ctx.get(SlipsRepository);
    const s = slip('22230703000000000001', '02');
    await insert(s);
    const answers = await Promise.all(
      (['04', '08'] as const).map((to) => db.transaction((em) => slips.move(em, s.id, '02', to, { updatedAt: new Date(at.getTime() + 60_000) }))),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect((await slips.find(s.id))!.status).toBe(answers[0] ? '04' : '08');
    expect(await db.transaction((em) => slips.move(em, s.id, '02', '09', {}))).toBe(false);
    expect(await slips.linesOf(s.id)).toEqual([expect.objectContaining({ confirmationId: s.id, amount: -100n })]);
  });

  it('a red invoice is recorded once, only from 01 or 04, and then the slip is neither revoked nor rejected', async () => {
    const slips = ctx.get(SlipsRepository);
    const pending = slip('22230703000000000002', '02');
    const confirmed = slip('22230703000000000002', '04');
    await insert(pending);
    await insert(confirmed);
    expect(await db.transaction((em) => slips.markRedIssued(em, pending.id, '22230703000000000099', at))).toBe(false);
    const answers = await Promise.all(
      ['22230703000000000100', '22230703000000000101'].map((red) => db.transaction((em) => slips.markRedIssued(em, confirmed.id, red, at))),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect((await slips.find(confirmed.id))!.redInvoiceNumber).toBe(answers[0] ? '22230703000000000100' : '22230703000000000101');
    expect(await db.transaction((em) => slips.move(em, confirmed.id, '04', '08', {}))).toBe(false);
    expect(await db.transaction((em) => slips.move(em, confirmed.id, '04', '09', {}))).toBe(false);
  });

  it('the live slips of a blue are 01-04; those still without a red come oldest first', async () => {
    const slips = ctx.get(SlipsRepository);
    const blue = '22230703000000000003';
    const rows = [
      slip(blue, '04', { redInvoiceNumber: '22230703000000000200' }),
      slip(blue, '03'),
      slip(blue, '07'),
      slip(blue, '01'),
      slip('22230703000000000004', '01'),
    ];
    for (const r of rows) await insert(r);
    const [issued, awaiting, expired, filled] = rows;
    const live = await db.transaction((em) => slips.liveOn(em, blue));
    expect(live.map((s) => s.id).sort()).toEqual([issued.id, awaiting.id, filled.id].sort());
    expect((await db.transaction((em) => slips.liveUnissuedOn(em, blue))).map((s) => s.id)).toEqual([awaiting.id, filled.id]);
    expect((await slips.onBlues([blue])).map((s) => s.id)).toEqual(rows.slice(0, 4).map((s) => s.id));
    expect((await slips.byIds([expired.id])).map((s) => s.status)).toEqual(['07']);
    expect(await slips.byIds([])).toEqual([]);
  });

  it('of two processes claiming the same attempt of a delivery one wins, and the attempt is counted once', async () => {
    const deliveries = ctx.get(DeliveriesRepository);
    const row: DeliveryEntity = {
      id: randomUUID(),
      invoiceNumber: '22230703000000000005',
      sellerTaxId: makeTaxId('22'),
      channel: 'email',
      to: 'ap@example.com',
      status: 'pending',
      attempts: 0,
      lastError: null,
      receipt: null,
      createdAt: new Date(),
      nextAttemptAt: new Date(),
      sentAt: null,
      createdBy: 'medium',
    };
    await db.transaction((em) => deliveries.insert(em, row));
    const answers = await Promise.all([0, 1].map(() => db.transaction((em) => deliveries.claim(em, row.id, 0, new Date()))));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await deliveries.get(row.id)).toMatchObject({ status: 'pending', attempts: 1 });
    await db.transaction((em) => deliveries.update(em, row.id, { status: 'sent', sentAt: new Date(), nextAttemptAt: null }));
    expect(await db.transaction((em) => deliveries.claim(em, row.id, 1, new Date()))).toBe(false);
    expect((await deliveries.ofInvoice(row.invoiceNumber, 10)).map((d) => [d.id, d.status, d.attempts])).toEqual([[row.id, 'sent', 1]]);
  });
});
