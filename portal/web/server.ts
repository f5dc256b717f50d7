// The Customer Portal's server side (backend-for-frontend): a confidential first-party OIDC client of its
// organisation (authorization code + PKCE, openid-client), a cookie session holding only an id, and a proxy that
// calls the Client API with the customer's access token. The browser never sees a token.
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import * as oidc from 'openid-client';
import type { Config } from '../../config/index.ts';
import { deriveKey, seal, unseal } from '../../lib/crypto.ts';
import { PORTAL_CLIENT_ID, portalBase, portalClient } from '../../lib/first-party.ts';
import { HttpError } from '../../lib/errors.ts';
import { readRawBody } from '../../lib/http.ts';
import type { Logger } from '../../lib/log.ts';
import { apiResource } from '../../lib/resources.ts';
import { tenantParam, type Tenant, type Tenants } from '../../lib/tenants.ts';
import type { Render } from '../../lib/views.ts';
import { getPortal, primaryPortal } from '../api/portals/service.ts';
import { appAssets } from '../../lib/app-assets.ts';
import { createSessions, SESSION_TTL_MS, type Session, type Tokens } from './session.ts';

export type PortalWebDeps = { config: Config; tenants: Tenants; render: Render; log: Logger };
type State = { tenant: Tenant };
type Ctx = Context & { state: State; params: Record<string, string> };

const SESSION_COOKIE = 'portico_portal';
const LOGIN_COOKIE = 'portico_portal_login';
const SCOPES = 'openid email profile profile:write';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

class Unauthenticated extends HttpError {
  constructor() {
    super(401, 'login_required', 'Your session has ended. Sign in again.');
  }
}

export function createPortalWeb({ config, tenants, render, log }: PortalWebDeps): Middleware {
  const sessions = createSessions(deriveKey(config.masterSecret, 'portal-sessions'));
  const loginKey = deriveKey(config.masterSecret, 'portal-login');
  const assets = appAssets('portal', 'portal/web');
  const base = (t: Tenant) => portalBase(config.publicUrl, t.slug);
  const basePath = (t: Tenant) => new URL(base(t)).pathname;

  /** The portal as a relying party: front-channel endpoints at the public issuer, back-channel ones on this server. */
  const clients = new Map<string, oidc.Configuration>();
  function relyingParty(t: Tenant): oidc.Configuration {
    let rp = clients.get(t.id);
    if (rp) return rp;
    const client = portalClient(config.publicUrl, config.masterSecret, t);
    const internal = `${config.internalUrl}/${t.slug}`;
    rp = new oidc.Configuration(
      {
        issuer: t.issuer,
        authorization_endpoint: `${t.issuer}/auth`,
        end_session_endpoint: `${t.issuer}/session/end`,
        token_endpoint: `${internal}/token`,
        jwks_uri: `${internal}/jwks`,
        id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      },
      PORTAL_CLIENT_ID,
      { client_secret: client.client_secret },
      oidc.ClientSecretBasic(client.client_secret),
    );
    if (internal.startsWith('http:')) oidc.allowInsecureRequests(rp);
    clients.set(t.id, rp);
    return rp;
  }

  const cookieOptions = (ctx: Ctx, maxAge: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: basePath(ctx.state.tenant), maxAge, overwrite: true });

  /** Only paths inside this organisation's portal are valid places to return to after sign-in. */
  const safeReturn = (t: Tenant, value: unknown) => {
    const path = basePath(t);
    return typeof value === 'string' && (value === path || value.startsWith(`${path}/`) || value.startsWith(`${path}#`)) && !value.includes('//') ? value : path;
  };

  async function session(ctx: Ctx): Promise<Session | undefined> {
    return sessions.find(ctx.state.tenant.id, ctx.cookies.get(SESSION_COOKIE));
  }

  const tokensOf = (r: oidc.TokenEndpointResponse, previous?: Tokens): Tokens => ({
    accessToken: r.access_token,
    refreshToken: r.refresh_token ?? previous?.refreshToken,
    idToken: r.id_token ?? previous?.idToken,
    expiresAt: Date.now() + (r.expires_in ?? 300) * 1000,
  });

  // One refresh per session at a time in this process: refresh tokens rotate, and a second use of the old one
  // would make the identity provider revoke the whole grant.
  const refreshing = new Map<string, Promise<Tokens>>();
  function refresh(t: Tenant, s: Session): Promise<Tokens> {
    let pending = refreshing.get(s.id);
    if (!pending) {
      pending = (async () => {
        if (!s.tokens.refreshToken) throw new Unauthenticated();
        const r = await oidc.refreshTokenGrant(relyingParty(t), s.tokens.refreshToken, { resource: apiResource(t.issuer) }).catch(() => {
          throw new Unauthenticated();
        });
        const tokens = tokensOf(r, s.tokens);
        await sessions.saveTokens(t.id, s.id, tokens);
        return tokens;
      })().finally(() => refreshing.delete(s.id));
      refreshing.set(s.id, pending);
    }
    return pending;
  }

  const router = new Router<State>({ prefix: '/:org/portal' });
  router.param('org', tenantParam(tenants));

  router.get('/login', async (ctx: Ctx) => {
    const t = ctx.state.tenant;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const returnTo = safeReturn(t, ctx.query.return);
    ctx.cookies.set(LOGIN_COOKIE, seal(loginKey, JSON.stringify({ verifier, state, returnTo, org: t.id })), cookieOptions(ctx, 10 * 60_000));
    const url = oidc.buildAuthorizationUrl(relyingParty(t), {
      redirect_uri: `${base(t)}/callback`,
      scope: SCOPES,
      resource: apiResource(t.issuer),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx: Ctx) => {
    const t = ctx.state.tenant;
    const sealed = ctx.cookies.get(LOGIN_COOKIE);
    let login: { verifier: string; state: string; returnTo: string; org: string } | undefined;
    try {
      login = sealed ? JSON.parse(unseal(loginKey, sealed)) : undefined;
    } catch {
      login = undefined;
    }
    ctx.cookies.set(LOGIN_COOKIE, null, cookieOptions(ctx, 0));
    if (!login || login.org !== t.id) return ctx.redirect(`${basePath(t)}/login`); // expired or foreign: start again
    const current = new URL(`${base(t)}/callback${ctx.querystring ? `?${ctx.querystring}` : ''}`);
    if (current.searchParams.get('error') === 'access_denied') {
      ctx.status = 303;
      return ctx.redirect(`${basePath(t)}/signed-out`);
    }
    let r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      r = await oidc.authorizationCodeGrant(relyingParty(t), current, { pkceCodeVerifier: login.verifier, expectedState: login.state });
    } catch (err) {
      log.warn('portal sign-in failed', { org: t.slug, err: (err as Error).message, cause: String((err as Error).cause ?? '') });
      throw new HttpError(400, 'sign_in_failed', 'Signing in did not work. Please try again.');
    }
    const claims = r.claims()!;
    const id = await sessions.create(t.id, { sub: claims.sub, email: String(claims.email ?? ''), name: claims.name as string | undefined }, tokensOf(r));
    ctx.cookies.set(SESSION_COOKIE, id, cookieOptions(ctx, SESSION_TTL_MS));
    ctx.status = 303;
    ctx.redirect(login.returnTo);
  });

  /** Unsafe requests must come from our own pages: same origin, and (for JSON) a header a form cannot send. */
  function checkSameOrigin(ctx: Ctx, json: boolean) {
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    const ours = new URL(config.publicUrl).origin;
    const sameOrigin = site ? site === 'same-origin' : !origin || origin === ours;
    if (!sameOrigin || (json && ctx.get('x-portico-csrf') !== '1')) throw new HttpError(403, 'forbidden', 'This request did not come from the portal.');
  }

  router.post('/logout', async (ctx: Ctx) => {
    checkSameOrigin(ctx, false);
    const t = ctx.state.tenant;
    const s = await session(ctx);
    ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx, 0));
    if (s) await sessions.destroy(t.id, s.id);
    // RP-initiated logout also ends the identity provider's session, so other apps sign out too.
    const url = oidc.buildEndSessionUrl(relyingParty(t), {
      post_logout_redirect_uri: `${base(t)}/signed-out`,
      ...(s?.tokens.idToken ? { id_token_hint: s.tokens.idToken } : { client_id: PORTAL_CLIENT_ID }),
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  router.get('/signed-out', (ctx: Ctx) => {
    const t = ctx.state.tenant;
    ctx.type = 'html';
    ctx.body = render('portal-signed-out', { title: 'Signed out', org: { name: t.name, slug: t.slug }, signInUrl: `${basePath(t)}/login` }, t.slug);
  });

  /** The Client API, called for the signed-in customer; a token about to expire is refreshed first. */
  router.all(['/bff/api/{*path}'], async (ctx: Ctx) => {
    const t = ctx.state.tenant;
    if (UNSAFE.has(ctx.method)) checkSameOrigin(ctx, true);
    const s = await session(ctx);
    if (!s) throw new Unauthenticated();
    const body = UNSAFE.has(ctx.method) ? await readRawBody(ctx) : undefined;
    const call = (tokens: Tokens) =>
      fetch(`${config.internalUrl}/${t.slug}/api/v1/${ctx.path.slice(`${basePath(t)}/bff/api/`.length)}${ctx.search}`, {
        method: ctx.method,
        headers: {
          authorization: `Bearer ${tokens.accessToken}`,
          accept: 'application/json',
          'x-forwarded-for': ctx.ip,
          'user-agent': ctx.get('user-agent'),
          ...(body !== undefined ? { 'content-type': ctx.get('content-type') || 'application/json' } : {}),
        },
        body,
      });
    let tokens = s.tokens.expiresAt - Date.now() < 30_000 ? await refresh(t, s) : s.tokens;
    let res = await call(tokens);
    if (res.status === 401) {
      tokens = await refresh(t, { ...s, tokens });
      res = await call(tokens);
    }
    ctx.status = res.status;
    ctx.set('Cache-Control', 'no-store');
    const type = res.headers.get('content-type');
    if (type) ctx.type = type;
    ctx.body = res.status === 204 ? null : Buffer.from(await res.arrayBuffer());
  });

  /** The portal app itself: the primary portal at /<org>/portal, others at /<org>/portal/<slug>. */
  router.get(['/', '/:portal'], async (ctx: Ctx) => {
    const t = ctx.state.tenant;
    const portal = ctx.params.portal ? await getPortal(t.id, ctx.params.portal) : await primaryPortal(t.id, t.name);
    const s = await session(ctx);
    if (!s) return ctx.redirect(`${basePath(t)}/login?return=${encodeURIComponent(ctx.path)}`);
    const nonce = randomBytes(16).toString('base64url');
    const files = assets.files();
    const boot = {
      org: { slug: t.slug, name: t.name },
      portal,
      customer: s.customer,
      bff: `${basePath(t)}/bff`,
      logoutUrl: `${basePath(t)}/logout`,
      loginUrl: `${basePath(t)}/login`,
    };
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; img-src 'self' https: data:; connect-src 'self'; ` +
        `frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${new URL(t.issuer).origin}`,
    );
    ctx.set('X-Frame-Options', 'DENY');
    ctx.body = render('documents/portal-shell', { portal, nonce, assets: files, boot: JSON.stringify(boot).replace(/</g, '\\u003c') }, t.slug);
  });

  return async (ctx, next) => {
    await assets.middleware(ctx, async () => {
      await (router.routes() as Middleware)(ctx, next);
    });
  };
}

