import { request } from 'node:http';
import { expect } from 'chai';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { Browser, formAction } from '../support/browser.ts';
import { makeClient, makeOrg, signIn, type TestOrg } from '../support/oidc.ts';
import { bootOf, portalSignIn, portalUrl } from '../support/portal.ts';
import { json } from '../support/http.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Customer Portal server: single sign-on, session, proxy, sign-out', () => {
  let s: Stack;
  let t: TestOrg;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
  });

  it('signs in with the emailed code and serves the portal with the customer and the branding', async () => {
    const admin = await adminToken(s, t);
    await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'main', name: 'Spa portal', branding: { primaryColor: '#7a1f5c' } });
    const { browser, email, url, status, html } = await portalSignIn(s, t.issuer);
    expect(status).to.equal(200);
    expect(url).to.equal(portalUrl(t.issuer));
    const boot = bootOf(html);
    expect(boot.customer.email).to.equal(email);
    expect(boot.portal).to.include({ slug: 'main', name: 'Spa portal', primary: true });
    expect(html).to.contain('--brand:#7a1f5c');
    expect(html).to.not.match(/access_token|eyJ/); // no token ever reaches the browser
    const cookies = await browser.jar.getCookies(portalUrl(t.issuer));
    const session = cookies.find((c) => c.key === 'portico_portal')!;
    expect(session).to.include({ httpOnly: true, sameSite: 'lax', path: `/${t.org.slug}/portal` });
  });

  it("lets the portal's page load Stripe.js from Stripe and nothing else from elsewhere", async () => {
    const { browser } = await portalSignIn(s, t.issuer);
    const res = await browser.get(portalUrl(t.issuer));
    expect(res.status).to.equal(200);
    const csp = Object.fromEntries(
      res.headers
        .get('content-security-policy')!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );
    expect(csp['script-src']).to.equal("'self' https://js.stripe.com");
    expect(csp['frame-src']).to.equal("'self' https://js.stripe.com https://hooks.stripe.com");
    expect(csp['connect-src']).to.equal("'self' https://api.stripe.com");
    expect(csp['default-src']).to.equal("'self'");
    expect(csp['frame-ancestors']).to.equal("'none'");
  });

  it('lands a customer already signed in elsewhere in the organisation without a code', async () => {
    const app = await makeClient(s, t);
    const { browser, email } = await signIn(s, app);
    const sent = s.mailbox.to(email).length;
    const landed = await browser.follow(portalUrl(t.issuer), s.baseUrl);
    expect(landed.url).to.equal(portalUrl(t.issuer));
    expect(bootOf(await landed.res!.text()).customer.email).to.equal(email);
    expect(s.mailbox.to(email)).to.have.length(sent);
  });

  it('proxies the Client API for the session, refusing cross-site writes', async () => {
    const { browser } = await portalSignIn(s, t.issuer);
    const bff = `${portalUrl(t.issuer)}/bff/api`;
    const profile = await browser.request(`${bff}/profile`, { headers: { accept: 'application/json' } });
    expect(profile.status).to.equal(200);
    const forged = await browser.request(`${bff}/profile`, {
      method: 'PATCH',
      json: { givenName: 'Mallory' },
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.status).to.equal(403);
    const noHeader = await browser.request(`${bff}/profile`, { method: 'PATCH', json: { givenName: 'Mallory' } });
    expect(noHeader.status).to.equal(403);
    const ok = await browser.request(`${bff}/profile`, {
      method: 'PATCH',
      json: { givenName: 'Grace' },
      headers: { 'x-portico-csrf': '1', 'sec-fetch-site': 'same-origin' },
    });
    expect(ok.status).to.equal(200);
    expect((await json(ok)).givenName).to.equal('Grace');
    const anonymous = await new Browser().request(`${bff}/profile`, { headers: { accept: 'application/json' } });
    expect(anonymous.status).to.equal(401);
    // Dot segments cannot walk out of the Client API (e.g. to the Admin API) with the customer's token.
    for (const traversal of ['%2e%2e/%2e%2e/admin/v1/portals', '..%2F..%2Fadmin/v1/portals', '%2E%2E/x']) {
      const res = await browser.request(`${bff}/${traversal}`, { headers: { accept: 'application/json' } });
      expect(res.status, traversal).to.be.oneOf([400, 404]);
    }
  });

  it('refuses proxied paths a URL parser could resolve elsewhere: backslashes, dot segments, encoded dots and slashes', async () => {
    const { browser } = await portalSignIn(s, t.issuer);
    const bff = `/${t.org.slug}/portal/bff/api`;
    const cookie = await browser.jar.getCookieString(`${portalUrl(t.issuer)}/bff/api/`);
    // Sent as written: fetch and URL would resolve these before they left the test.
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(s.baseUrl);
        const req = request({ hostname, port, path, headers: { cookie, accept: 'application/json', 'x-forwarded-for': browser.ip } }, (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (d) => (body += d))
            .on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject).end();
      });
    expect((await raw(`${bff}/profile`)).status, 'a plain API path').to.equal(200);
    for (const path of [
      'profile\\..\\company',
      '..\\..\\.well-known\\openid-configuration',
      'profile\\company',
      '..%5c..%5c.well-known%5copenid-configuration',
      'profile%5C..%5Ccompany',
      '..%2f..%2fadmin%2fv1%2fportals',
      'profile%2F..%2Fcompany',
      '%2e%2e/%2e%2e/admin/v1/portals',
      '%2E./company',
      '.%2e/company',
      'profile/%2e',
      '../../admin/v1/portals',
      'profile/../company',
      './company',
      'profile/.',
      'profile%zz',
    ]) {
      const res = await raw(`${bff}/${path}`);
      expect(res.status, path).to.be.oneOf([400, 404]);
      expect(JSON.parse(res.body).error, path).to.be.a('string');
    }
  });

  it('signs out of the portal and of the identity provider', async () => {
    const { browser } = await portalSignIn(s, t.issuer);
    const out = await browser.request(`${portalUrl(t.issuer)}/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
    expect(out.status).to.equal(303);
    const endSession = new URL(out.headers.get('location')!);
    expect(endSession.href.startsWith(`${t.issuer}/session/end`)).to.equal(true);
    const confirm = await browser.follow(endSession, s.baseUrl);
    const html = await confirm.res!.text();
    expect(html).to.contain('Sign out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.post(new URL(formAction(html, '/session/end/confirm'), s.baseUrl), { xsrf, logout: 'yes' });
    const signedOut = await browser.follow(new URL(done.headers.get('location')!, s.baseUrl), s.baseUrl);
    expect(signedOut.url).to.equal(`${portalUrl(t.issuer)}/signed-out`);
    expect(await signedOut.res!.text()).to.contain('You have signed out');
    const again = await browser.follow(portalUrl(t.issuer), s.baseUrl);
    expect(await again.res!.text()).to.contain('name="email"'); // the sign-in page: no session left anywhere
  });

  it('sends a signed-out visitor to sign in and back to the page they asked for', async () => {
    const admin = await adminToken(s, t);
    await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'members', name: 'Members' });
    const { url, html } = await portalSignIn(s, t.issuer, { portal: 'members' });
    expect(url).to.equal(portalUrl(t.issuer, 'members'));
    expect(bootOf(html).portal).to.include({ slug: 'members', primary: false });
    const unknown = await (await portalSignIn(s, t.issuer)).browser.request(portalUrl(t.issuer, 'nope'));
    expect(unknown.status).to.equal(404);
  });

  it('refuses a callback without the sign-in it belongs to', async () => {
    const res = await new Browser().get(`${portalUrl(t.issuer)}/callback?code=abc&state=xyz`);
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal(`/${t.org.slug}/portal/login`);
    const open = await new Browser().get(`${portalUrl(t.issuer)}/login?return=https://evil.example/`);
    const sealed = open.headers.getSetCookie().join();
    expect(sealed).to.contain('portico_portal_login');
    expect(new URL(open.headers.get('location')!).origin).to.equal(new URL(t.issuer).origin);
  });
});
