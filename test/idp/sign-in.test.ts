import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Browser, formAction } from '../support/browser.ts';
import { passCooldown } from '../support/clock.ts';
import {
  makeClient,
  openSignIn,
  authorizationRequest,
  requestCode,
  signIn,
  silentAuthorize,
  submitCode,
  uniqueEmail,
  type TestClient,
  type TestOrg,
  orgWithClient,
} from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

describe('sign-in with an emailed code (authorization code + PKCE)', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  before(async () => {
    ({ s, t, app } = await orgWithClient());
  });

  it('signs a new customer in, creating a verified account, with claims by scope', async () => {
    const { tokens, email } = await signIn(s, app);
    const claims = tokens.claims()!;
    expect(claims.iss).to.equal(t.issuer);
    expect(claims.email).to.equal(email);
    expect(claims.email_verified).to.equal(true);
    expect(claims.sub).to.match(/^c_/);
    expect(claims.amr).to.deep.equal(['otp']);
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, claims.sub);
    expect(info).to.include({ sub: claims.sub, email, email_verified: true });
  });

  it('creates one account when two browsers sign in a new address at the same moment', async () => {
    const email = uniqueEmail('twice');
    const pending = [];
    for (const browser of [new Browser(), new Browser()]) {
      const auth = await authorizationRequest(app);
      const page = await openSignIn(s, browser, auth);
      pending.push({ browser, auth, ...(await requestCode(s, browser, page, email)) });
      await passCooldown(t.org._id, email);
    }
    const subs = await Promise.all(
      pending.map(async ({ browser, auth, page, code }) => {
        const done = await submitCode(s, browser, page, code);
        const tokens = await oidc.authorizationCodeGrant(app.config, new URL(done.url!), {
          pkceCodeVerifier: auth.verifier,
          expectedState: auth.state,
        });
        return tokens.claims()!.sub;
      }),
    );
    expect(subs[0]).to.be.a('string');
    expect(subs[1]).to.equal(subs[0]);
  });

  it('releases no email claims without the email scope', async () => {
    const { tokens } = await signIn(s, app, { params: { scope: 'openid' } });
    expect(tokens.claims()).to.not.have.property('email');
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub);
    expect(Object.keys(info)).to.deep.equal(['sub']);
  });

  it('requires PKCE, also from confidential clients', async () => {
    const url = oidc.buildAuthorizationUrl(app.config, { redirect_uri: app.redirectUri, scope: 'openid', state: 'x' });
    const { url: landed } = await new Browser().follow(url, s.baseUrl);
    const params = new URL(landed).searchParams;
    expect(params.get('error')).to.equal('invalid_request');
    expect(params.get('error_description')).to.match(/PKCE/);
  });

  it('rotates refresh tokens, and a reused one revokes the whole grant', async () => {
    const { tokens } = await signIn(s, app);
    const first = tokens.refresh_token!;
    expect(first).to.be.a('string');
    const second = await oidc.refreshTokenGrant(app.config, first);
    expect(second.refresh_token).to.be.a('string').and.not.equal(first);
    const reuse = await oidc.refreshTokenGrant(app.config, first).then(
      () => 'accepted',
      (err) => err.error,
    );
    expect(reuse).to.equal('invalid_grant');
    const afterReuse = await oidc.refreshTokenGrant(app.config, second.refresh_token!).then(
      () => 'accepted',
      (err) => err.error,
    );
    expect(afterReuse).to.equal('invalid_grant');
  });

  it('revokes access tokens', async () => {
    const { tokens } = await signIn(s, app);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).to.equal(true);
    await oidc.tokenRevocation(app.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).to.equal(false);
    const userinfo = await oidc.fetchUserInfo(app.config, tokens.access_token, oidc.skipSubjectCheck).then(
      () => 'ok',
      (e) => e.status ?? e.cause?.status ?? 'rejected',
    );
    expect(userinfo).to.not.equal('ok');
  });

  it('issues JWT access tokens for the Client API resource, verifiable with the issuer JWKS', async () => {
    const api = `${t.issuer}/api`;
    const { tokens } = await signIn(s, app, { params: { scope: 'openid email profile:write', resource: api } });
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${t.issuer}/jwks`)), {
      issuer: t.issuer,
      audience: api,
    });
    expect(protectedHeader.alg).to.equal('ES256');
    expect(String(payload.scope).split(' ')).to.include('profile:write');
  });

  it('signs the customer in to a second app of the organisation without another code (SSO)', async () => {
    const { browser, tokens } = await signIn(s, app);
    const second = await makeClient(s, t, { name: 'Customer flows' });
    const sentBefore = s.mailbox.messages.length;
    const { url, auth } = await silentAuthorize(s, second, browser);
    expect(url.startsWith(second.redirectUri)).to.equal(true);
    const secondTokens = await oidc.authorizationCodeGrant(second.config, new URL(url), {
      pkceCodeVerifier: auth.verifier,
      expectedState: auth.state,
    });
    expect(secondTokens.claims()!.sub).to.equal(tokens.claims()!.sub);
    expect(s.mailbox.messages.length).to.equal(sentBefore);
  });

  it('widens a first-party grant without asking when the app later asks for more scopes', async () => {
    const { browser, email } = await signIn(s, app, { params: { scope: 'openid' } });
    const { url, auth } = await silentAuthorize(s, app, browser, { scope: 'openid email' });
    expect(url.startsWith(app.redirectUri)).to.equal(true);
    const tokens = await oidc.authorizationCodeGrant(app.config, new URL(url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
    expect(tokens.claims()!.email).to.equal(email);
  });

  it('ends the session with RP-initiated logout', async () => {
    const { browser, tokens } = await signIn(s, app);
    const logoutUrl = oidc.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:8080/bye' });
    const confirm = await browser.follow(logoutUrl, s.baseUrl);
    const html = await confirm.res!.text();
    expect(html).to.contain('Sign out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const res = await browser.post(new URL(formAction(html, '/session/end/confirm'), s.baseUrl), { xsrf, logout: 'yes' });
    expect(res.status).to.equal(303);
    const done = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
    expect(done.url).to.match(/^http:\/\/localhost:8080\/bye/);
    const again = await silentAuthorize(s, app, browser);
    expect(again.page?.html).to.contain('name="email"');
  });

  it('asks a third-party app for consent once, in plain words', async () => {
    const thirdParty = await makeClient(s, t, { firstParty: false, name: 'Class Finder' });
    const browser = new Browser();
    const { tokens } = await signIn(s, app, { browser });
    expect(tokens.access_token).to.be.a('string');
    const first = await silentAuthorize(s, thirdParty, browser);
    expect(first.page?.html).to.contain('Allow Class Finder?');
    expect(first.page?.html).to.contain('See your email address');
    const res = await browser.post(new URL(formAction(first.page!.html, '/consent'), s.baseUrl), {});
    const done = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
    expect(done.url.startsWith(thirdParty.redirectUri)).to.equal(true);
    const tokens3p = await oidc.authorizationCodeGrant(thirdParty.config, new URL(done.url), {
      pkceCodeVerifier: first.auth.verifier,
      expectedState: first.auth.state,
    });
    expect(tokens3p.claims()!.sub).to.equal(tokens.claims()!.sub);
    const second = await silentAuthorize(s, thirdParty, browser);
    expect(second.url.startsWith(thirdParty.redirectUri)).to.equal(true);
  });

  it('signs in again over an existing session (prompt=login) and the new code exchanges', async () => {
    const { browser, email } = await signIn(s, app);
    await passCooldown(t.org._id, email);
    const again = await signIn(s, app, { browser, email, params: { prompt: 'login' } });
    expect(again.tokens.claims()!.email).to.equal(email);
    expect(await oidc.fetchUserInfo(app.config, again.tokens.access_token, again.tokens.claims()!.sub)).to.include({ email });
  });

  it('lets the customer cancel, returning access_denied to the app', async () => {
    const browser = new Browser();
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    const res = await browser.post(new URL(formAction(page.html, '/abort'), s.baseUrl), {});
    const done = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
    expect(new URL(done.url).searchParams.get('error')).to.equal('access_denied');
  });
});
