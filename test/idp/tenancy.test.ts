import { expect } from 'chai';
import * as oidc from 'openid-client';
import { CustomerModel } from '../../idp/customers/model.ts';
import { UnscopedQueryError } from '../../lib/tenancy.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, makeClient, makeOrg, signIn, silentAuthorize, type TestClient, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('organisations are isolated', () => {
  let s: Stack;
  let a: TestOrg;
  let b: TestOrg;
  let appA: TestClient;
  let appB: TestClient;
  before(async () => {
    s = await stack();
    [a, b] = await Promise.all([makeOrg(s), makeOrg(s)]);
    [appA, appB] = await Promise.all([makeClient(s, a), makeClient(s, b)]);
  });

  it('a session in organisation A does not sign you in to organisation B', async () => {
    const { browser } = await signIn(s, appA);
    const atB = await silentAuthorize(s, appB, browser);
    expect(atB.page?.status).to.equal(200);
    expect(atB.page?.html).to.contain('name="email"');
  });

  it('the same email is a different customer (different sub) in each organisation', async () => {
    const email = 'same.person@example.com';
    const [inA, inB] = [await signIn(s, appA, { email }), await signIn(s, appB, { email })];
    expect(inA.tokens.claims()!.sub).to.not.equal(inB.tokens.claims()!.sub);
  });

  it("A's client is unknown at B", async () => {
    const auth = await authorizationRequest(appA);
    const atB = new URL(auth.url.href.replace(a.issuer, b.issuer));
    const { res } = await new Browser().follow(atB, s.baseUrl);
    expect(res!.status).to.equal(400);
    expect(await res!.text()).to.contain('client is invalid');
  });

  it("A's access token is refused by B's userinfo", async () => {
    const { tokens } = await signIn(s, appA);
    const res = await fetch(`${b.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).to.equal(401);
    const ok = await oidc.fetchUserInfo(appA.config, tokens.access_token, tokens.claims()!.sub);
    expect(ok.sub).to.equal(tokens.claims()!.sub);
  });

  it('keeps session cookies HttpOnly, SameSite and confined to the organisation path; Secure behind TLS', async () => {
    const browser = new Browser();
    const auth = await authorizationRequest(appA);
    const res = await browser.request(auth.url, { headers: { 'x-forwarded-proto': 'https' } });
    const cookies = res.headers.getSetCookie();
    expect(cookies.length).to.be.greaterThan(0);
    for (const c of cookies) {
      expect(c).to.match(/;\s*httponly/i);
      expect(c).to.match(/;\s*samesite=lax/i);
      expect(c).to.match(/;\s*secure/i);
      expect(c).to.match(new RegExp(`;\\s*path=/${a.org.slug}(/|;|$)`, 'i'));
    }
    // each sign-in's cookie is confined to its own interaction, so two tabs signing in do not overwrite each other
    expect(cookies.find((c) => c.startsWith('_interaction='))).to.match(new RegExp(`path=/${a.org.slug}/interaction/[\\w-]+;`, 'i'));
  });

  it('refuses, by construction, a query on organisation data without an organisation', async () => {
    const err = await CustomerModel.find({ email: 'x@example.com' }).then(
      () => undefined,
      (e) => e,
    );
    expect(err).to.be.instanceOf(UnscopedQueryError);
    const update = await CustomerModel.updateMany({}, { $set: { name: 'x' } }).then(
      () => undefined,
      (e) => e,
    );
    expect(update).to.be.instanceOf(UnscopedQueryError);
  });
});
