/** What a process is delivering to now: the endpoints being worked, and how many of them each taxpayer's. */
export interface SlotUse {
  /** Endpoints a process works at once (WEBHOOK_CONCURRENCY). */
  slots: number;
  /** Of those, the most one taxpayer's (WEBHOOK_TAXPAYER_CONCURRENCY). */
  share: number;
  /** The webhooks being worked. */
  working: ReadonlySet<string>;
  /** Endpoints being worked per taxpayer. */
  perTaxpayer: ReadonlyMap<string, number>;
}

/**
 * The due heads to start now, in the order given (the longest due first): a free slot each, none
 * of an endpoint already being worked, and none that would take a taxpayer past its share.
 */
export function pickHeads<T extends { webhookId: string }>(heads: T[], taxIdOf: (webhookId: string) => string, use: SlotUse): T[] {
  const picked: T[] = [];
  const started = new Set<string>();
  const perTaxpayer = new Map(use.perTaxpayer);
  for (const head of heads) {
    if (use.working.size + picked.length >= use.slots) break;
    const taxId = taxIdOf(head.webhookId);
    if (use.working.has(head.webhookId) || started.has(head.webhookId) || (perTaxpayer.get(taxId) ?? 0) >= use.share) continue;
    perTaxpayer.set(taxId, (perTaxpayer.get(taxId) ?? 0) + 1);
    started.add(head.webhookId);
    picked.push(head);
  }
  return picked;
}

/**
 * How many heads to read so that the free slots can be filled though some are passed over: those
 * of endpoints being worked, those of taxpayers at their share (`fullTaxpayersWebhooks`: their
 * live webhooks), and those of taxpayers that reach it while the free slots are filled (at most
 * one per `share` slots filled, each with at most `maxPerTaxpayer` endpoints).
 */
export function headsToRead(use: SlotUse, fullTaxpayersWebhooks: number, maxPerTaxpayer: number): number {
  const free = Math.max(0, use.slots - use.working.size);
  return free + use.working.size + fullTaxpayersWebhooks + Math.ceil(free / use.share) * maxPerTaxpayer;
}
