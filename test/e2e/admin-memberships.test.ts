// The admin console's membership pages in headless Chromium, against the real stack and stripe-mock: an owner
// creates a plan with an entitlement in the editor (the API's 422 shown beside the field first) and a class pack,
// enrols a customer who has a saved card, finds them in Members by status, and cancels with an override and a
// reason: the preview says "now", another tab sees the status change live, and the audit log keeps the reason.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminUrl, apiUrl, call, customerToken, ownedOrg } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import {
  expectAccessible,
  expectAttribute,
  expectFits,
  expectText,
  launch,
  screenshots,
  signInWithCode,
  skipWithoutChromium,
  until,
} from '../support/chromium.ts';
import { makeClient, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cardSaved, connectStripe } from '../support/stripe.ts';

describe('Admin console membership pages in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let api: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let yoga: { id: string };
  const owner = uniqueEmail('owner');
  const consoleUrl = () => `${t.issuer}/admin`;

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    ({ t, api } = await ownedOrg(s, owner));
    await connectStripe(t, api, { currency: 'GBP' });
    ({ yoga } = await seedCatalogue(t, api));
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
  });

  const nav = async (name: string) => {
    await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };
  const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text }).first().waitFor();
  const live = (p: Page) => until(p, `document.querySelector('[data-testid=live]')?.dataset.state === 'live'`);

  it('signs the owner in', async () => {
    await page.goto(consoleUrl());
    await signInWithCode(page, s.mailbox, owner);
    await page.getByRole('link', { name: 'Apps' }).first().waitFor();
  });

  let planId = '';

  it('creates a plan with an entitlement in the editor, the API’s 422 beside the field it is about', async () => {
    await nav('Plans');
    await page.getByText('No plans yet.').waitFor();
    await page.getByRole('link', { name: 'New plan' }).click();
    await page.getByRole('heading', { level: 1, name: 'New plan' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Studio monthly');
    await page.getByLabel('Price (GBP)').fill('49');
    await page.getByLabel('Perks').fill('Free towel\nMat storage');
    await page.getByRole('button', { name: 'Add entitlement' }).click();
    const first = page.getByRole('group', { name: 'Entitlement 1' });
    await until(page, `document.activeElement?.id === 'pl-entitlements.0.name'`); // the new row's first field
    await first.getByLabel('Name', { exact: true }).fill('Classes');
    await first.getByLabel('Credits each period').fill('8');
    await first.getByRole('radio', { name: 'They cannot book' }).check();

    // No services chosen: the API refuses, and says so beside the services of entitlement 1.
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.locator('[id="pl-entitlements.0.serviceIds-err"]').waitFor();
    await page
      .getByRole('alert')
      .getByRole('link', { name: /^Entitlement 1, services it covers:/ })
      .waitFor();
    await expectAccessible(page, 'plan editor with an error');

    await first.getByRole('checkbox', { name: 'Sunrise yoga' }).check();
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.getByRole('heading', { level: 1, name: 'Studio monthly' }).waitFor();
    await status('Studio monthly was created.');
    planId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const plan = (await call('GET', `${adminUrl(t)}/plans/${planId}`, api)).body;
    expect(plan).to.deep.include({ name: 'Studio monthly', interval: 'month', perks: ['Free towel', 'Mat storage'], active: true });
    expect(plan.price).to.deep.equal({ amount: 4900, currency: 'GBP' });
    expect(plan.entitlements).to.have.length(1);
    expect(plan.entitlements[0]).to.deep.include({ name: 'Classes', serviceIds: [yoga.id], unlimited: false, credits: 8, whenOut: 'refuse' });

    // Read back as saved: the same editor, nothing left to save.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await status('No changes to save');
    await expectAccessible(page, 'plan editor');
    await expectFits(page, 390, 'plan editor');
    await screenshots(page, 'admin-plan');

    await page.getByRole('link', { name: '← Plans' }).click();
    await page
      .getByRole('row', { name: /Studio monthly/ })
      .filter({ hasText: '£49.00 a month' })
      .filter({ hasText: 'Classes: 8 credits' })
      .waitFor();
  });

  it('creates a class pack', async () => {
    await nav('Class packs');
    await page.getByRole('link', { name: 'New class pack' }).click();
    await page.getByRole('heading', { level: 1, name: 'New class pack' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Ten classes');
    await page.getByLabel('Price (GBP)').fill('100');
    await page.getByLabel('Credits', { exact: true }).fill('10');
    await page.getByRole('checkbox', { name: 'Sunrise yoga' }).check();
    await page.getByRole('button', { name: 'Create class pack' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ten classes' }).waitFor();
    const packs = (await call('GET', `${adminUrl(t)}/packs`, api)).body.items;
    expect(packs).to.have.length(1);
    expect(packs[0]).to.deep.include({ name: 'Ten classes', credits: 10, serviceIds: [yoga.id], expiresInDays: 90 });
    expect(packs[0].price).to.deep.equal({ amount: 10000, currency: 'GBP' });
    await expectAccessible(page, 'class pack editor');
  });

  let customer = { id: '', email: '' };
  let membershipId = '';

  it('enrols a customer with a saved card, and finds them in Members by status', async () => {
    const c = await customerToken(s, await makeClient(s, t), { scope: 'payments payments:write' });
    customer = { id: c.tokens.claims()!.sub, email: c.email };
    expect((await call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token)).status).to.equal(201);
    expect((await cardSaved(t, customer.id)).status).to.equal(200);

    await nav('Members');
    await page.getByText('No memberships yet.').waitFor();
    await page.getByLabel('Customer', { exact: true }).fill(customer.email);
    await page.getByLabel('Plan', { exact: true }).selectOption({ label: 'Studio monthly · £49.00 a month' });
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.getByRole('heading', { level: 1, name: `${customer.email}: Studio monthly` }).waitFor();
    await status(`Enrolled: ${customer.email}, Studio monthly`);
    membershipId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const m = (await call('GET', `${adminUrl(t)}/memberships/${membershipId}`, api)).body;
    expect(m.customer.id).to.equal(customer.id);
    expect(m.plan.id).to.equal(planId);
    await expectText(page.getByTestId('status-text'), m.statusText); // the API's own words
    await expectAccessible(page, 'member');
    await expectFits(page, 390, 'member');
    await screenshots(page, 'admin-member');

    await page.getByRole('link', { name: '← All members' }).click();
    await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
    const row = page.locator(`[id="member-${membershipId}"]`);
    await expectText(row, customer.email, 'Studio monthly');
    // Shown under its own status, and not under another.
    const shown = await page.locator('#members-status option').allInnerTexts();
    expect(shown).to.include.members(['All', 'Trialing', 'Active', 'Past due', 'Frozen', 'Cancelling', 'Ended']);
    const label = (await row.locator('.badge').innerText()).trim();
    await page.getByLabel('Show').selectOption({ label });
    await until(page, `document.querySelectorAll('table.members tbody tr').length === 1`);
    await expectAttribute(row, 'data-status', m.status);
    await page.getByLabel('Show').selectOption({ label: 'Frozen' });
    await page.getByText('No memberships are frozen.').waitFor();
    await page.getByLabel('Show').selectOption({ label: 'All' });
    await row.waitFor();
    await expectAccessible(page, 'members');
    await expectFits(page, 390, 'members');
    await screenshots(page, 'admin-members');
  });

  it('previews a freeze the plan allows only with an override, and a plan change', async () => {
    const plan = (name: string, amount: number, interval: string) =>
      call('POST', `${adminUrl(t)}/plans`, api, {
        name,
        price: { amount, currency: 'GBP' },
        interval,
        entitlements: [{ name: 'Classes', serviceIds: [yoga.id], unlimited: true }],
      });
    for (const made of [await plan('Studio premium', 7900, 'month'), await plan('Studio yearly', 49000, 'year')])
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
    await page.goto(`${consoleUrl()}#/members/${membershipId}`);
    await page.getByRole('heading', { level: 1, name: `${customer.email}: Studio monthly` }).waitFor();

    const freeze = page.getByRole('region', { name: 'Freeze' });
    await freeze.getByText('The plan does not allow freezing.').waitFor();
    await freeze.getByRole('button', { name: 'Freeze' }).click();
    await freeze.getByRole('button', { name: 'Preview' }).click();
    await freeze.getByRole('alert').filter({ hasText: 'does not allow freezing' }).waitFor(); // the API's 409, in its words
    expect(await page.getByTestId('freeze-preview').count()).to.equal(0);
    // Staff may override it, saying why: the preview then shows the 14 days from today.
    await freeze.getByLabel('Override the plan’s terms').check();
    await freeze.getByLabel('Reason for the override').fill('Broken ankle: doctor’s note seen');
    await freeze.getByRole('button', { name: 'Preview' }).click();
    await expectText(page.getByTestId('freeze-preview'), 'Frozen', '(14 days)', 'Charges skipped');
    await freeze.getByRole('button', { name: 'Close' }).click();
    await freeze.getByRole('button', { name: 'Freeze' }).waitFor(); // closed, nothing confirmed
    expect((await call('GET', `${adminUrl(t)}/memberships/${membershipId}`, api)).body.freezes).to.deep.equal([]);

    const change = page.getByRole('region', { name: 'Change plan' });
    await change.getByRole('button', { name: 'Change plan' }).click();
    // Only a plan billed as often, in the same currency, can be chosen: the yearly one is not offered.
    await until(page, `document.querySelectorAll('#change-planId option').length === 2`);
    expect(await change.getByLabel('New plan').locator('option').allInnerTexts()).to.deep.equal(['Choose a plan', 'Studio premium · £79.00 a month']);
    await change.getByLabel('New plan').selectOption({ label: 'Studio premium · £79.00 a month' });
    await change.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('change-preview');
    await expectText(preview, 'Studio monthly · £49.00', 'Studio premium · £79.00', 'Classes: Unlimited');
    // Another choice throws the preview away: what is confirmed is always what was shown.
    await change.getByLabel('New plan').selectOption({ label: 'Choose a plan' });
    await until(page, `!document.querySelector('[data-testid=change-preview]')`);
    await expectAccessible(page, 'member actions');
  });

  it('cancels with an override and a reason: the preview says now, another tab sees it live, the audit log keeps why', async () => {
    const other = await context.newPage(); // a colleague's Members list, filtered to everyone
    await other.goto(`${consoleUrl()}#/members`);
    const row = other.locator(`[id="member-${membershipId}"]`);
    await row.waitFor();
    await live(other);

    await page.goto(`${consoleUrl()}#/members/${membershipId}`);
    await page.getByRole('heading', { level: 1, name: `${customer.email}: Studio monthly` }).waitFor();
    const cancel = page.getByRole('region', { name: 'Cancel membership' });
    await cancel.getByRole('button', { name: 'Cancel membership' }).click();
    await cancel.getByLabel('Override the plan’s terms').check();
    await cancel.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#cancel-reason-err').filter({ hasText: 'an override needs a reason' }).waitFor();

    const reason = 'Moving abroad: notice waived by the manager';
    await cancel.getByLabel('Reason for the override').fill(reason);
    await cancel.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('cancel-preview');
    await expectText(preview, 'Ends', 'Ended now by staff'); // the API's words for an override
    await expectAccessible(page, 'cancellation preview');
    await screenshots(page, 'admin-member-cancel');
    await cancel.getByRole('button', { name: 'Confirm cancellation' }).click();
    await status('The membership is cancelled as previewed.');

    const after = (await call('GET', `${adminUrl(t)}/memberships/${membershipId}`, api)).body;
    expect(after.status).to.equal('ended');
    await expectAttribute(page.locator('.member-status .badge'), 'data-status', 'ended');
    expect(await page.getByRole('region', { name: 'Cancel membership' }).count()).to.equal(0); // nothing left to do
    await until(other, `document.getElementById('member-${membershipId}')?.dataset.status === 'ended'`);
    await expectText(row, 'Ended');
    await other.close();

    await page.goto(`${consoleUrl()}#/audit`);
    const entry = page.locator('li.audit-entry').filter({ hasText: 'membership.cancel' }).filter({ hasText: membershipId }).first();
    await entry.waitFor();
    await entry.getByText('Show changes').click();
    await expectText(entry, reason);
  });
});
