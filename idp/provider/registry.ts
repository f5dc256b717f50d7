// One oidc-provider instance per organisation, built on first use and rebuilt when the organisation's keys change
// (also when another server instance rotated them: the organisation is re-read at most once a second).
import type Provider from 'oidc-provider';
import type { Organisation } from '../organisations/model.ts';
import { shortCache } from '../../lib/short-cache.ts';
import { findOrganisation } from '../organisations/service.ts';
import { buildProvider, type IdpDeps } from './configuration.ts';

const ORG_CACHE_MS = 1000;

export type ProviderRegistry = {
  organisation(slug: string): Promise<Organisation | null>;
  provider(org: Organisation): Provider;
};

export function createProviderRegistry(deps: IdpDeps): ProviderRegistry {
  const providers = new Map<string, { keysVersion: number; provider: Provider }>();

  return {
    organisation: shortCache(findOrganisation, ORG_CACHE_MS),
    provider(org) {
      const hit = providers.get(org._id);
      if (hit && hit.keysVersion === org.keysVersion) return hit.provider;
      const provider = buildProvider(deps, org);
      providers.set(org._id, { keysVersion: org.keysVersion, provider });
      return provider;
    },
  };
}
