// Built-in first-party OIDC clients every organisation has: the Customer Portal and the admin console.
// Their registration is derived, not stored: the identity provider serves it to oidc-provider and the portal
// uses the same derivation to act as that client, so neither imports the other and no organisation lacks one.
import { deriveKey } from './crypto.ts';

export const PORTAL_CLIENT_ID = 'portico-portal';
export const ADMIN_CLIENT_ID = 'portico-admin';

export type FirstPartyClient = {
  client_id: string;
  client_secret: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'client_secret_basic';
  first_party: true;
};

type Org = { id: string; slug: string; name: string };

/** The portal's mount point for an organisation: `PUBLIC_URL/<org>/portal`. */
export function portalBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/portal`;
}

/** The admin console's mount point: `PUBLIC_URL/<org>/admin` (the Admin API is under it, at `/v1`). */
export function adminBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/admin`;
}

function firstParty(clientId: string, name: string, base: string, masterSecret: string, org: Org): FirstPartyClient {
  return {
    client_id: clientId,
    client_secret: deriveKey(masterSecret, `first-party-client:${org.id}:${clientId}`).toString('base64url'),
    client_name: name,
    redirect_uris: [`${base}/callback`],
    post_logout_redirect_uris: [`${base}/signed-out`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    first_party: true,
  };
}

export const portalClient = (publicUrl: string, masterSecret: string, org: Org) =>
  firstParty(PORTAL_CLIENT_ID, `${org.name} customer portal`, portalBase(publicUrl, org.slug), masterSecret, org);

export const adminClient = (publicUrl: string, masterSecret: string, org: Org) =>
  firstParty(ADMIN_CLIENT_ID, `${org.name} admin console`, adminBase(publicUrl, org.slug), masterSecret, org);

/** Every built-in client of an organisation, by id. */
export function firstPartyClients(publicUrl: string, masterSecret: string, org: Org): Map<string, FirstPartyClient> {
  return new Map([portalClient, adminClient].map((make) => {
    const c = make(publicUrl, masterSecret, org);
    return [c.client_id, c];
  }));
}
