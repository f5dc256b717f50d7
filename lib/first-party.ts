// Built-in first-party OIDC clients every organisation has: the Customer Portal, the admin console and Customer Flows.
// Their registration is derived, not stored: the identity provider serves it to oidc-provider and the portal
// uses the same derivation to act as that client, so neither imports the other and no organisation lacks one.
import { deriveKey } from './crypto.ts';

export const PORTAL_CLIENT_ID = 'portico-portal';
export const ADMIN_CLIENT_ID = 'portico-admin';
export const FLOWS_CLIENT_ID = 'portico-flows';

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
  /** Where the identity provider posts logout tokens (only in the registration it serves; see `firstPartyClients`). */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: true;
};

type Org = { id: string; slug: string; name: string };

/** The portal's mount point for an organisation: `PUBLIC_URL/<org>/portal`. */
export function portalBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/portal`;
}

/**
 * Where a first-party app's server takes OIDC Back-Channel Logout tokens, under its mount point. The identity
 * provider posts them to this server's internal address: no proxy hop, and a logout token never passes a browser.
 */
export const BACKCHANNEL_LOGOUT_PATH = '/backchannel-logout';

/** The admin console's mount point: `PUBLIC_URL/<org>/admin` (the Admin API is under it, at `/v1`). */
export function adminBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/admin`;
}

/** Customer Flows' mount point: `PUBLIC_URL/<org>/flows` (a flow at `/<org>/flows/<flow-slug>`). */
export function flowsBase(publicUrl: string, orgSlug: string): string {
  return `${publicUrl}/${orgSlug}/flows`;
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

export const flowsClient = (publicUrl: string, masterSecret: string, org: Org) =>
  firstParty(FLOWS_CLIENT_ID, `${org.name} flows`, flowsBase(publicUrl, org.slug), masterSecret, org);

/**
 * Every built-in client of an organisation, by id, as the identity provider registers it: with its back-channel
 * logout URI at `internalUrl` (session required, so each logout token names the sign-in session it ends).
 */
export function firstPartyClients(publicUrl: string, internalUrl: string, masterSecret: string, org: Org): Map<string, FirstPartyClient> {
  const apps = [
    [portalClient, portalBase],
    [adminClient, adminBase],
    [flowsClient, flowsBase],
  ] as const;
  return new Map(
    apps.map(([make, base]) => {
      const c = make(publicUrl, masterSecret, org);
      return [
        c.client_id,
        { ...c, backchannel_logout_uri: `${base(internalUrl, org.slug)}${BACKCHANNEL_LOGOUT_PATH}`, backchannel_logout_session_required: true },
      ];
    }),
  );
}
