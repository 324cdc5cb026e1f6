import type { OutboxInput } from '../database/outbox.service';
import type { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import { invoiceView } from './invoice.view';

/** Webhook events of newly issued blue invoices: `invoice.issued` to the seller, `invoice.received` to the buyer. */
export function invoiceEvents(issued: ({ invoice: InvoiceEntity; lines: InvoiceLineEntity[] } | unknown)[]): OutboxInput[] {
  const events: OutboxInput[] = [];
  for (const item of issued) {
    if (!item || typeof item !== 'object' || !('invoice' in item)) continue;
    const { invoice, lines } = item as { invoice: InvoiceEntity; lines: InvoiceLineEntity[] };
    const view = invoiceView(invoice, lines);
    events.push({ type: 'invoice.issued', taxIds: [invoice.sellerTaxId], payload: view });
    if (invoice.buyerTaxId) events.push({ type: 'invoice.received', taxIds: [invoice.buyerTaxId], payload: view });
  }
  return events;
}
