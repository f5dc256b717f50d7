// One oidc-provider instance per organisation, built on first use and rebuilt when what it was built from changes
// (a new key ring, a new name or branding), also when another server instance changed it: organisations and client
// registrations come from this instance's caches, which drop an entry as soon as it changes anywhere.
import type Provider from 'oidc-provider';
import type { Clients } from '../clients/directory.ts';
import type { Organisation } from '../organisations/model.ts';
import type { Organisations } from '../organisations/directory.ts';
import { buildProvider, type IdpDeps } from './configuration.ts';

export type ProviderRegistry = {
  organisation(slug: string): Promise<Organisation | null>;
  provider(org: Organisation): Provider;
};

/** What a provider is built from: a change to any of it builds a new one. */
const fingerprint = (org: Organisation) => JSON.stringify([org.slug, org.name, org.branding, org.keysVersion]);
const fingerprints = new WeakMap<Organisation, string>();
function builtFrom(org: Organisation): string {
  let from = fingerprints.get(org);
  if (from === undefined) {
    from = fingerprint(org);
    fingerprints.set(org, from);
  }
  return from;
}

export function createProviderRegistry(deps: IdpDeps, organisations: Organisations, clients: Clients): ProviderRegistry {
  const providers = new Map<string, { from: string; provider: Provider }>();

  return {
    organisation: organisations.bySlug,
    provider(org) {
      const from = builtFrom(org);
      const hit = providers.get(org._id);
      if (hit?.from === from) return hit.provider;
      const provider = buildProvider(deps, org, clients);
      providers.set(org._id, { from, provider });
      return provider;
    },
  };
}
