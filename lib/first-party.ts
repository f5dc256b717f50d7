// Built-in first-party OIDC clients every organisation has: the Customer Portal (and later the admin console).
// Their registration is derived, not stored: the identity provider serves it to oidc-provider and the portal
// uses the same derivation to act as that client, so neither imports the other and no organisation lacks one.
import { deriveKey } from './crypto.ts';

export const PORTAL_CLIENT_ID = 'portico-portal';

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

/** The portal's mount point for an organisation: `PUBLIC_URL/<org>/portal`. */
export function portalBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/portal`;
}

export function portalClient(publicUrl: string, masterSecret: string, org: { id: string; slug: string; name: string }): FirstPartyClient {
  const base = portalBase(publicUrl, org.slug);
  return {
    client_id: PORTAL_CLIENT_ID,
    client_secret: deriveKey(masterSecret, `first-party-client:${org.id}:${PORTAL_CLIENT_ID}`).toString('base64url'),
    client_name: `${org.name} customer portal`,
    redirect_uris: [`${base}/callback`],
    post_logout_redirect_uris: [`${base}/signed-out`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    first_party: true,
  };
}
