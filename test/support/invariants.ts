/** Quota and numbering invariants checked straight in the database (SPEC section 4, API.md). */
export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

const TOTAL_KINDS = ['initial', 'periodic', 'temporary', 'manual'];
const USED_KINDS = ['issue', 'red_restore', 'paper_collection', 'paper_void_restore'];

const n = (v: unknown) => BigInt(String(v ?? 0));

export async function quotaInvariants(query: Query, taxId: string, period: string) {
  const [month] = await query('SELECT total, used, ledger_seq FROM quota_months WHERE taxpayer_id = ? AND period = ?', [taxId, period]);
  const ledger = await query('SELECT seq, kind, delta, total_after, used_after FROM quota_ledger WHERE taxpayer_id = ? AND period = ? ORDER BY seq', [
    taxId,
    period,
  ]);
  const invoices = await query(
    "SELECT COUNT(*) AS c, COUNT(DISTINCT number) AS d, SUM(total_amount) AS s FROM invoices WHERE seller_tax_id = ? AND period = ? AND color = 'blue' AND status <> 'voided'",
    [taxId, period],
  );
  const sum = (kinds: string[]) => ledger.filter((l) => kinds.includes(String(l.kind))).reduce((acc, l) => acc + n(l.delta), 0n);
  return {
    total: n(month.total),
    used: n(month.used),
    ledgerSeq: n(month.ledger_seq),
    ledgerEntries: ledger.length,
    seqsGapless: ledger.every((l, i) => n(l.seq) === BigInt(i + 1)),
    ledgerTotal: sum(TOTAL_KINDS),
    ledgerUsed: sum(USED_KINDS),
    issueEntries: ledger.filter((l) => l.kind === 'issue').length,
    temporaryEntries: ledger.filter((l) => l.kind === 'temporary').length,
    invoiceCount: Number(invoices[0].c),
    distinctNumbers: Number(invoices[0].d),
    invoiceSum: n(invoices[0].s),
  };
}
