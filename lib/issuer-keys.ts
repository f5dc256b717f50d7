// An issuer's public keys as any relying party or resource server reads them: from its published JWKS (cached by
// jose, refetched on an unknown kid), reached at this server's internal address, one key set per organisation.
import { createRemoteJWKSet } from 'jose';
import type { Tenant } from './tenants.ts';

export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The key set of a tenant's issuer, made once per organisation. */
export function issuerKeys(internalUrl: string): (tenant: Tenant) => KeySet {
  const keySets = new Map<string, KeySet>();
  return (tenant) => {
    let keys = keySets.get(tenant.slug);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(`${internalUrl}/${tenant.slug}/jwks`), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
      keySets.set(tenant.slug, keys);
    }
    return keys;
  };
}
