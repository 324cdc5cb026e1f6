import { formatMoney } from '../common/money';
import type { OutboxInput } from '../database/outbox.service';

/**
 * `quota.total_changed` (API.md "Webhooks"): a month's total was set or changed (`kind`: initial,
 * periodic, temporary, manual), with the total before (null for a new month) and after.
 */
export function totalChanged(c: {
  taxId: string;
  period: string;
  kind: string;
  previousTotal: bigint | null;
  total: bigint;
  used: bigint;
  ref: string;
}): OutboxInput {
  return {
    type: 'quota.total_changed',
    taxIds: [c.taxId],
    payload: {
      taxId: c.taxId,
      period: c.period,
      kind: c.kind,
      previousTotal: c.previousTotal === null ? null : formatMoney(c.previousTotal),
      total: formatMoney(c.total),
      used: formatMoney(c.used),
      remaining: formatMoney(c.total - c.used),
      ref: c.ref,
    },
  };
}
