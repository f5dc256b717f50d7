// oidc-provider configuration for one organisation. Defaults live here, in one place.
import type Koa from 'koa';
import type { Context } from 'koa';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config/index.ts';
import { appErrorListener } from '../../lib/http.ts';
import type { ServiceUnavailable } from '../../lib/errors.ts';
import { unavailableAnswer } from '../../lib/unavailable.ts';
import type { Logger } from '../../lib/log.ts';
import type { Render } from '../../lib/views.ts';
import { firstPartyClients } from '../../lib/first-party.ts';
import type { Clients } from '../clients/directory.ts';
import { customerClaims, findCustomer } from '../customers/service.ts';
import { privateJwks } from '../keys/keyring.ts';
import type { Organisation } from '../organisations/model.ts';
import type { Secrets } from '../secrets.ts';
import { mongoAdapter, unitOfWork } from './adapter.ts';
import { outboundFetch } from './outbound.ts';
import { staffRole } from '../organisations/service.ts';
import { adminResource, apiResource, STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { ADMIN_SCOPES, API_SCOPES, FIRST_PARTY_API_SCOPES, OIDC_CLAIMS, OIDC_SCOPES } from './scopes.ts';
import { latestGrantId } from '../grants/service.ts';

export type IdpDeps = { config: Config; secrets: Secrets; log: Logger; render: Render };

export function issuerFor(config: Config, org: Pick<Organisation, 'slug'>): string {
  return `${config.publicUrl}/${org.slug}`;
}

/** What templates need to brand a page as the organisation's. */
export function brandingOf(org: Organisation) {
  return { name: org.name, slug: org.slug, ...org.branding };
}

const OIDC_SCOPE_SET = new Set<string>(OIDC_SCOPES);

/** The result of a sign-in interaction: who signed in, and whether the sign-in created their account. */
export type SignInResult = { login: { accountId: string; amr: string[] }; newAccount?: true };

type Client = NonNullable<KoaContextWithOIDC['oidc']['client']>;
const metadataMemo = new WeakMap<Client, ReturnType<Client['metadata']>>();
/** A client's metadata. oidc-provider rebuilds it on every call; a client object never changes (a changed registration is a new one). */
function metadataOf(client: Client): ReturnType<Client['metadata']> {
  let metadata = metadataMemo.get(client);
  if (!metadata) {
    metadata = client.metadata();
    metadataMemo.set(client, metadata);
  }
  return metadata;
}

const webOriginsOf = (client: Client): string[] => (metadataOf(client).web_origins as string[] | undefined) ?? [];

const isFirstParty = (ctx: KoaContextWithOIDC) => Boolean(ctx.oidc.client && metadataOf(ctx.oidc.client).first_party === true);

/**
 * Consent is remembered per app and customer, not per browser session: a returning customer's latest grant is found
 * even from a new browser. First-party clients skip consent: their grant simply covers whatever they asked for, and
 * is one per sign-in session, because signing out revokes the session's grants with their tokens: one browser's
 * sign-out must not end the customer's portal in another.
 */
const loadExistingGrant = (org: string) => async (ctx: KoaContextWithOIDC) => {
  const { oidc } = ctx;
  const clientId = oidc.client!.clientId;
  const accountId = oidc.session!.accountId!;
  // An account this very sign-in created has no grant anywhere yet (idp/interactions/routes.ts marks it).
  const newAccount = (oidc.result as SignInResult | undefined)?.newAccount === true && oidc.result?.login?.accountId === accountId;
  const grantId =
    (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ??
    oidc.session!.grantIdFor(clientId) ??
    (newAccount || isFirstParty(ctx) ? undefined : await latestGrantId(org, accountId, clientId));
  const found = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  // A grant of another customer (the session's account changed) is never reused.
  const existing = found?.accountId === accountId && found.clientId === clientId ? found : undefined;
  if (!isFirstParty(ctx)) return existing;
  const grant = existing ?? new oidc.provider.Grant({ clientId, accountId });
  const covered = () => JSON.stringify([grant.openid, grant.resources]);
  const before = existing && covered();
  const requested = [...(oidc.requestParamScopes as Set<string>)];
  grant.addOIDCScope(requested.filter((s) => OIDC_SCOPE_SET.has(s)).join(' '));
  for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
    const offered = new Set(String(server.scope ?? '').split(' '));
    grant.addResourceScope(indicator, requested.filter((s) => offered.has(s)).join(' '));
  }
  if (covered() !== before) await grant.save(); // a returning customer's grant usually covers the request already
  return grant;
};

/** The Client API scopes an app may get: those its registration allows, plus the first-party-only ones for ours. */
function apiScopesOf(metadata: Record<string, unknown>): string[] {
  const allowed = typeof metadata.resource_scopes === 'string' ? metadata.resource_scopes.split(' ') : [...API_SCOPES];
  return [...API_SCOPES.filter((s) => allowed.includes(s)), ...(metadata.first_party === true ? FIRST_PARTY_API_SCOPES : [])];
}

const apiScopeMemo = new WeakMap<object, string>();
/** `apiScopesOf` as one string, once per client (its metadata object is made once, see metadataOf). */
function apiScopeOf(metadata: Record<string, unknown>): string {
  let scope = apiScopeMemo.get(metadata);
  if (scope === undefined) {
    scope = apiScopesOf(metadata).join(' ');
    apiScopeMemo.set(metadata, scope);
  }
  return scope;
}

export function buildProvider(deps: IdpDeps, org: Organisation, clients: Clients): Provider {
  const { config, secrets, render, log } = deps;
  const issuer = issuerFor(config, org);
  const api = apiResource(issuer);
  const admin = adminResource(issuer);
  const brand = brandingOf(org);
  const builtIn = firstPartyClients(config.publicUrl, config.internalUrl, config.masterSecret, { id: org._id, slug: org.slug, name: org.name });

  const configuration: Configuration = {
    adapter: mongoAdapter(org._id, async (id) => {
      const own = builtIn.get(id);
      return own ? ({ ...own } as Record<string, unknown>) : clients.metadata(org._id, id);
    }),
    fetch: outboundFetch(
      [...builtIn.values()].map((c) => c.backchannel_logout_uri!),
      config.privateCallbackHosts,
    ),
    jwks: privateJwks(org.keys, secrets.signingKeys) as Configuration['jwks'],
    // The session cookie is confined to the organisation's path, so organisations on one host never share a
    // session. Interaction cookies keep oidc-provider's own paths (/<org>/interaction/<uid>, /<org>/auth/<uid>),
    // so two sign-ins in one browser do not overwrite each other.
    cookies: {
      keys: secrets.cookieKeys(org._id),
      long: { httpOnly: true, sameSite: 'lax', path: `/${org.slug}` },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    // Standalone claims (null) as oidc-provider's defaults; the rest by scope (amr with openid).
    claims: { acr: null, auth_time: null, iss: null, sid: null, ...Object.fromEntries(Object.entries(OIDC_CLAIMS).map(([k, v]) => [k, [...v]])) },
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code'],
    // Claims granted by scope also go into the ID token, so relying parties need no extra userinfo call.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: {
      properties: ['first_party', 'admin_role', 'resource_scopes', 'web_origins'],
      validator(_ctx, key, value) {
        if (key === 'web_origins' && value !== undefined && !(Array.isArray(value) && value.every((o) => typeof o === 'string')))
          throw new errors.InvalidClientMetadata('web_origins must be a list of origins');
        if (key === 'resource_scopes' && value !== undefined && typeof value !== 'string')
          throw new errors.InvalidClientMetadata('resource_scopes must be a string');
        if (key === 'first_party' && value !== undefined && typeof value !== 'boolean')
          throw new errors.InvalidClientMetadata('first_party must be a boolean');
        if (key === 'admin_role' && value !== undefined && value !== null && !(STAFF_ROLES as readonly unknown[]).includes(value)) {
          throw new errors.InvalidClientMetadata('admin_role must be owner, admin or staff');
        }
      },
    },
    findAccount: async (ctx, sub) => {
      // Right after the sign-in that verified it (the interaction's result names it), the account is known to exist:
      // its claims are read only if asked for (the authorization response of the code flow asks for none).
      if (ctx.oidc?.result?.login?.accountId === sub) {
        return {
          accountId: sub,
          claims: async () => {
            const customer = await findCustomer(org._id, sub);
            if (!customer) throw new errors.InvalidRequest('the account no longer exists');
            return customerClaims(customer) as { sub: string };
          },
        };
      }
      const customer = await findCustomer(org._id, sub);
      return customer ? { accountId: sub, claims: () => customerClaims(customer) as { sub: string } } : undefined;
    },
    loadExistingGrant: loadExistingGrant(org._id),
    // A customer's token names its grant (gid), so the APIs refuse it once the grant is revoked (lib/bearer.ts).
    // Admin API tokens carry the staff role as it is when they are issued: a customer's from the organisation's
    // staff list (with the verified email it is held by, so the Admin API can check it is still held), a machine
    // client's from its registration.
    extraTokenClaims: async (_ctx, token) => {
      const grant = 'grantId' in token && token.grantId ? { gid: token.grantId } : undefined;
      if (token.resourceServer?.audience !== admin) return grant;
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (accountId) return { ...grant, ...(await staffRole(org._id, accountId)) };
      const role = token.client && (metadataOf(token.client).admin_role as StaffRole | undefined);
      return role ? { role } : undefined;
    },
    // Besides offline access: first-party apps, and apps in a browser on a registered website (the DOM package),
    // whose silent renewal this is. Without offline_access a refresh token ends with the sign-in session
    // (oidc-provider's expiresWithSession), and it is rotated on each use: it renews exactly while the identity
    // provider's session lives, with no iframe (our pages are never framed) and no third-party cookie.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || metadataOf(client).first_party === true || webOriginsOf(client).length > 0),
    // Cross-origin calls (token, userinfo, revocation) only from the web origins a public client registered: not
    // oidc-provider's default of its redirect URIs' origins, and never for a confidential client.
    clientBasedCORS: (_ctx, origin, client) => client.clientAuthMethod === 'none' && webOriginsOf(client).includes(origin),
    rotateRefreshToken: () => true,
    interactions: { url: (_ctx, interaction) => `/${org.slug}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = render('logout', { org: brand, form, client: ctx.oidc.client?.clientName }, org.slug);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.body = render('logged-out', { org: brand }, org.slug);
        },
      },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          const jwt = { accessTokenTTL: 15 * 60, accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'ES256' as const } } };
          const metadata = metadataOf(client);
          if (indicator === api) return { scope: apiScopeOf(metadata), audience: api, ...jwt };
          // Only first-party apps and machine clients given a role may ask for Admin API tokens.
          if (indicator === admin && (metadata.first_party === true || metadata.admin_role))
            return { scope: ADMIN_SCOPES.join(' '), audience: admin, ...jwt };
          throw new errors.InvalidTarget(`unknown resource; this issuer serves ${api} and ${admin}`);
        },
      },
    },
    ttl: {
      AccessToken: 15 * 60,
      AuthorizationCode: 60,
      ClientCredentials: 15 * 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Grant: 30 * 24 * 60 * 60,
      RefreshToken: 30 * 24 * 60 * 60,
      Session: 14 * 24 * 60 * 60,
    },
    renderError: (ctx, out, err) => {
      const unavailable = unavailableAnswer(err);
      if (unavailable) return answerUnavailable(ctx, unavailable);
      ctx.type = 'html';
      ctx.body = render('error', { org: brand, title: 'Sign-in problem', message: out.error_description ?? out.error }, org.slug);
    },
  };

  /**
   * The database not answering, inside oidc-provider: a 503 with Retry-After, as a page or as JSON, as the error
   * middleware answers everywhere else (lib/http.ts). oidc-provider makes every other failure a 500 server_error.
   */
  function answerUnavailable(ctx: Context, answer: ServiceUnavailable): void {
    ctx.status = answer.status;
    ctx.set('Retry-After', String(answer.retryAfterSeconds));
    if (ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'html';
      ctx.body = render('error', { org: brand, title: 'Temporarily unavailable', message: answer.message, retry: true }, org.slug);
    } else {
      ctx.body = { error: answer.code, error_description: answer.message };
    }
  }

  const provider = new Provider(issuer, configuration);
  provider.proxy = config.trustProxy;
  // Errors its routes' own handlers never see: the writes sent at the end of the request (./adapter.ts).
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const unavailable = unavailableAnswer(err);
      if (!unavailable) throw err;
      log.warn('database unavailable', { org: org.slug, err, path: ctx.path });
      answerUnavailable(ctx, unavailable);
    }
  });
  provider.use(unitOfWork); // its storage is read once and written once per request (./adapter.ts)
  provider.on('server_error', (ctx, err) => {
    const unavailable = unavailableAnswer(err);
    if (!unavailable) return log.error('oidc server_error', { org: org.slug, err });
    log.warn('database unavailable', { org: org.slug, err, path: ctx.path });
    answerUnavailable(ctx, unavailable);
  });
  // Sign-out goes on when an app cannot be told (it is down, or its URI is refused): the app is named in the log.
  provider.on('backchannel.error', (_ctx, err, client) =>
    log.warn('back-channel logout not delivered', { org: org.slug, client: client.clientId, err: (err as Error).message }),
  );
  // A Koa app of its own (its typings list only its own events): without a listener, Koa prints connection errors,
  // such as a client leaving mid-body, to stderr.
  (provider as Koa).on('error', appErrorListener(log.child({ org: org.slug })));
  return provider;
}
