// The OpenID Connect relying party in the business's page: authorization code + PKCE (S256) + state + nonce, by
// popup (a redirect when the popup is blocked). Tokens live in this module's memory only, never in Web Storage; they
// are renewed with the rotated refresh token the issuer binds to its sign-in session, so renewal works exactly while
// that session lives, with no iframe (the issuer's pages refuse framing) and no third-party cookie.

export type Options = {
  /** The organisation's issuer, e.g. https://id.example.com/harbour-spa */
  issuer: string;
  /** A public app registered in the console, with this website's origin among its web origins. */
  clientId: string;
  /** A page of this website registered as the app's redirect and post-logout redirect URI; by default this page. */
  redirectUri?: string;
  scope?: string;
  /** Whether to load the portal's branding (colours, font) as CSS custom properties for the widgets; true by default. */
  branding?: boolean;
};

/** The customer's claims from the verified ID token. */
export type User = { sub: string; name?: string; given_name?: string; email?: string; [claim: string]: unknown };

type Metadata = { issuer: string; authorization_endpoint: string; token_endpoint: string; end_session_endpoint: string; jwks_uri: string };
type Pending = { state: string; nonce?: string; verifier?: string; back?: string };
type Session = { user: User; idToken: string; refreshToken?: string; accessToken: string };

const PENDING = 'portico:pending'; // only across the redirect fallback: what proves the answer is ours, never a token
const POPUP = 'width=480,height=680';

let options: Required<Options> | undefined;
let metadata: Promise<Metadata>;
let session: Session | undefined;
let renewal: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(user: User | null) => void>();
/** The widgets' renderers: called on every change, and once the library knows its issuer. */
export const renders = new Set<() => void>();
const render = () => {
  for (const r of renders) r();
};

const encoder = new TextEncoder();
const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const bytesOf = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const json = async (res: Response) => {
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error_description ?? body.error ?? `HTTP ${res.status}`), { code: body.error });
  return body;
};

function configured(): Required<Options> {
  if (!options) throw new Error('Portico: call init({ issuer, clientId }) first');
  return options;
}

/** Starts the library; finishes a sign-in or sign-out this page is the answer to. Answers the signed-in customer. */
export async function init(o: Options): Promise<User | null> {
  const issuer = o.issuer.replace(/\/$/, '');
  options = { scope: 'openid profile email', redirectUri: location.origin + location.pathname, branding: true, ...o, issuer };
  metadata = fetch(`${issuer}/.well-known/openid-configuration`).then(json);
  if (options.branding)
    document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: `${issuer}/portal/branding.css` }));
  render();
  const answer = new URL(location.href);
  const state = answer.searchParams.get('state');
  if (!state) return user();
  // In the popup: hand the answer to the page that opened it (same origin only), which closes this window.
  if (opener) {
    opener.postMessage({ portico: answer.href }, location.origin);
    return null;
  }
  // Back from the redirect fallback: the pending request is this tab's own, kept for the round trip only.
  const pending: Pending | null = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  if (pending?.state !== state) return user();
  history.replaceState(history.state, '', pending.back ?? location.pathname);
  await finish(answer, pending);
  return user();
}

export const user = (): User | null => session?.user ?? null;

/** The issuer given to init(), once it has been called. */
export const issuer = (): string | undefined => options?.issuer;

/** Calls `listener` with the customer (or null) whenever they sign in or out. Answers an unsubscribe. */
export function onChange(listener: (user: User | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keeps the session; listeners hear of a sign-in or sign-out, not of a renewal (new token times), which only re-renders. */
function set(next: Session | undefined) {
  const changed = next?.user.sub !== session?.user.sub;
  session = next;
  render();
  if (changed) for (const l of listeners) l(user());
}

/**
 * Opens `url` for the customer in a popup (opened at once, inside the click that asked for it, so it is not
 * blocked) and answers the URL the issuer sent them back to; navigates this page there when popups are blocked.
 */
async function roundTrip(build: (p: Pending) => Promise<URL>, pending: Pending): Promise<URL | undefined> {
  const popup = open('', 'portico', POPUP);
  const url = await build(pending).then(
    (u) => u.href,
    (err) => {
      popup?.close();
      throw err;
    },
  );
  if (!popup) {
    sessionStorage.setItem(PENDING, JSON.stringify({ ...pending, back: location.href }));
    location.assign(url);
    return new Promise(() => {}); // this page is leaving
  }
  popup.location.href = url;
  return new Promise((resolve) => {
    const closed = setInterval(() => popup.closed && done(undefined), 300);
    const done = (answer: URL | undefined) => {
      clearInterval(closed);
      removeEventListener('message', onMessage);
      popup.close();
      resolve(answer);
    };
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== location.origin || typeof e.data?.portico !== 'string') return;
      const answer = new URL(e.data.portico);
      if (answer.searchParams.get('state') === pending.state) done(answer);
    };
    addEventListener('message', onMessage);
  });
}

const withParams = (endpoint: string, params: Record<string, string | undefined>) => {
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  return url;
};

/** Signs the customer in (with no code to type while the identity provider's session lives). Answers them, or null when they closed the window. */
export async function signIn(): Promise<User | null> {
  const o = configured();
  const pending = { state: random(), nonce: random(), verifier: random() };
  const answer = await roundTrip(async (p) => {
    const challenge = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(p.verifier)));
    return withParams((await metadata).authorization_endpoint, {
      client_id: o.clientId,
      redirect_uri: o.redirectUri,
      response_type: 'code',
      scope: o.scope,
      state: p.state,
      nonce: p.nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
  }, pending);
  if (answer) await finish(answer, pending);
  return user();
}

/** Signs the customer out here and at the identity provider, which ends its session and, by back-channel logout, the portal's. */
export async function signOut(): Promise<void> {
  const o = configured();
  const idToken = session?.idToken;
  clearTimeout(renewal);
  set(undefined);
  await roundTrip(
    async (p) =>
      withParams((await metadata).end_session_endpoint, {
        client_id: o.clientId,
        id_token_hint: idToken,
        post_logout_redirect_uri: o.redirectUri,
        state: p.state,
      }),
    { state: random() },
  );
}

async function finish(answer: URL, pending: Pending) {
  const q = answer.searchParams;
  const m = await metadata;
  if (!pending.verifier) return; // a sign-out's answer: nothing more to do
  if (q.get('error')) throw new Error(q.get('error_description') ?? q.get('error')!);
  if (q.get('iss') && q.get('iss') !== m.issuer) throw new Error('Portico: the answer came from another issuer');
  await tokens(
    { grant_type: 'authorization_code', code: q.get('code') ?? '', redirect_uri: configured().redirectUri, code_verifier: pending.verifier },
    pending.nonce,
  );
}

/** Calls the token endpoint (cross-origin: the app's registered web origins are allowed) and keeps the answer in memory. */
async function tokens(params: Record<string, string>, nonce?: string) {
  const m = await metadata;
  const t = await json(await fetch(m.token_endpoint, { method: 'POST', body: new URLSearchParams({ client_id: configured().clientId, ...params }) }));
  const claims = await verified(m, t.id_token, nonce);
  if (session && !nonce && claims.sub !== session.user.sub) throw new Error('Portico: the renewed ID token names someone else');
  set({ user: claims, idToken: t.id_token, refreshToken: t.refresh_token, accessToken: t.access_token });
  clearTimeout(renewal);
  if (t.refresh_token) renewal = setTimeout(renew, Math.max(10, (t.expires_in ?? 900) - 60) * 1000);
}

/** Renews the tokens; the customer is signed out here once the identity provider's session has ended. */
async function renew() {
  const refreshToken = session?.refreshToken;
  if (!refreshToken) return;
  try {
    await tokens({ grant_type: 'refresh_token', refresh_token: refreshToken });
  } catch (err) {
    if ((err as { code?: string }).code === 'invalid_grant') set(undefined);
    else renewal = setTimeout(renew, 30_000); // the network or the issuer: try again
  }
}

// A customer coming back to this tab sees whether they signed out elsewhere meanwhile.
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && renew());

const ALGORITHMS: Record<string, { name: string; namedCurve?: string; hash: string }> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

/** The ID token's claims, once its signature (by the issuer's published keys), issuer, audience, expiry and nonce check out. */
async function verified(m: Metadata, jwt: string, nonce?: string): Promise<User> {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const decode = (part: string) => JSON.parse(new TextDecoder().decode(bytesOf(part)));
  const { alg, kid } = decode(header);
  const claims = decode(payload);
  const algorithm = ALGORITHMS[alg];
  const { keys } = await json(await fetch(m.jwks_uri));
  const jwk = keys.find((k: { kid: string }) => k.kid === kid);
  const valid =
    algorithm &&
    jwk &&
    (await crypto.subtle.verify(
      algorithm,
      await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['verify']),
      bytesOf(signature),
      encoder.encode(`${header}.${payload}`),
    )) &&
    claims.iss === m.issuer &&
    [claims.aud].flat().includes(configured().clientId) &&
    claims.exp * 1000 > Date.now() &&
    (!nonce || claims.nonce === nonce);
  if (!valid) throw new Error('Portico: the ID token is not valid');
  return claims;
}
