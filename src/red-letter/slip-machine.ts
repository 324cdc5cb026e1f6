/**
 * The red-letter confirmation slip (红字发票信息确认单) as a state machine, SPEC section 6.
 * Status codes are kept verbatim, as the platform's integrators do.
 */
export const SLIP_STATUSES = {
  '01': '无需确认',
  '02': '销方录入待购方确认',
  '03': '购方录入待销方确认',
  '04': '购销双方已确认',
  '05': '作废(销方录入购方否认)',
  '06': '作废(购方录入销方否认)',
  '07': '作废(超72小时未确认)',
  '08': '作废(发起方已撤销)',
  '09': '作废(确认后撤销)',
} as const;
export type SlipStatus = keyof typeof SLIP_STATUSES;
export type Party = 'seller' | 'buyer';
export type SlipAction = 'confirm' | 'reject' | 'revoke' | 'expire' | 'issue';

export const PENDING: readonly SlipStatus[] = ['02', '03'];
/** Slips that still hold their amounts against the blue invoice. */
export const LIVE: readonly SlipStatus[] = ['01', '02', '03', '04'];
export const EXPIRY_HOURS = 72;

export interface SlipState {
  status: SlipStatus;
  initiator: Party;
  /** Whether the red invoice has been issued from it. */
  redIssued: boolean;
}

export type Transition = { ok: true; status: SlipStatus } | { ok: false; reason: 'FORBIDDEN' | 'INVALID_STATE'; detail: string };

const other = (party: Party): Party => (party === 'seller' ? 'buyer' : 'seller');

/**
 * What `action` by `party` does to the slip. `expire` is the system's (party is ignored); the
 * others name the acting side of the blue invoice.
 *   02/03 --confirm (other side)--> 04     02 --reject (buyer)--> 05     03 --reject (seller)--> 06
 *   02/03 --expire (72 h)--> 07            01/02/03 --revoke (initiator)--> 08
 *   04 --revoke (initiator, no red yet)--> 09
 *   01/04 --issue (seller, once)--> same status, red issued
 */
export function transition(state: SlipState, action: SlipAction, party: Party): Transition {
  const { status, initiator } = state;
  const invalid = (detail: string): Transition => ({ ok: false, reason: 'INVALID_STATE', detail: `slip is ${status} ${SLIP_STATUSES[status]}: ${detail}` });
  const forbidden = (detail: string): Transition => ({ ok: false, reason: 'FORBIDDEN', detail });
  switch (action) {
    case 'confirm':
    case 'reject':
      if (!PENDING.includes(status)) return invalid(`only a slip awaiting confirmation can be ${action}ed`);
      if (party === initiator) return forbidden(`the ${party} filled in this slip; the ${other(initiator)} ${action}s it`);
      if (action === 'confirm') return { ok: true, status: '04' };
      return { ok: true, status: status === '02' ? '05' : '06' };
    case 'expire':
      return PENDING.includes(status) ? { ok: true, status: '07' } : invalid('only a slip awaiting confirmation expires');
    case 'revoke':
      if (party !== initiator) return forbidden(`only the initiator (the ${initiator}) revokes a slip`);
      if (state.redIssued) return invalid('its red invoice has been issued');
      if (status === '01' || PENDING.includes(status)) return { ok: true, status: '08' };
      if (status === '04') return { ok: true, status: '09' };
      return invalid('it is void');
    case 'issue':
      if (party !== 'seller') return forbidden('only the seller issues the red invoice');
      if (status !== '01' && status !== '04') return invalid('a red invoice is issued only from a slip in 01 or 04');
      if (state.redIssued) return invalid('its red invoice has already been issued');
      return { ok: true, status };
  }
}

/** The status a new slip starts in (SPEC 6): 01 when the buyer has made neither a usage
 * confirmation nor an accounting entry (the seller files, no confirmation); else 02 or 03. */
export function initialStatus(initiator: Party, buyerActed: boolean): { ok: true; status: SlipStatus } | { ok: false; detail: string } {
  if (!buyerActed) {
    if (initiator === 'buyer')
      return {
        ok: false,
        detail: 'the buyer has made neither a usage confirmation nor an accounting entry: the seller fills in the slip, and it needs no confirmation',
      };
    return { ok: true, status: '01' };
  }
  return { ok: true, status: initiator === 'seller' ? '02' : '03' };
}
