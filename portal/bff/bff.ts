// The server side (backend-for-frontend) of a first-party browser app: the Customer Portal, the admin console and
// Customer Flows.
// Each is a confidential first-party OIDC client of its organisation (authorization code + PKCE, openid-client),
// keeps a cookie session holding only an id, and proxies its API with the signed-in person's access token.
// The browser never sees a token.
import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import * as oidc from 'openid-client';
import type { Config } from '../../config/index.ts';
import type { ChangeFeed } from '../../lib/changes.ts';
import { appAssets } from '../../lib/app-assets.ts';
import { clientAddressHeaders, clientAddressKey } from '../../lib/client-address.ts';
import { deriveKey, seal, unseal } from '../../lib/crypto.ts';
import type { FirstPartyClient } from '../../lib/first-party.ts';
import { HttpError } from '../../lib/errors.ts';
import { readRawBody } from '../../lib/http.ts';
import { pageNonce } from '../../lib/security-headers.ts';
import type { Logger } from '../../lib/log.ts';
import { tenantParam, type Tenant, type Tenants } from '../../lib/tenants.ts';
import type { Render } from '../../lib/views.ts';
import { apiPath } from './api-path.ts';
import { backchannelLogoutRoute } from './backchannel.ts';
import { createSessions, SESSION_TTL_MS, SessionGone, type Session, type Tokens } from './session.ts';

export type BffDeps = { config: Config; tenants: Tenants; render: Render; log: Logger; changes: ChangeFeed };
export type BffState = { tenant: Tenant };
export type BffCtx = Context & { state: BffState; params: Record<string, string> };

export type BffApp = {
  /** `portal` or `admin`: names the cookie, the session key, the assets path (/assets/<name>/). */
  name: string;
  /** The app's folder, whose dist/ holds its build. */
  dir: string;
  client: (publicUrl: string, masterSecret: string, org: { id: string; slug: string; name: string }) => FirstPartyClient;
  /** Where the app is mounted: `PUBLIC_URL/<org>/<…>`. */
  base: (publicUrl: string, orgSlug: string) => string;
  scope: string;
  /** The API the app calls: its resource indicator, and its root on this server. */
  resource: (issuer: string) => string;
  apiRoot: (orgSlug: string) => string;
  /** Origins the app's page may load scripts, frames and connections from besides its own (e.g. Stripe.js). */
  csp?: { script?: string[]; frame?: string[]; connect?: string[] };
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

class Unauthenticated extends HttpError {
  constructor() {
    super(401, 'login_required', 'Your session has ended. Sign in again.');
  }
}

export function createBff({ config, tenants, render, log, changes }: BffDeps, app: BffApp) {
  const sessionCookie = `portico_${app.name}`;
  const loginCookie = `portico_${app.name}_login`;
  const sessions = createSessions(deriveKey(config.masterSecret, `${app.name}-sessions`), app.name, changes);
  const loginKey = deriveKey(config.masterSecret, `${app.name}-login`);
  const addressKey = clientAddressKey(config.masterSecret);
  const assets = appAssets(app.name, app.dir);
  const base = (t: Tenant) => app.base(config.publicUrl, t.slug);
  const basePath = (t: Tenant) => new URL(base(t)).pathname;

  /** The app as a relying party: front-channel endpoints at the public issuer, back-channel ones on this server. */
  const clients = new Map<string, oidc.Configuration>();
  function relyingParty(t: Tenant): oidc.Configuration {
    let rp = clients.get(t.id);
    if (rp) return rp;
    const client = app.client(config.publicUrl, config.masterSecret, t);
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
      client.client_id,
      { client_secret: client.client_secret },
      oidc.ClientSecretBasic(client.client_secret),
    );
    if (internal.startsWith('http:')) oidc.allowInsecureRequests(rp);
    clients.set(t.id, rp);
    return rp;
  }

  const cookieOptions = (ctx: BffCtx, maxAge: number) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.secure,
    path: basePath(ctx.state.tenant),
    maxAge,
    overwrite: true,
  });

  /** Only paths inside this organisation's app are valid places to return to after sign-in. */
  const safeReturn = (t: Tenant, value: unknown) => {
    const path = basePath(t);
    const inside = typeof value === 'string' && (value === path || ['/', '#', '?'].some((c) => value.startsWith(path + c)));
    return inside && !value.includes('//') && !value.includes('\\') ? value : path;
  };

  const session = (ctx: BffCtx): Promise<Session | undefined> => sessions.find(ctx.state.tenant.id, ctx.cookies.get(sessionCookie));

  const tokensOf = (r: oidc.TokenEndpointResponse, previous?: Tokens): Tokens => ({
    accessToken: r.access_token,
    refreshToken: r.refresh_token ?? previous?.refreshToken,
    idToken: r.id_token ?? previous?.idToken,
    expiresAt: Date.now() + (r.expires_in ?? 300) * 1000,
  });

  // One refresh per session at a time: in this process by sharing the promise, across instances by the session's
  // lease (session.ts refreshOnce). Refresh tokens rotate, and a second use of the old one revokes the whole grant.
  const refreshing = new Map<string, Promise<Tokens>>();
  function refresh(t: Tenant, s: Session): Promise<Tokens> {
    let pending = refreshing.get(s.id);
    if (!pending) {
      pending = sessions
        .refreshOnce(t.id, s.id, s.tokens, async (tokens) => {
          if (!tokens.refreshToken) throw new Unauthenticated();
          const r = await oidc.refreshTokenGrant(relyingParty(t), tokens.refreshToken, { resource: app.resource(t.issuer) }).catch(() => {
            throw new Unauthenticated();
          });
          return tokensOf(r, tokens);
        })
        .catch((err) => {
          if (err instanceof SessionGone) throw new Unauthenticated();
          throw err;
        })
        .finally(() => refreshing.delete(s.id));
      refreshing.set(s.id, pending);
    }
    return pending;
  }

  const router = new Router<BffState>({ prefix: new URL(app.base(config.publicUrl, ':org')).pathname });
  router.param('org', tenantParam(tenants));

  router.get('/login', async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const returnTo = safeReturn(t, ctx.query.return);
    ctx.cookies.set(loginCookie, seal(loginKey, JSON.stringify({ verifier, state, returnTo, org: t.id })), cookieOptions(ctx, 10 * 60_000));
    const url = oidc.buildAuthorizationUrl(relyingParty(t), {
      redirect_uri: `${base(t)}/callback`,
      scope: app.scope,
      resource: app.resource(t.issuer),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    const sealed = ctx.cookies.get(loginCookie);
    let login: { verifier: string; state: string; returnTo: string; org: string } | undefined;
    try {
      login = sealed ? JSON.parse(unseal(loginKey, sealed)) : undefined;
    } catch {
      login = undefined;
    }
    ctx.cookies.set(loginCookie, null, cookieOptions(ctx, 0));
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
      log.warn(`${app.name} sign-in failed`, { org: t.slug, err: (err as Error).message, cause: String((err as Error).cause ?? '') });
      throw new HttpError(400, 'sign_in_failed', 'Signing in did not work. Please try again.');
    }
    const claims = r.claims()!;
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined; // what a back-channel logout names (./backchannel.ts)
    const id = await sessions.create(
      t.id,
      { sub: claims.sub, email: String(claims.email ?? ''), name: claims.name as string | undefined },
      tokensOf(r),
      sid,
    );
    ctx.cookies.set(sessionCookie, id, cookieOptions(ctx, SESSION_TTL_MS));
    ctx.status = 303;
    ctx.redirect(login.returnTo);
  });

  /** Unsafe requests must come from our own pages: same origin, and (for JSON) a header a form cannot send. */
  function checkSameOrigin(ctx: BffCtx, json: boolean) {
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    const ours = new URL(config.publicUrl).origin;
    const sameOrigin = site ? site === 'same-origin' : !origin || origin === ours;
    if (!sameOrigin || (json && ctx.get('x-portico-csrf') !== '1'))
      throw new HttpError(403, 'forbidden', `This request did not come from the ${app.name}.`);
  }

  router.post('/logout', async (ctx: BffCtx) => {
    checkSameOrigin(ctx, false);
    const t = ctx.state.tenant;
    const s = await session(ctx);
    ctx.cookies.set(sessionCookie, null, cookieOptions(ctx, 0));
    if (s) await sessions.destroy(t.id, s.id);
    // RP-initiated logout also ends the identity provider's session, so other apps sign out too.
    const url = oidc.buildEndSessionUrl(relyingParty(t), {
      post_logout_redirect_uri: `${base(t)}/signed-out`,
      ...(s?.tokens.idToken ? { id_token_hint: s.tokens.idToken } : { client_id: relyingParty(t).clientMetadata().client_id }),
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  // Sign-out elsewhere (another app, the identity provider) ends this app's sessions of that sign-in.
  backchannelLogoutRoute(router, { internalUrl: config.internalUrl, clientIdOf: (t) => relyingParty(t).clientMetadata().client_id, sessions });

  router.get('/signed-out', (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    ctx.type = 'html';
    ctx.body = render('portal-signed-out', { title: 'Signed out', org: { name: t.name, slug: t.slug }, signInUrl: `${basePath(t)}/login` }, t.slug);
  });

  /**
   * The app's API, called for the signed-in person; a token about to expire is refreshed first. Only the methods the
   * APIs answer (and HEAD with GET) are passed on: fetch throws on some others, such as TRACE.
   */
  router.register('/bff/api/{*path}', ['GET', ...UNSAFE], async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    if (UNSAFE.has(ctx.method)) checkSameOrigin(ctx, true);
    const s = await session(ctx);
    if (!s) throw new Unauthenticated();
    const path = apiPath(ctx.path.slice(`${basePath(t)}/bff/api/`.length));
    const body = UNSAFE.has(ctx.method) ? await readRawBody(ctx) : undefined;
    const stream = ctx.get('accept') === 'text/event-stream';
    const gone = new AbortController(); // an event stream is closed upstream when the browser goes away, or signs out
    ctx.res.once('close', () => gone.abort());
    const call = (tokens: Tokens) =>
      fetch(`${config.internalUrl}${app.apiRoot(t.slug)}${path}${ctx.search}`, {
        method: ctx.method,
        signal: gone.signal,
        headers: {
          authorization: `Bearer ${tokens.accessToken}`,
          accept: stream ? 'text/event-stream' : 'application/json',
          ...(stream && ctx.get('last-event-id') ? { 'last-event-id': ctx.get('last-event-id') } : {}),
          // The API sees this server's address: it is told the customer's (lib/client-address.ts).
          ...clientAddressHeaders(addressKey, ctx.ip, `Bearer ${tokens.accessToken}`),
          'user-agent': ctx.get('user-agent'),
          'x-request-id': ctx.response.get('X-Request-Id'), // the API's log lines carry the page's request id
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
    ctx.status = res.status; // never cached (lib/security-headers.ts), as every answer
    const type = res.headers.get('content-type');
    if (type) ctx.type = type;
    const disposition = res.headers.get('content-disposition'); // downloads, e.g. a booking's calendar file
    if (disposition) ctx.set('Content-Disposition', disposition);
    const retryAfter = res.headers.get('retry-after'); // a 429 of fair use says when to try again
    if (retryAfter) ctx.set('Retry-After', retryAfter);
    if (type?.startsWith('text/event-stream') && res.body) {
      ctx.req.socket.setTimeout(0);
      ctx.set('X-Accel-Buffering', 'no');
      // It ends when the session does, on whichever instance it is signed out: the browser comes back, is refused,
      // and goes to sign in. Cancelled (that, or the browser left), the API's stream ends ours.
      const out = new PassThrough();
      const upstream = Readable.fromWeb(res.body as ReadableStream);
      upstream.on('error', () => out.destroyed || out.end()).pipe(out);
      const unwatch = sessions.onEnd(t.id, s.id, () => gone.abort());
      ctx.res.once('close', unwatch);
      ctx.body = out;
      return;
    }
    ctx.body = res.status === 204 ? null : Buffer.from(await res.arrayBuffer());
  });

  const sources = {
    script: ["'self'", ...(app.csp?.script ?? [])].join(' '),
    frame: ["'self'", ...(app.csp?.frame ?? [])].join(' '),
    connect: ["'self'", ...(app.csp?.connect ?? [])].join(' '),
  };

  /**
   * Serves the app's HTML shell to a signed-in person (others are sent to sign in): the build's assets, the request's
   * nonce for the one inline style, and the boot data. Its policy widens every answer's (lib/security-headers.ts) by
   * the app's own scripts, styles and API (and Stripe's, for the portal); framing is refused, except by our own pages
   * when `frameable` (the console's previews).
   */
  async function shell(
    ctx: BffCtx,
    view: string,
    boot: (s: Session) => Record<string, unknown>,
    data: Record<string, unknown> = {},
    frameable = false,
  ) {
    const t = ctx.state.tenant;
    const s = await session(ctx);
    if (!s) return ctx.redirect(`${basePath(t)}/login?return=${encodeURIComponent(ctx.path + ctx.search)}`);
    const nonce = pageNonce()!;
    const common = {
      org: { slug: t.slug, name: t.name },
      bff: `${basePath(t)}/bff`,
      logoutUrl: `${basePath(t)}/logout`,
      loginUrl: `${basePath(t)}/login`,
    };
    ctx.type = 'html';
    ctx.set(
      'Content-Security-Policy',
      `default-src 'self'; script-src ${sources.script}; style-src 'self' 'nonce-${nonce}'; img-src 'self' https: data:; connect-src ${sources.connect}; ` +
        `frame-src ${sources.frame}; frame-ancestors ${frameable ? "'self'" : "'none'"}; base-uri 'none'; form-action 'self' ${new URL(t.issuer).origin}`,
    );
    if (frameable) ctx.remove('X-Frame-Options');
    const json = JSON.stringify({ ...common, ...boot(s) }).replace(/</g, '\\u003c');
    ctx.body = render(view, { ...data, nonce, assets: assets.files(), boot: json }, t.slug);
  }

  // Its assets first, then its own paths to its router; every other path skips the router's matching.
  const prefix = new URL(app.base(config.publicUrl, ':org')).pathname;
  const own = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(':org', '[^/]+')}(/|$)`);
  const routes = router.routes() as Middleware;
  // The router rides along on the middleware, so the app's routes can be listed (the isolation matrix walks them).
  const middleware: Middleware & { router: Router<BffState> } = Object.assign(
    (ctx: Context, next: () => Promise<unknown>) => assets.middleware(ctx, own.test(ctx.path) ? () => routes(ctx, next) : next),
    { router },
  );

  return { router, shell, middleware, session, checkSameOrigin, basePath };
}
