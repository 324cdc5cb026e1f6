import type { OutboxInput } from '../database/outbox.service';

/** The slip fields the events need (the slip as the API shows it). */
interface SlipLike {
  status: string;
  initiator: 'seller' | 'buyer';
  sellerTaxId: string;
  buyerTaxId: string | null;
}

/** Which event a status reached by a transition is (API.md "Webhooks"). */
const MOVED: Record<string, string> = {
  '04': 'red_confirmation.confirmed',
  '05': 'red_confirmation.rejected',
  '06': 'red_confirmation.rejected',
  '07': 'red_confirmation.expired',
  '08': 'red_confirmation.revoked',
  '09': 'red_confirmation.revoked',
};

/**
 * Webhook events of a slip: when filled in, `red_confirmation.created` to both parties and, when
 * it awaits the other side (02 or 03), `red_confirmation.awaiting_confirmation` to that side;
 * after a transition, the event of the status reached, to both parties.
 */
export function slipEvents(slip: SlipLike, what: 'created' | 'moved'): OutboxInput[] {
  const both = [slip.sellerTaxId, slip.buyerTaxId];
  if (what === 'created') {
    const events: OutboxInput[] = [{ type: 'red_confirmation.created', taxIds: both, payload: slip }];
    if (slip.status === '02' || slip.status === '03') {
      events.push({
        type: 'red_confirmation.awaiting_confirmation',
        taxIds: [slip.initiator === 'seller' ? slip.buyerTaxId : slip.sellerTaxId],
        payload: slip,
      });
    }
    return events;
  }
  const type = MOVED[slip.status];
  return type ? [{ type, taxIds: both, payload: slip }] : [];
}
