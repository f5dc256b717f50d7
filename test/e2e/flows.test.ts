// A Customer Flow in headless Chromium: branded like its portal, each step accessible (axe) and fitting a phone,
// screenshots at three widths; signed in to the portal, the customer passes the sign-in step without a code, and
// back in the portal sees the booking and the answers they sent with it, and forms they send later, live.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import { expectAccessible, expectFits, expectText, launch, screenshots, skipWithoutChromium, WIDTHS } from '../support/chromium.ts';
import { flowUrl } from '../support/flows.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalUrl, signInInPage } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Customer Flows in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let browser: Browser;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Day Spa' });
    const admin = await adminToken(s, t);
    const { massage } = await seedCatalogue(t, admin);
    await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'main', name: 'Harbour portal', branding: { primaryColor: '#7a1f5c' } });
    const steps = [
      { kind: 'service', serviceIds: [massage.id] },
      { kind: 'time', days: 7 },
      { kind: 'sign-in' },
      {
        kind: 'questions',
        title: 'About you',
        questions: [
          { id: 'injuries', label: 'Any injuries we should know of?', type: 'text', required: true },
          { id: 'pressure', label: 'Pressure', type: 'choice', options: ['Light', 'Medium', 'Firm'], required: true },
          { id: 'areas', label: 'Areas to focus on', type: 'checkbox', options: ['Back', 'Neck'] },
          { id: 'born', label: 'Date of birth', type: 'date' },
        ],
      },
      { kind: 'consent', title: 'Waiver', text: 'Massage is at your own risk. Tell your therapist of any change in your health.' },
      { kind: 'confirmation' },
    ];
    expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'first-massage', title: 'Book a first massage', steps })).status).to.equal(201);
    expect((await call('POST', `${adminUrl(t)}/flows/first-massage/versions`, admin)).status).to.equal(201);
    const goals = [
      { kind: 'sign-in' },
      { kind: 'questions', title: 'Your goals', questions: [{ id: 'goal', label: 'What would you like to change?', type: 'text' }] },
      { kind: 'confirmation' },
    ];
    expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'goals', title: 'Goals', steps: goals })).status).to.equal(201);
    expect((await call('POST', `${adminUrl(t)}/flows/goals/versions`, admin)).status).to.equal(201);
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: WIDTHS.desktop, height: 900 } })).newPage();
    await signInInPage(page, s, t.issuer, uniqueEmail('flow'));
  });

  after(async () => {
    await browser?.close();
  });

  /** Every step is checked the same way: axe, no sideways scrolling on a phone, screenshots at three widths. */
  async function check(name: string) {
    await expectAccessible(page, name);
    await expectFits(page, WIDTHS.phone, name);
    await screenshots(page, `flow-${name}`);
  }

  it('goes from service to booking, every step accessible and branded like the portal', async () => {
    await page.goto(flowUrl(t.issuer, 'first-massage'));
    await page.getByRole('heading', { level: 1, name: 'Choose a service' }).waitFor();
    const brand = await page.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()");
    expect(brand).to.equal('#7a1f5c');
    await check('service');
    await page.getByRole('radio', { name: /Deep tissue massage/ }).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await check('time');
    await page.getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await check('sign-in');
    await page.getByRole('button', { name: 'Sign in to continue' }).click();
    // The portal's sign-in stands: no code, straight on to the questions.
    await page.getByRole('heading', { level: 1, name: 'About you' }).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await check('questions-errors');
    await page.getByLabel('Any injuries we should know of?').fill('None');
    await page.getByRole('radio', { name: 'Medium' }).check();
    await page.getByRole('checkbox', { name: 'Back' }).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { level: 1, name: 'Waiver' }).waitFor();
    await check('consent');
    await page.getByRole('checkbox', { name: 'I have read this and agree' }).check();
    await page.getByLabel('Type your full name to sign').fill('Alex Example');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { level: 1, name: 'Confirm' }).waitFor();
    await check('confirmation');
    await page.getByRole('button', { name: 'Confirm and book' }).click();
    await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    expect(await page.getByRole('status').innerText()).to.match(/Your booking is confirmed \(reference bk_/);
    await check('done');
  });

  it('shows the booking and the answers in the portal, and a form sent later appears there live', async () => {
    await page.goto(`${portalUrl(t.issuer)}#/upcoming`); // the same browser: signed in, no code
    await page.getByRole('heading', { level: 1, name: 'Upcoming bookings' }).waitFor();
    const booking = page.locator('li.booking', { hasText: 'Deep tissue massage' });
    await booking.getByText('Your answers').click();
    await expectText(booking, 'Any injuries we should know of?', 'None', 'Medium', 'Back', 'Signed by Alex Example');
    await expectAccessible(page, 'portal upcoming with answers');
    await screenshots(page, 'flow-portal-answers');

    await page.goto(`${portalUrl(t.issuer)}#/profile`);
    const forms = page.getByTestId('your-forms');
    await expectText(forms, 'Your forms', 'Book a first massage', 'Pressure', 'Medium', 'Signed by Alex Example');
    await expectAccessible(page, 'portal profile with forms');

    // Another tab of the same browser sends a second form: the open Profile page shows it without a reload.
    await page.evaluate('window.stillTheSamePage = true');
    const other = await page.context().newPage();
    await other.goto(flowUrl(t.issuer, 'goals'));
    // The flows app signed them in during the first flow: its sign-in step is passed.
    await other.getByRole('heading', { level: 1, name: 'Your goals' }).waitFor();
    await other.getByLabel('What would you like to change?').fill('Sleep better');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('button', { name: 'Send' }).click();
    await other.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    await other.close();
    await expectText(forms, 'Goals', 'What would you like to change?', 'Sleep better');
    expect(await page.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    await expectAccessible(page, 'portal profile with a form sent live');
    await screenshots(page, 'flow-portal-forms');
  });
});
