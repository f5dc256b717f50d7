// Every HTML page the identity provider serves, its own and oidc-provider's, is sent with the sign-in page's
// security headers: none can be framed (clickjacking) and none runs a script we did not write.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, formAction } from '../support/browser.ts';
import { authorizationRequest, openSignIn, orgWithClient, signIn, type TestClient, type TestOrg } from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

/** A policy's directives, without the hashes oidc-provider adds for its own inline scripts and the per-answer style nonce. */
function directives(csp: string | null): Record<string, string[]> {
  expect(csp, 'Content-Security-Policy').to.be.a('string');
  return Object.fromEntries(
    csp!
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name, values.filter((v) => !v.startsWith("'sha256-") && !v.startsWith("'nonce-"))];
      }),
  );
}

describe('pages of the identity provider', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  let signInPage: Response;
  before(async () => {
    ({ s, t, app } = await orgWithClient());
    const browser = new Browser();
    signInPage = await browser.get((await openSignIn(s, browser, await authorizationRequest(app))).url);
  });

  /** Asserts the page carries the sign-in page's headers; returns its HTML. */
  async function sameHeadersAsSignIn(res: Response, what: string): Promise<string> {
    expect(res.headers.get('content-type'), what).to.match(/^text\/html/);
    expect(res.headers.get('x-frame-options'), what).to.equal('DENY').and.equal(signInPage.headers.get('x-frame-options'));
    const policy = directives(res.headers.get('content-security-policy'));
    expect(policy['frame-ancestors'], what).to.deep.equal(["'none'"]);
    expect(policy, what).to.deep.equal(directives(signInPage.headers.get('content-security-policy')));
    return res.text();
  }

  it('sends the sign-out confirmation and the signed-out page with them', async () => {
    const { browser } = await signIn(s, app);
    const confirm = await browser.get(`${t.issuer}/session/end`);
    const html = await sameHeadersAsSignIn(confirm, 'sign-out confirmation');
    expect(html).to.contain('Sign out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const res = await browser.post(new URL(formAction(html, '/session/end/confirm'), s.baseUrl), { xsrf, logout: 'yes' });
    expect(res.status).to.equal(303);
    const done = await browser.get(new URL(res.headers.get('location')!, s.baseUrl));
    expect(await sameHeadersAsSignIn(done, 'signed-out page')).to.contain('You are signed out');
  });

  it("sends oidc-provider's self-submitting sign-out form with them, its one script allowed by its hash", async () => {
    const res = await new Browser().get(`${t.issuer}/session/end`);
    const html = await sameHeadersAsSignIn(res, 'sign-out without a session');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
    expect(res.headers.get('content-security-policy')).to.contain(hash);
  });

  it('sends error pages with them, from oidc-provider and from our own routes', async () => {
    const browser = new Browser();
    const bad = oidc.buildAuthorizationUrl(app.config, {
      redirect_uri: 'http://localhost:8080/elsewhere',
      scope: 'openid',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const providerError = await browser.get(bad);
    expect(providerError.status).to.equal(400);
    expect(await sameHeadersAsSignIn(providerError, 'authorization error')).to.contain('redirect_uri');
    const routeError = await browser.post(`${t.issuer}/interaction/not-mine/code`, { code: '123456' });
    expect(routeError.status).to.equal(400);
    await sameHeadersAsSignIn(routeError, 'interaction error');
    const notFound = await browser.get(`${s.baseUrl}/no-such-org/interaction/x`);
    expect(notFound.status).to.equal(404);
    await sameHeadersAsSignIn(notFound, 'unknown organisation');
  });
});
