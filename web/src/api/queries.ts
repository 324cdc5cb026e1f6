/** Queries that more than one place asks for with the same key: the page that shows them and the
 * session, which starts them as soon as it knows who is signed in (home page usable sooner). */
import { queryOptions } from '@tanstack/react-query';
import { client, ok } from './client';
import type { LedgerEntry, Page, Quota } from './types';

/** A taxpayer's quota for a month (`period`), or for the service's current month. */
export const quotaQuery = (taxId: string, period?: string) =>
  queryOptions({
    queryKey: ['quota', taxId, period ?? 'current'],
    queryFn: () =>
      ok<Quota>(
        period
          ? client.GET('/v1/taxpayers/{taxId}/quota/{period}', { params: { path: { taxId, period } } })
          : client.GET('/v1/taxpayers/{taxId}/quota', { params: { path: { taxId } } }),
      ),
  });

/** A month's quota ledger (up to 500 entries, what the home page shows). */
export const ledgerQuery = (taxId: string, month: string) =>
  queryOptions({
    queryKey: ['ledger', taxId, month],
    queryFn: () =>
      ok<Page<LedgerEntry>>(client.GET('/v1/taxpayers/{taxId}/quota/{period}/ledger', { params: { path: { taxId, period: month }, query: { limit: '500' } } })),
  });
