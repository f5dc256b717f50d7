// The DOM package on a business's own website, another origin (127.0.0.2), in Chromium: a customer signed in to the
// portal signs in there by popup with no code, sees their name, and signing out there signs them out of the portal.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { buildDom } from '../../scripts/build-apps.ts';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { eventually, expectAccessible, expectText, launch, skipWithoutChromium } from '../support/chromium.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalUrl, signInInPage } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';

/** The business's page: the script-tag build, init(), and the three widgets. */
const page = (issuer: string, clientId: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour Day Spa</title>
<script src="/portico.iife.js"></script>
<script>
  Portico.init({ issuer: ${JSON.stringify(issuer)}, clientId: ${JSON.stringify(clientId)} });
  window.changes = [];
  Portico.onChange((user) => changes.push(user && user.email));
</script>
</head><body><main><h1>Harbour Day Spa</h1>
<portico-account></portico-account>
<portico-sign-in></portico-sign-in>
<portico-flow flow="first-visit">Book your first visit</portico-flow>
</main></body></html>`;

/** A tiny static website on 127.0.0.2: a second origin, and another site than the issuer's 127.0.0.1. */
async function website(html: () => string, script: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html());
    else if (path === '/portico.iife.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return server;
}

describe('DOM package on a business website in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let browser: Browser;
  let tab: Page;
  let site: Server;
  let origin: string;
  let clientId = '';
  const email = uniqueEmail('dom');

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s);
    const script = await readFile((await buildDom()).iife, 'utf8');
    site = await website(() => page(t.issuer, clientId), script);
    origin = `http://127.0.0.2:${(site.address() as AddressInfo).port}`;
    // The organisation's own website: a first-party public app (no consent screen), registered by the owner.
    const owner = await adminToken(s, t, 'owner');
    await call('POST', `${adminUrl(t)}/portals`, owner, { slug: 'main', name: 'Harbour portal', branding: { primaryColor: '#7a1f5c' } });
    const created = await call('POST', `${adminUrl(t)}/clients`, owner, {
      name: 'Harbour website',
      kind: 'public',
      firstParty: true,
      redirectUris: [`${origin}/`],
      postLogoutRedirectUris: [`${origin}/`],
      webOrigins: [origin],
      scopes: ['openid', 'email', 'profile'],
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    clientId = created.body.clientId;
    browser = await launch();
    tab = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    site?.close();
  });

  it('signs in by popup with the portal’s session (no code), shows the customer, keeps tokens out of storage', async () => {
    await signInInPage(tab, s, t.issuer, email);
    const mailsBefore = s.mailbox.to(email).length;
    await tab.goto(`${origin}/`);
    const signIn = tab.getByRole('button', { name: 'Sign in' });
    await expectText(tab.locator('portico-flow'), 'Book your first visit');
    expect(await tab.getByRole('link', { name: 'Book your first visit' }).getAttribute('href')).to.equal(`${t.issuer}/flows/first-visit`);
    await expectAccessible(tab, 'business page, signed out');

    // Every request of the tab and its popup: the identity provider's sign-in pages must not be among them.
    const visited: string[] = [];
    tab.context().on('request', (r) => visited.push(r.url()));
    const popupOpened = tab.waitForEvent('popup');
    await signIn.click();
    const popup = await popupOpened;
    await expectText(tab.locator('portico-account [part=name]'), email); // the customer has no name yet: their email
    await eventually(async () => popup.isClosed(), Boolean, 'the popup to close');
    expect(
      visited.filter((u) => u.includes('/interaction/')),
      'no sign-in page in the popup',
    ).to.deep.equal([]);
    expect(s.mailbox.to(email).length, 'no code mailed').to.equal(mailsBefore);

    expect(await tab.getByRole('link', { name: 'Your account' }).getAttribute('href')).to.equal(portalUrl(t.issuer));
    expect(await tab.evaluate<string>('Portico.user().email')).to.equal(email);
    expect(await tab.evaluate<unknown>('changes')).to.deep.equal([email]);
    const stored = await tab.evaluate<string>('JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie])');
    expect(stored).to.not.match(/eyJ/); // no JWT (ID or access token) and no refresh token anywhere but memory
    expect(stored).to.equal('[{},{},""]');
    // The branding stylesheet of the portal reaches the widgets through CSS custom properties.
    await eventually(
      () => tab.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--portico-brand').trim()"),
      (v) => v === '#7a1f5c',
      'the portal’s brand colour',
    );
    const button = await tab.evaluate<string>(
      "getComputedStyle(document.querySelector('portico-sign-in').shadowRoot.querySelector('button')).backgroundColor",
    );
    expect(button).to.equal('rgb(122, 31, 92)');
    await expectAccessible(tab, 'business page, signed in');
  });

  it('signs out everywhere: the identity provider’s session and, by back-channel logout, the portal’s', async () => {
    const portalStatus = async () => (await tab.context().request.get(portalUrl(t.issuer), { maxRedirects: 0 })).status();
    expect(await portalStatus(), 'the portal is signed in before').to.equal(200);
    const popupOpened = tab.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Sign out' }).click();
    const popup = await popupOpened;
    await popup.getByRole('button', { name: 'Yes, sign me out' }).click();
    await eventually(async () => popup.isClosed(), Boolean, 'the popup to close');
    await tab.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await tab.locator('portico-account').isHidden()).to.equal(true);
    expect(await tab.evaluate<unknown>('Portico.user()')).to.equal(null);

    // The portal's next request, with this browser's cookies, is sent to sign in.
    await eventually(portalStatus, (status) => status === 302, 'the portal to be signed out');
    await tab.goto(portalUrl(t.issuer));
    await tab.getByLabel('Email address').waitFor();
  });

  it('renews silently while the identity provider’s session lives, and notices when it ends elsewhere', async () => {
    await signInInPage(tab, s, t.issuer, email);
    await tab.goto(`${origin}/`);
    const popupOpened = tab.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await popupOpened;
    await tab.getByRole('button', { name: 'Sign out' }).waitFor();

    // A customer coming back to the tab: the tokens are renewed (refresh token, no window), and they stay signed in.
    const renewal = () => tab.waitForResponse((r) => r.url() === `${t.issuer}/token` && r.request().method() === 'POST');
    const renewed = renewal();
    await tab.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    expect((await renewed).status()).to.equal(200);
    expect(await tab.evaluate<string>('Portico.user().email')).to.equal(email);
    expect(await tab.evaluate<unknown>('changes'), 'a renewal is no change').to.deep.equal([email]);

    // Signed out in the portal, in another tab: the website's next renewal finds the session ended.
    const portal = await tab.context().newPage();
    await portal.goto(portalUrl(t.issuer));
    await portal.getByRole('button', { name: 'Sign out' }).click();
    await portal.getByRole('button', { name: 'Yes, sign me out' }).click();
    await portal
      .getByLabel('Email address')
      .or(portal.getByText('signed out', { exact: false }))
      .first()
      .waitFor();
    const refused = renewal();
    await tab.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    expect((await refused).status()).to.equal(400);
    await tab.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await tab.evaluate<unknown>('Portico.user()')).to.equal(null);
    expect(await tab.evaluate<unknown>('changes')).to.deep.equal([email, null]);
  });

  it('falls back to a full-page redirect when the popup is blocked, and takes the answer off the address', async () => {
    const another = uniqueEmail('dom'); // a new customer: the first has had their codes for now
    await signInInPage(tab, s, t.issuer, another);
    await tab.goto(`${origin}/?from=menu`);
    await tab.evaluate('window.open = () => null'); // as a popup blocker answers
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expectText(tab.locator('portico-account [part=name]'), another);
    expect(tab.url()).to.equal(`${origin}/?from=menu`);
    expect(await tab.evaluate<string>('JSON.stringify([{ ...localStorage }, { ...sessionStorage }])')).to.equal('[{},{}]');
  });
});
