// Organisations, clients and the full sign-in dance, driven as a customer would: the relying party is
// openid-client (certified, independent); the customer is a Browser reading codes from the Mailbox.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { createClient } from '../../idp/clients/service.ts';
import { createOrganisation } from '../../idp/organisations/service.ts';
import type { Organisation } from '../../idp/organisations/model.ts';
import { Browser, formAction } from './browser.ts';
import { codeFrom } from './mailbox.ts';
import { stack, type Stack } from './stack.ts';

/** What the sign-in helpers need of a running server (the bench passes its own). */
export type Server = Pick<Stack, 'baseUrl' | 'mailbox'>;

export type TestOrg = { org: Organisation; issuer: string };
export type TestClient = { clientId: string; clientSecret?: string; redirectUri: string; config: oidc.Configuration };

export const uniqueSlug = (prefix = 'org') => `${prefix}-${randomBytes(4).toString('hex')}`;
export const uniqueEmail = (name = 'customer') => `${name}.${randomBytes(4).toString('hex')}@example.com`;

export async function makeOrg(s: Stack, options: { selfSignUp?: boolean; name?: string } = {}): Promise<TestOrg> {
  const org = await createOrganisation(s.app.secrets, {
    slug: uniqueSlug(),
    name: options.name ?? 'Harbour Day Spa',
    selfSignUp: options.selfSignUp ?? true,
  });
  return { org, issuer: `${s.baseUrl}/${org.slug}` };
}

export async function relyingParty(issuer: string, clientId: string, clientSecret?: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

export async function makeClient(
  s: Stack,
  t: TestOrg,
  options: { kind?: 'web' | 'public' | 'machine'; firstParty?: boolean; name?: string } = {},
): Promise<TestClient> {
  const kind = options.kind ?? 'web';
  const redirectUri = 'http://localhost:8080/callback';
  const created = await createClient(s.app.secrets, t.org._id, {
    name: options.name ?? 'Test app',
    kind,
    firstParty: kind === 'machine' ? false : (options.firstParty ?? true),
    redirectUris: kind === 'machine' ? [] : [redirectUri],
    postLogoutRedirectUris: kind === 'machine' ? [] : ['http://localhost:8080/bye'],
  });
  return {
    clientId: created.clientId,
    clientSecret: created.clientSecret,
    redirectUri,
    config: await relyingParty(t.issuer, created.clientId, created.clientSecret),
  };
}

export type Authorization = { url: URL; verifier: string; state: string };

export async function authorizationRequest(client: TestClient, params: Record<string, string> = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: client.redirectUri,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, state };
}

/** Opens the authorization URL and returns the sign-in page it lands on. */
export async function openSignIn(s: Server, browser: Browser, auth: Authorization): Promise<{ url: string; html: string; status: number }> {
  const { url, res } = await browser.follow(auth.url, s.baseUrl);
  if (!res) throw new Error(`expected a sign-in page, was sent to ${url}`);
  return { url, html: await res.text(), status: res.status };
}

/** Types the email on the sign-in page; returns the next page and the code that was mailed. */
export async function requestCode(s: Server, browser: Browser, page: { url: string; html: string }, email: string) {
  const sentAfter = Date.now();
  const res = await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email });
  if (res.status !== 303) throw new Error(`email step answered ${res.status}: ${await res.text()}`);
  const next = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
  const mail = await s.mailbox.next(email, sentAfter);
  return { page: { url: next.url, html: await next.res!.text() }, code: codeFrom(mail), mail };
}

/** Submits the code; returns where the browser ends up outside the server (the callback), or the page shown. */
export async function submitCode(s: Server, browser: Browser, page: { url: string; html: string }, code: string) {
  const res = await browser.post(new URL(formAction(page.html, '/code'), s.baseUrl), { code });
  if (res.status !== 303) return { status: res.status, html: await res.text() };
  const next = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
  return { status: 303, url: next.url, html: next.res ? await next.res.text() : undefined };
}

/** The whole sign-in: authorize, email, code from the mailbox, callback, token exchange with PKCE. */
export async function signIn(s: Server, client: TestClient, options: { browser?: Browser; email?: string; params?: Record<string, string> } = {}) {
  const browser = options.browser ?? new Browser();
  const email = options.email ?? uniqueEmail();
  const auth = await authorizationRequest(client, options.params);
  const page = await openSignIn(s, browser, auth);
  const { page: codePage, code } = await requestCode(s, browser, page, email);
  const done = await submitCode(s, browser, codePage, code);
  if (!done.url?.startsWith(client.redirectUri)) throw new Error(`sign-in did not reach the callback: ${done.status} ${done.url ?? done.html}`);
  const tokens = await oidc.authorizationCodeGrant(client.config, new URL(done.url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
  return { browser, email, tokens, callbackUrl: done.url, auth };
}

/** Authorizes with an existing browser session: lands on the callback without any page when SSO applies. */
export async function silentAuthorize(s: Server, client: TestClient, browser: Browser, params: Record<string, string> = {}) {
  const auth = await authorizationRequest(client, params);
  const { url, res } = await browser.follow(auth.url, s.baseUrl);
  return { auth, url, page: res ? { status: res.status, html: await res.text() } : undefined };
}

/** The usual fixture: the shared stack, a fresh organisation and a first-party web client in it. */
export async function orgWithClient(options: { name?: string } = {}): Promise<{ s: Stack; t: TestOrg; app: TestClient }> {
  const s = await stack();
  const t = await makeOrg(s, options);
  return { s, t, app: await makeClient(s, t) };
}
