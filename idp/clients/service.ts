// Registered OIDC clients ("apps") of an organisation: register, edit, rotate the secret, delete. oidc-provider
// reads registrations through each instance's cache (./directory.ts), which drops one as soon as it changes, so
// every change takes effect on the next request on every server instance, with no restart.
import { z } from 'zod';
import { randomId, seal, unseal } from '../../lib/crypto.ts';
import { assertRole } from '../../lib/access.ts';
import { NotFound } from '../../lib/errors.ts';
import { validate } from '../../lib/http.ts';
import { STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { revokeGrants, type GrantView } from '../grants/service.ts';
import { API_SCOPES, CLIENT_SCOPES, OIDC_SCOPES } from '../provider/scopes.ts';
import type { Secrets } from '../secrets.ts';
import { ClientModel, type ClientKind, type ClientMetadata, type StoredClient } from './model.ts';

/** Loopback hosts (RFC 8252 §7.3: 127.0.0.0/8 and ::1), where plain http is allowed for development. */
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/** An https URL (plain http only on loopback, RFC 8252 §7.3) without a fragment: redirect, logout and link URIs. */
const webUri = (what: string) =>
  z
    .url({ message: `enter a full URL for the ${what}` })
    .max(2000)
    .superRefine((value, ctx) => {
      if (!URL.canParse(value)) return; // z.url said so already
      const url = new URL(value);
      if (url.hash) ctx.addIssue({ code: 'custom', message: `${value}: a ${what} must not contain a fragment (#…)` });
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
        ctx.addIssue({ code: 'custom', message: `${value}: use https (plain http only for localhost)` });
      }
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `${value}: a ${what} must not contain credentials` });
    });

/** A URI this server itself calls (back-channel logout): https to a public host, never loopback (no requests to ourselves). */
const serverCalledUri = (what: string) =>
  webUri(what).refine((value) => !URL.canParse(value) || new URL(value).protocol === 'https:', `the ${what} must use https: this server calls it`);

/** Exact redirect URIs: compared character for character by oidc-provider, so no wildcards to validate. */
export const redirectUri = webUri('redirect URI');
const uris = (what: string) =>
  z
    .array(webUri(what))
    .max(20)
    .refine((l) => new Set(l).size === l.length, 'each URI may appear once');
const optionalUri = (what: string) => webUri(what).nullable().optional();

/**
 * A web origin a browser app runs on (scheme, host and port, nothing else), as browsers send it in `Origin`:
 * the token and userinfo endpoints answer cross-origin requests from these origins only.
 */
const webOrigin = webUri('web origin').refine(
  (value) => !URL.canParse(value) || new URL(value).origin === value,
  'a web origin is a scheme, a host and maybe a port, with no path or trailing slash (https://shop.example)',
);

const fields = {
  name: z.string().trim().min(1).max(120),
  redirectUris: uris('redirect URI'),
  postLogoutRedirectUris: uris('post-logout redirect URI'),
  backchannelLogoutUri: serverCalledUri('back-channel logout URI').nullable().optional(),
  webOrigins: z
    .array(webOrigin)
    .max(20)
    .refine((l) => new Set(l).size === l.length, 'each origin may appear once'),
  scopes: z.array(z.enum(CLIENT_SCOPES as [string, ...string[]])).refine((l) => new Set(l).size === l.length, 'each scope may appear once'),
  firstParty: z.boolean(),
  logoUri: optionalUri('logo URL'),
  policyUri: optionalUri('privacy policy URL'),
  tosUri: optionalUri('terms URL'),
  adminRole: z.enum(STAFF_ROLES).nullable().optional(),
};

type ClientInput = {
  name: string;
  kind: ClientKind;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri?: string | null;
  webOrigins: string[];
  scopes: string[];
  firstParty: boolean;
  logoUri?: string | null;
  policyUri?: string | null;
  tosUri?: string | null;
  adminRole?: (typeof STAFF_ROLES)[number] | null;
};

/** The rules that span fields, checked on a whole registration (new, or current merged with an edit). */
function checkRegistration(c: ClientInput, ctx: z.RefinementCtx) {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const machine = c.kind === 'machine';
  if (c.kind !== 'public' && c.webOrigins.length)
    problem('webOrigins', 'only single-page (public) apps call the identity provider from a browser on another website');
  if (!machine && c.redirectUris.length === 0) problem('redirectUris', 'at least one redirect URI is required');
  if (machine) {
    if (c.redirectUris.length) problem('redirectUris', 'machine clients have no redirect URIs');
    if (c.postLogoutRedirectUris.length) problem('postLogoutRedirectUris', 'machine clients have no post-logout redirect URIs');
    if (c.backchannelLogoutUri) problem('backchannelLogoutUri', 'machine clients have no sign-in sessions to log out of');
    if (c.firstParty) problem('firstParty', 'machine clients never show a consent screen; first-party does not apply');
  } else {
    if (c.adminRole) problem('adminRole', 'only machine clients get a role of their own');
    if (!c.scopes.includes('openid')) problem('scopes', 'apps that sign customers in need the openid scope');
  }
}

export const createClientInput = z
  .strictObject({
    ...fields,
    kind: z.enum(['web', 'public', 'machine']).default('web'),
    redirectUris: fields.redirectUris.default([]),
    postLogoutRedirectUris: fields.postLogoutRedirectUris.default([]),
    webOrigins: fields.webOrigins.default([]),
    scopes: fields.scopes.default(CLIENT_SCOPES),
    firstParty: fields.firstParty.default(false),
  })
  .superRefine(checkRegistration);

export const updateClientInput = z.strictObject(
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> },
);
const registration = z.custom<ClientInput>().superRefine(checkRegistration);

export const clientIdParam = z.string().regex(/^[\w-]{1,64}$/, 'not a client id');

export type ClientView = {
  clientId: string;
  kind: ClientKind;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri?: string;
  webOrigins: string[];
  scopes: string[];
  firstParty: boolean;
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
  adminRole?: string;
  createdAt: Date;
  updatedAt: Date;
};

function metadataFor(clientId: string, c: ClientInput): ClientMetadata {
  const machine = c.kind === 'machine';
  const oidcScopes = c.scopes.filter((s) => (OIDC_SCOPES as readonly string[]).includes(s)).join(' ');
  const optional = {
    scope: oidcScopes,
    backchannel_logout_uri: c.backchannelLogoutUri,
    logo_uri: c.logoUri,
    policy_uri: c.policyUri,
    tos_uri: c.tosUri,
    admin_role: c.adminRole,
  };
  return {
    client_id: clientId,
    client_name: c.name,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    response_types: machine ? [] : ['code'],
    token_endpoint_auth_method: c.kind === 'public' ? 'none' : 'client_secret_basic',
    first_party: c.firstParty,
    resource_scopes: c.scopes.filter((s) => (API_SCOPES as readonly string[]).includes(s)).join(' '),
    // Logout tokens (and ID tokens) name the sign-in session, so an app can end just that one; others ignore it.
    ...(c.backchannelLogoutUri ? { backchannel_logout_session_required: true } : {}),
    ...(c.webOrigins.length ? { web_origins: c.webOrigins } : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v)), // oidc-provider refuses empty strings
  };
}

function view(c: StoredClient): ClientView {
  const m = c.metadata;
  // Registrations from before allowed scopes existed allow everything.
  const scopes = m.resource_scopes === undefined ? CLIENT_SCOPES : [...(m.scope ?? '').split(' '), ...m.resource_scopes.split(' ')].filter(Boolean);
  return {
    clientId: c.clientId,
    kind: c.kind,
    name: m.client_name,
    redirectUris: m.redirect_uris,
    postLogoutRedirectUris: m.post_logout_redirect_uris,
    backchannelLogoutUri: m.backchannel_logout_uri,
    webOrigins: m.web_origins ?? [],
    scopes: [...new Set(scopes)],
    firstParty: m.first_party,
    logoUri: m.logo_uri,
    policyUri: m.policy_uri,
    tosUri: m.tos_uri,
    adminRole: m.admin_role,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt ?? c.createdAt,
  };
}

type Trust = { firstParty?: boolean; adminRole?: string | null };

/**
 * Apps that act with an owner's trust (first-party apps skip consent and may ask for Admin API tokens of whoever
 * signs in; machine clients with the owner role) are an owner's to register, redirect, re-key or delete, so an
 * admin cannot make or take one over to act as an owner. `actor` is the caller's role; the operator's CLI has none.
 */
function mayManage(actor: StaffRole | undefined, ...apps: (Trust | undefined)[]): void {
  if (actor && apps.some((c) => c?.firstParty === true || c?.adminRole === 'owner')) assertRole(actor, 'owner');
}

async function requireClient(org: string, clientId: string): Promise<StoredClient> {
  const doc = await ClientModel.findOne({ org, clientId }).lean<StoredClient>();
  if (!doc) throw new NotFound(`No app with client id "${clientId}".`);
  return doc;
}

/** The stored app, if the caller may change it in the way `change` says. */
async function manageable(org: string, clientId: string, actor: StaffRole | undefined, change: Trust = {}): Promise<StoredClient> {
  const doc = await requireClient(org, clientId);
  mayManage(actor, view(doc), change);
  return doc;
}

/** Registers a client; the secret of a confidential client is returned here once and never listed again. */
export async function createClient(
  secrets: Secrets,
  org: string,
  input: z.input<typeof createClientInput>,
  actor?: StaffRole,
): Promise<ClientView & { clientSecret?: string }> {
  const data = createClientInput.parse(input);
  mayManage(actor, data);
  const clientId = randomId(16);
  const clientSecret = data.kind === 'public' ? undefined : randomId(32);
  const doc = await ClientModel.create({
    org,
    clientId,
    kind: data.kind,
    metadata: metadataFor(clientId, data),
    sealedSecret: clientSecret && seal(secrets.clientSecrets, clientSecret),
  });
  return { ...view(doc.toObject()), ...(clientSecret ? { clientSecret } : {}) };
}

export async function listClients(org: string): Promise<ClientView[]> {
  const docs = await ClientModel.find({ org }).sort({ createdAt: 1 }).lean<StoredClient[]>();
  return docs.map(view);
}

export async function getClient(org: string, clientId: string): Promise<ClientView> {
  return view(await requireClient(org, clientId));
}

/** Edits a registration; `null` clears an optional URL. The merged registration is checked as a whole. */
export async function updateClient(
  org: string,
  clientId: string,
  patch: z.infer<typeof updateClientInput>,
  actor?: StaffRole,
): Promise<{ before: ClientView; after: ClientView }> {
  const current = await manageable(org, clientId, actor, patch);
  const before = view(current);
  const merged = validate(registration, { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
  const $set = { metadata: metadataFor(clientId, merged), updatedAt: new Date() };
  await ClientModel.updateOne({ org, clientId }, { $set });
  return { before, after: view({ ...current, ...$set }) };
}

/** A new secret, shown once; the old one stops working at once. */
export async function rotateSecret(
  secrets: Secrets,
  org: string,
  clientId: string,
  actor?: StaffRole,
): Promise<ClientView & { clientSecret: string }> {
  const current = await manageable(org, clientId, actor);
  if (current.kind === 'public') throw new NotFound('This app has no secret: it is a single-page or native app.');
  const clientSecret = randomId(32);
  const updatedAt = new Date();
  await ClientModel.updateOne({ org, clientId }, { $set: { sealedSecret: seal(secrets.clientSecrets, clientSecret), updatedAt } });
  return { ...view({ ...current, updatedAt }), clientSecret };
}

/** Deletes the registration and every consent and token issued to it: the app stops working at once. */
export async function deleteClient(org: string, clientId: string, actor?: StaffRole): Promise<ClientView> {
  const before = view(await manageable(org, clientId, actor));
  await revokeGrants(org, { clientId });
  await ClientModel.deleteOne({ org, clientId });
  return before;
}

/**
 * Revokes one customer's consent to one of the organisation's registered apps, with its tokens (any other client id is
 * not found). Same rule as editing: an app acting with the owner's trust is the owner's, or an admin could sign the
 * owner out of it.
 */
export async function revokeConsent(org: string, clientId: string, accountId: string, actor?: StaffRole): Promise<GrantView[]> {
  await manageable(org, clientId, actor);
  return revokeGrants(org, { clientId, accountId });
}

/** A registration as oidc-provider reads it: its metadata with the secret unsealed (and the document's _id). */
export async function findClientMetadata(
  secrets: Secrets,
  org: string,
  clientId: string,
): Promise<{ _id: unknown; metadata: Record<string, unknown> } | undefined> {
  const doc = await ClientModel.findOne({ org, clientId }).lean<StoredClient & { _id: unknown }>();
  if (!doc) return undefined;
  return {
    _id: doc._id,
    metadata: { ...doc.metadata, ...(doc.sealedSecret ? { client_secret: unseal(secrets.clientSecrets, doc.sealedSecret) } : {}) },
  };
}
