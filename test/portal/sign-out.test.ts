// Sign out once, everywhere: RP-initiated logout ends the identity provider's session, OIDC Back-Channel Logout ends
// the first-party apps' server-side sessions of it (on every instance) and reaches third-party apps that registered
// a back-channel logout URI; revoked consents and deleted apps stop their access tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { ClientModel } from '../../idp/clients/model.ts';
import { privateJwks } from '../../idp/keys/keyring.ts';
import { setStaffRole } from '../../idp/organisations/staff.ts';
import { ADMIN_CLIENT_ID, PORTAL_CLIENT_ID } from '../../lib/first-party.ts';
import { waitFor } from '../db/support.ts';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { type Browser, formAction } from '../support/browser.ts';
import { passCooldown } from '../support/clock.ts';
import { makeClient, makeOrg, relyingParty, silentAuthorize, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import { portalSignIn, portalUrl } from '../support/portal.ts';
import { secondInstance, stack, type Stack } from '../support/stack.ts';

/** Asks `check` every 20 ms until it holds, for at most `ms` (the promise under test is 2 s). */
const within = (ms: number, check: () => Promise<boolean>, what: string) => waitFor(what, ms, check, 20);

/**
 * Whether the portal's server still holds a session for `browser`: its page is served (200) or sent to sign in
 * (302). The page reads only the session, not the tokens, so this tells a back-channel logout from a token refused.
 */
const portalSession = async (browser: Browser, t: TestOrg) => {
  const res = await browser.request(portalUrl(t.issuer));
  await res.body?.cancel();
  expect(res.status).to.be.oneOf([200, 302]);
  return res.status === 200;
};

/** RP-initiated logout of `client` in `browser`, confirmed with "sign me out" (everywhere). `origin`: the instance to use. */
async function endSession(s: Stack, browser: Browser, client: TestClient, idToken: string, origin = s.baseUrl) {
  const url = oidc.buildEndSessionUrl(client.config, { id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:8080/bye' });
  const onInstance = (u: string | URL) => new URL(String(u).replace(s.baseUrl, origin));
  const page = await browser.follow(onInstance(url), origin);
  const html = await page.res!.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
  const done = await browser.post(onInstance(new URL(formAction(html, '/session/end/confirm'), s.baseUrl)), { xsrf, logout: 'yes' });
  expect(done.status).to.equal(303);
  expect(done.headers.get('location')).to.match(/^http:\/\/localhost:8080\/bye/);
}

/** Signs `browser` in to `client` with the identity provider session it has (no code; a third-party app's consent given), and takes its tokens. */
async function ssoTokens(s: Stack, client: TestClient, browser: Browser) {
  const { auth, url: landed, page } = await silentAuthorize(s, client, browser);
  let url = landed;
  if (page?.html.includes('Allow ')) {
    const res = await browser.post(new URL(formAction(page.html, '/consent'), s.baseUrl), {});
    url = (await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl)).url;
  }
  expect(url.startsWith(client.redirectUri), url).to.equal(true);
  return oidc.authorizationCodeGrant(client.config, new URL(url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
}

/** A third-party app's logout-token receiver: verifies each token with jose against the issuer's JWKS, as the spec says. */
async function logoutReceiver(t: TestOrg, clientId: string) {
  const jwks = createRemoteJWKSet(new URL(`${t.issuer}/jwks`));
  const received: (JWTPayload & { header: string })[] = [];
  const problems: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (d) => (body += d))
      .on('end', async () => {
        try {
          const token = new URLSearchParams(body).get('logout_token')!;
          const { payload, protectedHeader } = await jwtVerify(token, jwks, {
            issuer: t.issuer,
            audience: clientId,
            typ: 'logout+jwt',
            requiredClaims: ['iat', 'jti', 'events', 'sid', 'sub'],
          });
          received.push({ ...payload, header: String(protectedHeader.typ) });
          res.writeHead(200).end();
        } catch (err) {
          problems.push(String(err));
          res.writeHead(400).end();
        }
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logout`,
    received,
    problems,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('Sign out once, everywhere', () => {
  let s: Stack;
  let t: TestOrg;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
  });

  it("signing out in another app ends the portal's session of that sign-in, and no other", async () => {
    const { browser, email } = await portalSignIn(s, t.issuer);
    await passCooldown(t.org._id, email);
    const elsewhere = await portalSignIn(s, t.issuer, { email }); // the same customer in another browser
    const app = await makeClient(s, t);
    const tokens = await ssoTokens(s, app, browser); // single sign-on: the same identity provider session
    expect(await portalSession(browser, t)).to.equal(true);
    await endSession(s, browser, app, tokens.id_token!);
    await within(2000, async () => !(await portalSession(browser, t)), "the portal's next request is signed out");
    expect(await portalSession(elsewhere.browser, t), 'the other browser stays signed in').to.equal(true);
    const api = await elsewhere.browser.request(`${portalUrl(t.issuer)}/bff/api/profile`, { headers: { accept: 'application/json' } });
    expect(api.status, "and its API calls work: the other sign-in's tokens stand").to.equal(200);
  });

  it('signing out of the portal ends the admin console session of the same sign-in', async () => {
    const email = uniqueEmail('staff');
    await setStaffRole(t.org.slug, email, 'staff', undefined);
    const { browser } = await portalSignIn(s, t.issuer, { email });
    const me = () => browser.request(`${t.issuer}/admin/bff/api/me`, { headers: { accept: 'application/json' } });
    const console = await browser.follow(`${t.issuer}/admin`, s.baseUrl); // single sign-on into the console
    expect(console.url).to.equal(`${t.issuer}/admin`);
    expect((await me()).status).to.equal(200);
    const out = await browser.request(`${portalUrl(t.issuer)}/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
    const confirm = await browser.follow(out.headers.get('location')!, s.baseUrl);
    const html = await confirm.res!.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    await browser.post(new URL(formAction(html, '/session/end/confirm'), s.baseUrl), { xsrf, logout: 'yes' });
    await within(2000, async () => (await me()).status === 401, "the console's next request is signed out");
  });

  it("the portal's logout-token receiver refuses what is not a fresh logout token of its issuer for it", async () => {
    const url = `${s.config.internalUrl}/${t.org.slug}/portal/backchannel-logout`;
    const post = (form: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(form) });
    const { keys } = privateJwks(t.org.keys, s.app.secrets.signingKeys);
    const current = keys.find((k) => k.alg === 'ES256')!;
    const key = await importJWK(current, 'ES256');
    const event = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    const mint = (claims: JWTPayload, typ = 'logout+jwt') =>
      new SignJWT({ events: event, sid: 'sid-1', jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ })
        .setIssuer(t.issuer)
        .setAudience(PORTAL_CLIENT_ID)
        .setIssuedAt(claims.iat)
        .setExpirationTime('2m')
        .sign(key);
    const forger = await generateKeyPair('ES256');
    const forged = await new SignJWT({ events: event, sid: 'sid-1', jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'logout+jwt' })
      .setIssuer(t.issuer)
      .setAudience(PORTAL_CLIENT_ID)
      .setIssuedAt()
      .sign(forger.privateKey);
    for (const [what, form] of [
      ['no token', {}],
      ['not a JWT', { logout_token: 'nope' }],
      ['signed by another key', { logout_token: forged }],
      [
        'for another app',
        {
          logout_token: await new SignJWT({ events: event, sid: 's', jti: randomUUID() })
            .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'logout+jwt' })
            .setIssuer(t.issuer)
            .setAudience(ADMIN_CLIENT_ID)
            .setIssuedAt()
            .sign(key),
        },
      ],
      ['an ID token (typ)', { logout_token: await mint({}, 'JWT') }],
      ['without the event', { logout_token: await mint({ events: { other: {} } }) }],
      ['with a nonce', { logout_token: await mint({ nonce: 'n' }) }],
      ['without sid or sub', { logout_token: await mint({ sid: undefined }) }],
      ['from long ago', { logout_token: await mint({ iat: Math.floor(Date.now() / 1000) - 3600 }) }],
      [
        'without an expiry (exp is required)',
        {
          logout_token: await new SignJWT({ events: event, sid: 's', jti: randomUUID() })
            .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'logout+jwt' })
            .setIssuer(t.issuer)
            .setAudience(PORTAL_CLIENT_ID)
            .setIssuedAt()
            .sign(key),
        },
      ],
    ] as const) {
      const res = await post(form as Record<string, string>);
      expect(res.status, what).to.equal(400);
      expect(((await res.json()) as { error: string }).error, what).to.equal('invalid_request');
    }
    const once = await mint({});
    expect((await post({ logout_token: once })).status).to.equal(200);
    expect((await post({ logout_token: once })).status, 'a replayed token').to.equal(400);
  });

  describe('across instances, and to third-party apps', () => {
    let other: Awaited<ReturnType<typeof secondInstance>>;
    let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
    let app: TestClient;
    before(async () => {
      const owner = await adminToken(s, t, 'owner');
      const registered = await call('POST', `${adminUrl(t)}/clients`, owner, {
        name: 'Shop',
        firstParty: false,
        redirectUris: ['http://localhost:8080/callback'],
        postLogoutRedirectUris: ['http://localhost:8080/bye'],
        backchannelLogoutUri: 'https://shop.example.com/logout',
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      const { clientId, clientSecret } = registered.body;
      app = { clientId, clientSecret, redirectUri: 'http://localhost:8080/callback', config: await relyingParty(t.issuer, clientId, clientSecret) };
      receiver = await logoutReceiver(t, app.clientId);
      // The Admin API takes only https URIs (test/idp/admin-api.test.ts); the test's receiver is a loopback server, so
      // the stored URI is pointed at it, and only an instance allowed to call private addresses reaches it.
      await ClientModel.updateOne({ org: t.org._id, clientId }, { $set: { 'metadata.backchannel_logout_uri': receiver.url } });
      other = await secondInstance(s, { PRIVATE_CALLBACK_HOSTS: new URL(receiver.url).host });
    });
    after(async () => {
      await other?.stop();
      await receiver?.close();
    });

    it("signing out on another instance ends the portal's session here, and the app gets a valid logout token", async () => {
      const { browser } = await portalSignIn(s, t.issuer);
      const tokens = await ssoTokens(s, app, browser);
      const sid = tokens.claims()!.sid;
      expect(sid, 'the ID token names the session a logout token will').to.be.a('string');
      await endSession(s, browser, app, tokens.id_token!, other.baseUrl);
      await within(2000, async () => !(await portalSession(browser, t)), "this instance's portal is signed out");
      expect(receiver.problems).to.deep.equal([]);
      const token = receiver.received.find((p) => p.sid === sid);
      expect(token, 'a logout token for the session').to.not.equal(undefined);
      expect(token).to.include({ iss: t.issuer, aud: app.clientId, sub: tokens.claims()!.sub, header: 'logout+jwt' });
      expect(token!.events).to.deep.equal({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(token).to.not.have.property('nonce');
    });

    it("an instance not allowed to call private addresses refuses the app's loopback URI, and signs out all the same", async () => {
      const { browser } = await portalSignIn(s, t.issuer);
      const tokens = await ssoTokens(s, app, browser);
      const before = receiver.received.length;
      await endSession(s, browser, app, tokens.id_token!);
      await within(2000, async () => !(await portalSession(browser, t)), 'the portal is signed out');
      expect(receiver.received).to.have.length(before);
      expect(s.logs.some((l) => l.includes('back-channel logout not delivered') && l.includes(app.clientId))).to.equal(true);
    });
  });
});
