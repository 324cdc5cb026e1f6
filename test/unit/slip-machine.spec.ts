import { initialStatus, Party, SlipAction, SlipStatus, SLIP_STATUSES, transition } from '../../src/red-letter/slip-machine';

// SPEC section 6: statuses 01-09 verbatim; 02/03 await the other side, who confirms (04) or
// rejects (05/06); the initiator revokes (08 before confirmation, 09 after it, before the red
// invoice); unconfirmed slips void themselves after 72 hours (07); reds are issued from 01 or 04.
type Expect = SlipStatus | 'FORBIDDEN' | 'INVALID_STATE';

// [status, initiator] -> action -> acting party -> outcome
const TABLE: Record<string, Record<SlipAction, Record<Party, Expect>>> = {
  '01/seller': {
    confirm: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    reject: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    revoke: { seller: '08', buyer: 'FORBIDDEN' },
    expire: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    issue: { seller: '01', buyer: 'FORBIDDEN' },
  },
  '02/seller': {
    confirm: { seller: 'FORBIDDEN', buyer: '04' },
    reject: { seller: 'FORBIDDEN', buyer: '05' },
    revoke: { seller: '08', buyer: 'FORBIDDEN' },
    expire: { seller: '07', buyer: '07' },
    issue: { seller: 'INVALID_STATE', buyer: 'FORBIDDEN' },
  },
  '03/buyer': {
    confirm: { seller: '04', buyer: 'FORBIDDEN' },
    reject: { seller: '06', buyer: 'FORBIDDEN' },
    revoke: { seller: 'FORBIDDEN', buyer: '08' },
    expire: { seller: '07', buyer: '07' },
    issue: { seller: 'INVALID_STATE', buyer: 'FORBIDDEN' },
  },
  '04/seller': {
    confirm: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    reject: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    revoke: { seller: '09', buyer: 'FORBIDDEN' },
    expire: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    issue: { seller: '04', buyer: 'FORBIDDEN' },
  },
  '04/buyer': {
    confirm: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    reject: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    revoke: { seller: 'FORBIDDEN', buyer: '09' },
    expire: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
    issue: { seller: '04', buyer: 'FORBIDDEN' },
  },
};
// Every void status refuses everything (revoke by the initiator: INVALID_STATE; by the other: FORBIDDEN).
for (const status of ['05', '06', '07', '08', '09'] as const) {
  for (const initiator of ['seller', 'buyer'] as const) {
    TABLE[`${status}/${initiator}`] = {
      confirm: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
      reject: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
      revoke: initiator === 'seller' ? { seller: 'INVALID_STATE', buyer: 'FORBIDDEN' } : { seller: 'FORBIDDEN', buyer: 'INVALID_STATE' },
      expire: { seller: 'INVALID_STATE', buyer: 'INVALID_STATE' },
      issue: { seller: 'INVALID_STATE', buyer: 'FORBIDDEN' },
    };
  }
}

const rows: [string, SlipAction, Party, Expect][] = [];
for (const [key, actions] of Object.entries(TABLE)) {
  for (const [action, parties] of Object.entries(actions) as [SlipAction, Record<Party, Expect>][]) {
    for (const [party, outcome] of Object.entries(parties) as [Party, Expect][]) rows.push([key, action, party, outcome]);
  }
}

describe('slip state machine', () => {
  it('keeps the nine status codes and names verbatim', () => {
    expect(Object.keys(SLIP_STATUSES)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09']);
    expect(SLIP_STATUSES['07']).toBe('作废(超72小时未确认)');
  });

  it.each(rows)('%s: %s by the %s -> %s', (key, action, party, outcome) => {
    const [status, initiator] = key.split('/') as [SlipStatus, Party];
    const result = transition({ status, initiator, redIssued: false }, action, party);
    if (outcome === 'FORBIDDEN' || outcome === 'INVALID_STATE') expect(result).toMatchObject({ ok: false, reason: outcome });
    else expect(result).toEqual({ ok: true, status: outcome });
  });

  it.each([
    ['01', 'seller'],
    ['04', 'seller'],
    ['04', 'buyer'],
  ] as const)('after the red invoice, a %s slip (initiator %s) can be neither revoked nor issued again', (status, initiator) => {
    expect(transition({ status, initiator, redIssued: true }, 'revoke', initiator)).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
    expect(transition({ status, initiator, redIssued: true }, 'issue', 'seller')).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
  });

  it.each([
    ['seller', false, '01'],
    ['buyer', false, null],
    ['seller', true, '02'],
    ['buyer', true, '03'],
  ] as const)('a slip filed by the %s when the buyer acted=%s starts in %s', (initiator, acted, expected) => {
    const result = initialStatus(initiator, acted);
    if (expected === null) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, status: expected });
  });
});
