/** The roles of API.md "Principals and roles". */
export const ROLES = ['admin', 'tax_officer', 'taxpayer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the bearer token by the AuthGuard. */
export interface Principal {
  kind: 'api_key' | 'session';
  /** The API key's or the session user's id. */
  id: string;
  role: Role;
  /** The taxpayer a `taxpayer` (always) or a scoped `auditor` acts for; null otherwise. */
  taxpayerId: string | null;
  /** `api_key:<id>` or `user:<id>`: how audit events name the actor. */
  actorRef: string;
}

/** True when the principal may read objects belonging to `taxId` (a tenant check). */
export function canRead(principal: Principal, taxId: string | null | undefined): boolean {
  if (principal.role === 'admin' || principal.role === 'tax_officer') return true;
  if (principal.role === 'auditor' && principal.taxpayerId === null) return true;
  return taxId != null && principal.taxpayerId === taxId;
}

/**
 * The tenant rule of listings: a taxpayer, or an auditor scoped to a taxpayer, sees its own
 * taxpayer only (`taxId` is its own, and `outside` says that another one was asked for); everyone
 * else sees what it asks for (`taxId` as asked, or null for all).
 */
export function tenantScope(principal: Principal, asked?: string | null): { scoped: boolean; taxId: string | null; outside: boolean } {
  const scoped = principal.role === 'taxpayer' || (principal.role === 'auditor' && principal.taxpayerId !== null);
  if (!scoped) return { scoped, taxId: asked ?? null, outside: false };
  return { scoped, taxId: principal.taxpayerId, outside: !!asked && asked !== principal.taxpayerId };
}
