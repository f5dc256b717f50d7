import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { adminToken, adminUrl, apiUrl, call } from '../support/api.ts';
import { expectAccessible, expectAttribute, expectText, launch, linkTexts, screenshots, skipWithoutChromium } from '../support/chromium.ts';
import { codeFrom } from '../support/mailbox.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalUrl } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Customer Portal in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let admin: string;
  let browser: Browser;
  let page: Page;
  const email = uniqueEmail('e2e');

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Day Spa' });
    admin = await adminToken(s, t);
    await call('POST', `${adminUrl(t)}/portals`, admin, {
      slug: 'main',
      name: 'Harbour portal',
      branding: { primaryColor: '#7a1f5c', accentColor: '#0b5c7a' },
    });
    await call('PUT', `${adminUrl(t)}/company`, admin, {
      address: '12 Quay Street\nFalmouth',
      email: 'hello@harbour.example',
      openingHours: 'Mon–Fri 9:00–20:00',
    });
    await call('PUT', `${adminUrl(t)}/policies/refund`, admin, { markdown: '# Refunds\n\nCancel **24 hours** ahead for a full refund.' });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in with the emailed code and shows the branded home page', async () => {
    await page.goto(portalUrl(t.issuer));
    await page.getByLabel('Email address').fill(email);
    const sentAfter = Date.now();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    const code = codeFrom(await s.mailbox.next(email, sentAfter));
    await page.getByLabel('Sign-in code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: `Welcome, ${email}` }).waitFor();
    expect(page.url()).to.equal(`${portalUrl(t.issuer)}`);
    const brand = await page.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()");
    expect(brand).to.equal('#7a1f5c');
    await expectAccessible(page, 'home');
    await screenshots(page, 'home');
  });

  it('edits the profile, and the change is live data', async () => {
    await page.getByRole('link', { name: 'Profile' }).first().click();
    await page.getByLabel('Given name').fill('Ada');
    await page.getByLabel('Family name').fill('Lovelace');
    await page.getByLabel('Phone number').fill('+44 7700 900123');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Profile saved' }).waitFor();
    await expectAccessible(page, 'profile');
    await screenshots(page, 'profile');
    const { body } = await call('GET', `${adminUrl(t)}/portals/main`, admin); // the admin side still answers
    expect(body.slug).to.equal('main');
    const token = await page.evaluate<string>('document.cookie'); // and the session cookie is invisible to scripts
    expect(token).to.not.contain('portico_portal');
    await page.getByLabel('Phone number').fill('12');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expectAttribute(page.getByLabel('Phone number'), 'aria-invalid', 'true');
  });

  it('reads company information and a policy', async () => {
    await page.getByRole('link', { name: 'Company and policies' }).first().click();
    await page.getByText('Mon–Fri 9:00–20:00').waitFor();
    await page.getByRole('link', { name: 'Refund policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Refund policy' }).waitFor();
    await expectText(page.locator('article strong'), /^24 hours$/); // the policy arrives after its heading
    await expectAccessible(page, 'policy');
    await page.getByRole('link', { name: 'Company and policies' }).first().click();
    await page.getByText('Mon–Fri 9:00–20:00').waitFor();
    await screenshots(page, 'company');
  });

  it('shows sections hidden, disabled and reordered by the Admin API after a reload', async () => {
    /** Waits for the navigation to show these sections, in this order (a section hidden while empty comes with its data). */
    const expectNav = (labels: string[]) => linkTexts(page.getByRole('navigation').first(), (x) => x.join() === labels.join(), labels.join(', '));
    await expectNav(['Home', 'Book', 'Upcoming bookings', 'Payment methods', 'Profile', 'Company and policies']);
    const { body } = await call('GET', `${adminUrl(t)}/portals/main`, admin);
    const order = [
      'company',
      'profile',
      'home',
      ...body.sections.map((x: { key: string }) => x.key).filter((k: string) => !['company', 'profile', 'home'].includes(k)),
    ];
    const states = new Map(body.sections.map((x: { key: string; state: string }) => [x.key, x.state]));
    const put = await call('PUT', `${adminUrl(t)}/portals/main/sections`, admin, { sections: order.map((key) => ({ key, state: states.get(key) })) });
    expect(put.status).to.equal(200);
    await page.reload();
    await expectNav(['Company and policies', 'Profile', 'Home', 'Book', 'Upcoming bookings', 'Payment methods']);
    await call('PATCH', `${adminUrl(t)}/portals/main/sections/profile`, admin, { state: 'disabled' });
    await call('PUT', `${adminUrl(t)}/company`, admin, { address: null, email: null, openingHours: null });
    await call('PUT', `${adminUrl(t)}/policies/refund`, admin, { markdown: '' }); // company is now empty: hidden
    await page.reload();
    await expectNav(['Home', 'Book', 'Upcoming bookings', 'Payment methods']); // once the hidden-when-empty section's data has arrived
    const profile = await call('GET', `${apiUrl(t)}/company`, admin);
    expect(profile.status).to.equal(401); // an Admin API token is no Client API token
  });

  it('signs out of the portal and the identity provider', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
    await expectAccessible(page, 'signed out');
    await page.goto(portalUrl(t.issuer));
    await page.getByLabel('Email address').waitFor(); // no session left: the sign-in page
  });
});
