import { Principal, Role, tenantScope } from '../../src/common/principal';

// API.md "Principals and roles": a taxpayer, and an auditor scoped to a taxpayer, see their own
// taxpayer's objects only; an admin, a tax officer and an unscoped auditor see everyone's.
const as = (role: Role, taxpayerId: string | null): Principal => ({ kind: 'api_key', id: 'k', role, taxpayerId, actorRef: 'api_key:k' });

describe('tenantScope', () => {
  it.each([
    ['taxpayer, nothing asked', as('taxpayer', 'A'), undefined, { scoped: true, taxId: 'A', outside: false }],
    ['taxpayer asking for itself', as('taxpayer', 'A'), 'A', { scoped: true, taxId: 'A', outside: false }],
    ['taxpayer asking for another', as('taxpayer', 'A'), 'B', { scoped: true, taxId: 'A', outside: true }],
    ['scoped auditor asking for another', as('auditor', 'A'), 'B', { scoped: true, taxId: 'A', outside: true }],
    ['scoped auditor, nothing asked', as('auditor', 'A'), null, { scoped: true, taxId: 'A', outside: false }],
    ['unscoped auditor asking for one', as('auditor', null), 'B', { scoped: false, taxId: 'B', outside: false }],
    ['admin, nothing asked', as('admin', null), undefined, { scoped: false, taxId: null, outside: false }],
    ['tax officer asking for one', as('tax_officer', null), 'B', { scoped: false, taxId: 'B', outside: false }],
  ] as const)('%s', (_name, principal, asked, expected) => {
    expect(tenantScope(principal, asked)).toEqual(expected);
  });
});
