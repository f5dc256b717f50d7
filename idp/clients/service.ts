import { z } from 'zod';
import { randomId, seal, unseal } from '../../lib/crypto.ts';
import { STAFF_ROLES } from '../../lib/resources.ts';
import type { Secrets } from '../secrets.ts';
import { ClientModel, type ClientKind, type ClientMetadata, type StoredClient } from './model.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Exact redirect URIs, https only except on loopback (RFC 8252 §7.3), no fragments. */
export const redirectUri = z.url().superRefine((value, ctx) => {
  const url = new URL(value);
  if (url.hash) ctx.addIssue({ code: 'custom', message: `${value}: a redirect URI must not contain a fragment` });
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: `${value}: use https (plain http only for localhost)` });
  }
});

export const createClientInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    kind: z.enum(['web', 'public', 'machine']).default('web'),
    redirectUris: z.array(redirectUri).default([]),
    postLogoutRedirectUris: z.array(redirectUri).default([]),
    firstParty: z.boolean().default(false),
    adminRole: z.enum(STAFF_ROLES).optional(),
  })
  .refine((c) => c.kind === 'machine' || c.redirectUris.length > 0, { message: 'at least one redirect URI is required', path: ['redirectUris'] })
  .refine((c) => c.kind !== 'machine' || c.redirectUris.length === 0, { message: 'machine clients have no redirect URIs', path: ['redirectUris'] })
  .refine((c) => c.kind === 'machine' || !c.adminRole, { message: 'only machine clients get a role of their own', path: ['adminRole'] });

export type ClientView = {
  clientId: string;
  kind: ClientKind;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  firstParty: boolean;
  adminRole?: string;
  createdAt: Date;
};

function metadataFor(clientId: string, c: z.infer<typeof createClientInput>): ClientMetadata {
  const machine = c.kind === 'machine';
  return {
    client_id: clientId,
    client_name: c.name,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    response_types: machine ? [] : ['code'],
    token_endpoint_auth_method: c.kind === 'public' ? 'none' : 'client_secret_basic',
    first_party: c.firstParty,
    ...(c.adminRole ? { admin_role: c.adminRole } : {}),
  };
}

function view(c: StoredClient): ClientView {
  return {
    clientId: c.clientId,
    kind: c.kind,
    name: c.metadata.client_name,
    redirectUris: c.metadata.redirect_uris,
    postLogoutRedirectUris: c.metadata.post_logout_redirect_uris,
    firstParty: c.metadata.first_party,
    adminRole: c.metadata.admin_role,
    createdAt: c.createdAt,
  };
}

/** Registers a client; the secret of a confidential client is returned here once and never listed again. */
export async function createClient(secrets: Secrets, org: string, input: z.input<typeof createClientInput>): Promise<ClientView & { clientSecret?: string }> {
  const data = createClientInput.parse(input);
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

/** What oidc-provider's adapter returns for a client: its metadata with the secret unsealed. */
export async function findClientMetadata(secrets: Secrets, org: string, clientId: string): Promise<Record<string, unknown> | undefined> {
  const doc = await ClientModel.findOne({ org, clientId }).lean<StoredClient>();
  if (!doc) return undefined;
  return { ...doc.metadata, ...(doc.sealedSecret ? { client_secret: unseal(secrets.clientSecrets, doc.sealedSecret) } : {}) };
}
