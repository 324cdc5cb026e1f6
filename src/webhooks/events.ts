/** Event types (API.md "Webhooks"); `*` subscribes to all. */
export const WEBHOOK_EVENT_TYPES = [
  'invoice.issued',
  'invoice.received',
  'invoice.voided',
  'red_confirmation.created',
  'red_confirmation.awaiting_confirmation',
  'red_confirmation.confirmed',
  'red_confirmation.rejected',
  'red_confirmation.revoked',
  'red_confirmation.expired',
  'red_invoice.issued',
  'quota.total_changed',
  'quota.application_decided',
  'delivery.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function subscribes(events: string, type: string): boolean {
  return events.split(',').some((e) => e === '*' || e === type);
}
