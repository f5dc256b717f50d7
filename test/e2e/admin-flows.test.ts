// The console's Flows page in headless Chromium: staff design a flow (steps added, edited beside a live preview,
// reordered by keyboard), see the API's publishing rules next to the form, publish; a customer goes through it, and
// the form they sent appears on their Forms view in the console without a reload (the staff event stream's `form`
// event).
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { adminUrl, call, ownedOrg } from '../support/api.ts';
import {
  expectAccessible,
  expectFits,
  expectText,
  launch,
  screenshots,
  signInWithCode,
  skipWithoutChromium,
  until,
  WIDTHS,
} from '../support/chromium.ts';
import { flowUrl } from '../support/flows.ts';
import { uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { signInInPage } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';

/** A #rrggbb colour as getComputedStyle gives it. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('Flows in the admin console (headless Chromium)', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let api: string;
  let browser: Browser;
  let page: Page;
  const owner = uniqueEmail('owner');
  const customer = uniqueEmail('intake');

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    ({ t, api } = await ownedOrg(s, owner));
    await call('POST', `${adminUrl(t)}/portals`, api, { slug: 'main', name: 'Harbour portal' });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: WIDTHS.desktop, height: 900 } })).newPage();
    await page.goto(`${t.issuer}/admin`);
    await signInWithCode(page, s.mailbox, owner);
    await page.getByRole('link', { name: 'Flows' }).first().waitFor();
  });

  after(async () => {
    await browser?.close();
  });

  const draftKinds = async () => ((await call('GET', `${adminUrl(t)}/flows/intake`, api)).body.steps as { kind: string }[]).map((x) => x.kind);

  async function addStep(kind: string) {
    await page.getByLabel('Kind of step', { exact: true }).selectOption({ label: kind });
    await page.getByRole('button', { name: 'Add step', exact: true }).click();
  }

  it('creates a flow, builds its steps, reorders them by drag and drop and by keyboard, and publishes it', async () => {
    await page.getByRole('link', { name: 'Flows' }).first().click();
    await page.getByText('No flows yet.').waitFor();
    await page.getByLabel('Slug', { exact: true }).fill('intake');
    await page.getByLabel('Title', { exact: true }).fill('New client intake');
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { level: 1, name: 'New client intake' }).waitFor();

    await addStep('Consent');
    await page.getByLabel('Step title', { exact: true }).fill('Waiver');
    await page.getByLabel('Consent text', { exact: true }).fill('Treatments are at your own risk.');
    await addStep('Sign in');
    await addStep('Questions');
    await page.getByLabel('Step title', { exact: true }).fill('About you');

    // A step the API refuses on its own (a question without its label) is named next to the form and on its row.
    await page.getByRole('button', { name: 'Save draft', exact: true }).click();
    await expectText(page.getByRole('alert'), 'Step 3: About you', 'questions 1 label');
    await expectText(page.getByTestId('steps').locator('li').nth(2), 'questions 1 label');
    // The step being edited shows beside its fields as customers will see it, in the portal's branding, following
    // the unsaved draft as it is typed.
    await page.getByLabel('Question', { exact: true }).fill('Any injuries?');
    const preview = page.frameLocator('[data-testid="flow-preview"]');
    await preview.getByRole('heading', { level: 1, name: 'About you' }).waitFor();
    await expectText(preview.locator('.flow-progress'), 'New client intake · Step 3 of 3');
    await preview.getByLabel('Any injuries?').waitFor();
    await page.getByLabel('Question', { exact: true }).fill('Any allergies?');
    await preview.getByLabel('Any allergies?').waitFor();
    expect(await preview.getByLabel('Any injuries?').count(), 'the old label is gone').to.equal(0);
    const brand = (await call('GET', `${adminUrl(t)}/portals`, api)).body.items.find((p: { primary: boolean }) => p.primary).branding.primaryColor;
    // (The DOM's types are not the tests': the page's getComputedStyle is reached through globalThis.)
    const button = await preview
      .getByRole('button', { name: 'Continue' })
      .evaluate(
        (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor,
      );
    expect(button, 'the page style applies (the console page nonce lets it in)').to.equal(rgb(brand));
    expect(await draftKinds(), 'the preview saved nothing (the save above was refused)').to.deep.equal([]);
    await page.getByLabel('Required', { exact: true }).check();

    // Without a confirmation the API refuses to publish, and says why next to the form.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expectText(page.getByRole('alert'), 'the last step is the confirmation');
    expect(await draftKinds()).to.deep.equal(['consent', 'sign-in', 'questions']); // the draft was saved first
    await addStep('Confirmation');

    // Sign in goes first, by drag and drop.
    const steps = page.getByTestId('steps').locator('li');
    await steps.nth(1).dragTo(steps.nth(0));
    await expectText(steps.nth(0), 'Sign in');
    // The questions go before the waiver, by keyboard; focus stays on the moved step's button.
    const up = page.getByRole('button', { name: 'Move About you up', exact: true });
    await up.focus();
    await page.keyboard.press('Enter');
    await until(page, `document.activeElement?.getAttribute('aria-label') === 'Move About you up'`);
    const labels = async () => (await page.getByTestId('steps').locator('.sec-label').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
    expect((await labels()).map((x) => x.split(' ').slice(1, 3).join(' '))).to.deep.equal([
      'Sign in',
      'About you',
      'Waiver Consent',
      'Confirm Confirmation',
    ]);
    await expectAccessible(page, 'flow editor');
    await expectFits(page, WIDTHS.phone, 'flow editor');
    await screenshots(page, 'admin-flow-editor');

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Published as version 1.' }).waitFor();
    expect(await draftKinds()).to.deep.equal(['sign-in', 'questions', 'consent', 'confirmation']);
    const published = (await call('GET', `${adminUrl(t)}/flows/intake/versions/1`, api)).body;
    expect(published.steps[1]).to.deep.include({ kind: 'questions', title: 'About you' });
    expect(published.steps[1].questions).to.deep.equal([{ id: 'q1', label: 'Any allergies?', type: 'text', required: true }]);
    await expectText(page.getByTestId('live-flow'), flowUrl(t.issuer, 'intake'));

    await page.getByRole('link', { name: 'All flows' }).click();
    await expectText(page.getByTestId('flows'), 'New client intake', 'Version 1', 'Open live flow');
    await expectAccessible(page, 'flows list');
    await screenshots(page, 'admin-flows');
  });

  it("shows the customer's form live on their Forms view as they send it", async () => {
    const other = await (await browser.newContext({ viewport: { width: WIDTHS.phone, height: 800 } })).newPage();
    await signInInPage(other, s, t.issuer, customer);
    const found = await call('GET', `${adminUrl(t)}/customers?email=${encodeURIComponent(customer)}`, api);
    const id = found.body.items[0].id as string;

    await page.goto(`${t.issuer}/admin#/flows/customer%2F${encodeURIComponent(id)}`);
    await page.getByText('This customer has not sent any forms.').waitFor();
    await page.locator('[data-testid="live"][data-state="live"]').waitFor();

    await other.goto(flowUrl(t.issuer, 'intake'));
    await other.getByRole('button', { name: 'Sign in to continue' }).click();
    await other.getByRole('heading', { level: 1, name: 'About you' }).waitFor();
    await other.getByLabel('Any allergies?').fill('Lavender');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('heading', { level: 1, name: 'Waiver' }).waitFor();
    await other.getByRole('checkbox', { name: 'I have read this and agree' }).check();
    await other.getByLabel('Type your full name to sign').fill('Alex Example');
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('button', { name: 'Send' }).click();
    await other.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    await other.close();

    // No reload: the event stream brought it.
    await expectText(page.getByTestId('forms'), 'New client intake', 'version 1', 'Any allergies?', 'Lavender', 'Signed by Alex Example');
    await expectAccessible(page, 'customer forms');
    await screenshots(page, 'admin-customer-forms');
  });
});
