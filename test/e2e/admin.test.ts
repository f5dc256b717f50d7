import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { addDays, today } from '../../portal/api/availability/zoned.ts';
import { adminUrl, apiUrl, call, customerToken, ownedOrg } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import {
  eventually,
  expectAttribute,
  expectText,
  skipWithoutChromium,
  launch,
  linkTexts,
  screenshots,
  seriousViolations,
  signInWithCode,
  until,
} from '../support/chromium.ts';
import { makeClient, relyingParty, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalUrl } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Admin console in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let api: string;
  let browser: Browser;
  let page: Page;
  let thirdParty: Server; // the third-party app's own site, on loopback (http is allowed there)
  let THIRD_PARTY_CALLBACK: string;
  const owner = uniqueEmail('owner');
  const consoleUrl = () => `${t.issuer}/admin`;

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    ({ t, api } = await ownedOrg(s, owner));
    await call('POST', `${adminUrl(t)}/portals`, api, { slug: 'main', name: 'Harbour portal' });
    await call('PUT', `${adminUrl(t)}/company`, api, { address: '12 Quay Street' });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    thirdParty = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Class Finder</title><h1>Back at Class Finder</h1>'),
    );
    await new Promise<void>((resolve) => thirdParty.listen(0, '127.0.0.1', resolve));
    THIRD_PARTY_CALLBACK = `http://127.0.0.1:${(thirdParty.address() as AddressInfo).port}/callback`;
  });

  after(async () => {
    await browser?.close();
    thirdParty?.close();
  });

  async function expectAccessible(name: string) {
    const violations = await seriousViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations)}`).to.deep.equal([]);
  }

  const sectionOrder = async () =>
    (await call('GET', `${adminUrl(t)}/portals/main`, api)).body.sections.map((x: { key: string }) => x.key) as string[];

  it('signs staff in with the emailed code', async () => {
    await page.goto(consoleUrl());
    await signInWithCode(page, s.mailbox, owner);
    await page.getByRole('link', { name: 'Apps' }).first().waitFor();
    await page.getByText(owner).first().waitFor(); // who is signed in
    await expectAccessible('apps');
  });

  it('registers an app; its secret is shown once and it works with openid-client', async () => {
    await page
      .getByRole('link', { name: 'Register an app' })
      .or(page.getByRole('button', { name: 'Register an app' }))
      .first()
      .click();
    await page.getByLabel('Name', { exact: true }).fill('Class Finder');
    await page.getByLabel('Redirect URIs', { exact: true }).fill(`${THIRD_PARTY_CALLBACK}\nhttp://shop.example.com/cb`);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('alert').filter({ hasText: 'https' }).first().waitFor(); // the plain-http URI is refused
    await page.getByLabel('Redirect URIs', { exact: true }).fill(THIRD_PARTY_CALLBACK);
    await page.getByLabel('Privacy policy URL').fill('https://finder.example.com/privacy');
    await page.getByRole('checkbox', { name: 'email', exact: true }).check();
    await page.getByRole('button', { name: 'Register' }).click();
    const secret = (await expectText(page.getByTestId('client-secret'), /\S{16}/)).trim();
    await screenshots(page, 'admin-app-registered');
    const apps = (await call('GET', `${adminUrl(t)}/clients`, api)).body.items;
    const app = apps.find((a: { name: string }) => a.name === 'Class Finder');
    expect(app.redirectUris).to.deep.equal([THIRD_PARTY_CALLBACK]);
    expect(app.firstParty).to.equal(false);
    expect(app.scopes).to.include.members(['openid', 'email']);
    expect(JSON.stringify(apps)).to.not.contain(secret);
    // The secret authenticates the app at the token endpoint (a wrong one would be invalid_client).
    const rp = await relyingParty(t.issuer, app.clientId, secret);
    await oidc.refreshTokenGrant(rp, 'not-a-refresh-token').then(
      () => expect.fail('a made-up refresh token worked'),
      (err: oidc.ResponseBodyError) => expect(err.error).to.equal('invalid_grant'),
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Class Finder' }).first().waitFor();
    expect(await page.getByTestId('client-secret').count()).to.equal(0);
  });

  it('registers a single-page app with the websites it runs on (web origins)', async () => {
    await page.getByRole('link', { name: 'Apps' }).first().click();
    await page
      .getByRole('link', { name: 'Register an app' })
      .or(page.getByRole('button', { name: 'Register an app' }))
      .first()
      .click();
    await page.getByLabel('Name', { exact: true }).fill('Harbour website');
    await page.getByLabel('Type').selectOption('public');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://www.harbour.example/');
    await page.getByLabel('Web origins').fill('https://www.harbour.example/');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('alert').filter({ hasText: 'no path' }).first().waitFor(); // an origin has no path, not even /
    await expectAttribute(page.getByLabel('Web origins'), 'aria-invalid', 'true');
    await page.getByLabel('Web origins').fill('https://www.harbour.example\nhttps://shop.harbour.example');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Harbour website' }).first().waitFor();
    const apps = (await call('GET', `${adminUrl(t)}/clients`, api)).body.items;
    const app = apps.find((a: { name: string }) => a.name === 'Harbour website');
    expect(app.kind).to.equal('public');
    expect(app.webOrigins).to.deep.equal(['https://www.harbour.example', 'https://shop.harbour.example']);
    await expectAccessible('app with web origins');
  });

  it('reorders sections by drag and drop and by keyboard; the customer portal shows the new order', async () => {
    await page.getByRole('link', { name: 'Portals' }).first().click();
    await page.getByRole('link', { name: 'Harbour portal' }).click();
    const list = page.getByTestId('sections');
    await list.locator('li[data-key="company"]').dragTo(list.locator('li[data-key="home"]'));
    await page.getByRole('status').filter({ hasText: 'Saved' }).first().waitFor();
    expect((await sectionOrder()).slice(0, 2)).to.deep.equal(['company', 'home']);

    const profileLabel = (await list.locator('li[data-key="profile"]').getByRole('combobox').getAttribute('aria-label')) ?? 'State of Profile';
    const label = profileLabel.replace(/^State of /, '');
    const up = page.getByRole('button', { name: `Move ${label} up`, exact: true });
    // One step at a time, each saved before the next: a 'Saved' already on screen says nothing of the latest move.
    for (let at = (await sectionOrder()).indexOf('profile'); at > 0; at--) {
      await up.click();
      await eventually(sectionOrder, (order) => order.indexOf('profile') === at - 1, `Profile moved to ${at - 1}`);
      await until(page, '!document.body.innerText.includes("Saving…")');
    }
    expect((await sectionOrder()).slice(0, 3)).to.deep.equal(['profile', 'company', 'home']);
    await until(page, `(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').includes('Move')`); // focus follows the moved row

    await page.getByLabel('State of Company and policies', { exact: true }).selectOption('hidden_when_empty');
    const companyState = async () =>
      (await call('GET', `${adminUrl(t)}/portals/main`, api)).body.sections.find((x: { key: string }) => x.key === 'company').state as string;
    await eventually(companyState, (state) => state === 'hidden_when_empty', 'Company and policies saved as hidden when empty'); // 'Saved' is already on screen
    await until(page, '!document.body.innerText.includes("Saving…")');
    await expectAccessible('portal editor');
    await screenshots(page, 'admin-portal-editor');

    // Single sign-on: the staff member is a customer too, and lands in the portal without another code.
    const portal = await page.context().newPage();
    await portal.goto(portalUrl(t.issuer));
    const order = ['Profile', 'Company and policies', 'Home', 'Book', 'Upcoming bookings', 'Payment methods'];
    await linkTexts(portal.getByRole('navigation').first(), (x) => x.join() === order.join(), order.join(', '));
    await portal.close();
  });

  it('previews unsaved branding live in the real portal', async () => {
    await page.getByLabel('Primary colour', { exact: true }).fill('#225522');
    const preview = page.frameLocator('iframe[title="Portal preview"]');
    await preview.locator('nav').first().waitFor();
    await until(
      page,
      "getComputedStyle(document.querySelector('iframe[title=\"Portal preview\"]').contentDocument.documentElement).getPropertyValue('--brand').trim() === '#225522'",
    );
    expect((await call('GET', `${adminUrl(t)}/portals/main`, api)).body.branding.primaryColor).to.not.equal('#225522'); // not saved
  });

  it('shows a third-party consent once, and the customer can revoke it in the portal', async () => {
    const app = (await call('GET', `${adminUrl(t)}/clients`, api)).body.items.find((a: { name: string }) => a.name === 'Class Finder');
    const rp = await relyingParty(t.issuer, app.clientId, 'unused');
    const authorize = async () =>
      oidc.buildAuthorizationUrl(rp, {
        redirect_uri: THIRD_PARTY_CALLBACK,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href;
    await page.goto(await authorize());
    await page.getByRole('heading', { name: 'Allow Class Finder?' }).waitFor();
    await expectAccessible('consent');
    await screenshots(page, 'consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Back at Class Finder' }).waitFor();
    await page.goto(await authorize()); // remembered: straight back to the app
    await page.getByRole('heading', { name: 'Back at Class Finder' }).waitFor();

    await page.goto(`${portalUrl(t.issuer)}#/profile`);
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    await page.getByRole('button', { name: 'Remove access for Class Finder' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Access removed for Class Finder.' }).waitFor();
    await page.getByText('No apps are connected to your account.').waitFor();

    await page.goto(await authorize()); // asked again
    await page.getByRole('heading', { name: 'Allow Class Finder?' }).waitFor();
  });

  it('lists every change in the audit log', async () => {
    await page.goto(`${consoleUrl()}#/audit`);
    await page.getByText('client.create').first().waitFor();
    await expectText(page.locator('main'), 'client.create', 'portal.sections', owner);
    await expectAccessible('audit log');
  });
  it("shows a customer's booking live on the Bookings page; the owner cancels it there", async () => {
    const { massage } = await seedCatalogue(t, api);
    const customer = await customerToken(s, await makeClient(s, t), { scope: 'bookings bookings:write' });
    await page.goto(consoleUrl());
    await page.getByRole('navigation').getByRole('link', { name: 'Bookings', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Bookings' }).waitFor();
    await page.getByText('No bookings.').first().waitFor(); // the week is shown, still empty
    await until(page, `document.querySelector('[data-testid=live]')?.dataset.state === 'live'`);
    await page.evaluate('window.stillTheSamePage = true'); // gone after a reload

    // The customer books the week's last time (the page shows today and the six days after, in the location's zone).
    const from = today(Date.now(), 'Europe/London');
    const week = await call('GET', `${apiUrl(t)}/availability?service=${massage.id}&from=${from}&to=${addDays(from, 6)}`, customer.token);
    expect(week.status).to.equal(200);
    const slot = week.body.days.flatMap((d: { slots: { start: string }[] }) => d.slots).at(-1);
    const made = await call('POST', `${apiUrl(t)}/bookings`, customer.token, { serviceId: massage.id, start: slot.start });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const id: string = made.body.id;

    await until(page, `!!document.getElementById('booking-${id}')`);
    expect(await page.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    const row = page.locator(`[id="booking-${id}"]`);
    await expectText(row, 'Deep tissue massage', customer.email);
    const live = page.getByTestId('live');
    await expectAttribute(live, 'data-state', 'live');
    await expectText(live, /Live\s*$/);
    await expectAccessible('bookings');
    await screenshots(page, 'admin-bookings');

    await page.locator(`[id="cancel-${id}"]`).click();
    await page.getByRole('button', { name: 'Yes, cancel booking' }).click();
    await page.getByRole('status').filter({ hasText: 'Booking cancelled:' }).first().waitFor();
    await until(page, `document.getElementById('booking-${id}')?.dataset.status === 'cancelled'`);
    const after = await call('GET', `${apiUrl(t)}/bookings/${id}`, customer.token);
    expect(after.status).to.equal(200);
    expect(after.body.status).to.equal('cancelled');

    await page.getByRole('navigation').getByRole('link', { name: 'Catalogue', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Catalogue' }).waitFor();
    await page.getByRole('cell', { name: 'Europe/London' }).waitFor();
    await expectAccessible('catalogue');
    await screenshots(page, 'admin-catalogue');
  });
});
