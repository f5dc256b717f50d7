// Memberships in the Customer Portal, in headless Chromium: a customer sees the plans the business offers (seeded
// through the Admin API), joins one with a new card, books a class on a credit in another tab and watches the
// balance drop on the Membership page without a reload, then previews a freeze and confirms it, and the membership
// then shows exactly what the preview said. The server talks to stripe-mock; the page gets the test stand-in for
// Stripe.js; the test plays Stripe's webhooks where stripe-mock would never call back.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { expectAccessible, expectFits, expectText, launch, linkTexts, screenshots, skipWithoutChromium, until } from '../support/chromium.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalUrl, signInInPage } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cardSaved, connectStripe, intentEvent } from '../support/stripe.ts';
import { create, seedCatalogue } from '../support/catalogue.ts';
import { installStripeJs } from '../support/stripe-js.ts';

describe('Memberships in the Customer Portal, in headless Chromium', function () {
  this.timeout(180_000);
  let s: Stack;
  let t: TestOrg;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page; // the Membership page, left open
  let customerId = '';
  const email = uniqueEmail('member');
  const nav = (p: Page = page) => p.getByRole('navigation').first();
  const main = (p: Page = page) => p.locator('main');
  /** The credit line of the plan's yoga classes on the Membership page. */
  const yogaCredits = () => page.locator('li.credit', { hasText: 'yoga classes' });

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Day Spa' });
    const owner = await adminToken(s, t, 'owner');
    await connectStripe(t, owner, { currency: 'GBP', invoicePrefix: 'HDS' });
    await call('POST', `${adminUrl(t)}/portals`, owner, {
      slug: 'main',
      name: 'Harbour portal',
      branding: { primaryColor: '#7a1f5c', accentColor: '#0b5c7a' },
    });
    const { yoga, massage } = await seedCatalogue(t, owner);
    const plan = {
      description: 'Classes every week, and a little off treatments.',
      price: { amount: 4900, currency: 'GBP' },
      interval: 'month',
      joiningFee: 0,
      trialDays: 0,
      minimumTermPeriods: 3,
      noticeDays: 30,
      perks: ['Free towel'],
      entitlements: [{ name: 'yoga classes', serviceIds: [yoga.id], unlimited: false, credits: 8, whenOut: 'pay' }],
      discounts: [{ serviceIds: [massage.id], percent: 15 }],
      rollover: null,
      freeze: { allowed: true, maxDaysPerYear: 30, fee: 500 },
      active: true,
    };
    await create(t, owner, 'plans', { ...plan, name: 'Studio monthly' });
    await create(t, owner, 'packs', {
      name: '10-class pack',
      price: { amount: 9000, currency: 'GBP' },
      credits: 10,
      serviceIds: [yoga.id],
      expiresInDays: 90,
    });
    await create(t, owner, 'plans', {
      ...plan,
      name: 'Studio unlimited',
      price: { amount: 8900, currency: 'GBP' },
      entitlements: [{ name: 'yoga', serviceIds: [yoga.id], unlimited: true, credits: 0, whenOut: 'pay' }],
    });
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await installStripeJs(page);
  });

  after(async () => {
    await browser?.close();
  });

  it('offers the plans: what each includes, its price and its terms', async () => {
    await signInInPage(page, s, t.issuer, email);
    customerId = await page.evaluate<string>("JSON.parse(document.getElementById('portal-boot').textContent).customer.sub");
    await linkTexts(nav(), (x) => x.includes('Membership'), 'Membership in the nav'); // hidden while empty: plans make it show
    await expectText(page.locator('[aria-labelledby="card-membership"]'), 'There are 2 plans you can join.'); // the home card
    await nav().getByRole('link', { name: 'Membership' }).click();
    await page.getByRole('heading', { level: 1, name: 'Membership' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Plans to join' }).waitFor();
    const monthly = page.locator('li.plan', { hasText: 'Studio monthly' });
    await expectText(
      monthly,
      '£49.00 a month',
      '8 yoga classes a month',
      '15 % off Deep tissue massage',
      'Free towel',
      'Minimum term 3 months',
      '30 days’ notice to cancel',
      'Freeze up to 30 days a year (fee £5.00)',
    );
    await expectText(page.locator('li.plan', { hasText: 'Studio unlimited' }), '£89.00 a month', 'Unlimited yoga');
    await expectAccessible(page, 'plans');
    await expectFits(page, 390, 'plans');
    await screenshots(page, 'membership-plans');
  });

  it('joins a plan with a new card: the card is saved, the plan paid, and the membership shows with its credits', async () => {
    await page.getByRole('button', { name: 'Join Studio monthly' }).click();
    await page.getByRole('heading', { level: 3, name: 'Join Studio monthly' }).waitFor();
    await page.getByText('To pay today: £49.00').waitFor();
    await page.getByRole('button', { name: 'Join and pay £49.00' }).click(); // no saved card: a new one
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry date').fill('12 / 34');
    await page.getByLabel('Security code').fill('123');
    await expectAccessible(page, 'join with a new card');
    await screenshots(page, 'membership-join-card');
    await page.getByRole('button', { name: 'Save card and join' }).click();

    await until(page, "document.body.innerText.includes('Saving your card…') || !!document.getElementById('yours')");
    if (await page.getByText('Saving your card…').count()) {
      // stripe-mock never confirms a SetupIntent: Stripe's webhook saves the card, and the page joins with it (live).
      expect((await cardSaved(t, customerId)).status).to.equal(200);
    }
    await page.getByRole('heading', { level: 2, name: 'Your membership' }).waitFor();
    const yours = page.locator('.membership');
    await expectText(yours, 'Studio monthly', 'Next payment', '£49.00', 'Free towel');
    await expectText(yogaCredits(), '8 of 8 left', 'Membership: Studio monthly', 'Expires');
    await expectAccessible(page, 'membership');
    await expectFits(page, 390, 'membership');
    await screenshots(page, 'membership-joined');
  });

  it('books a class on a credit in another tab, and the balance drops here live', async () => {
    await page.evaluate('window.stillTheSamePage = true');
    const other = await context.newPage(); // the same customer, signed in (the same session cookie)
    await other.goto(portalUrl(t.issuer));
    await nav(other).getByRole('link', { name: 'Book', exact: true }).click();
    await other.getByRole('link', { name: 'Choose Sunrise yoga' }).click();
    await until(other, "document.querySelectorAll('button.slot:not([disabled])').length > 0 && !document.querySelector('.days[aria-busy]')");
    await other.locator('button.slot:not([disabled])').first().click();
    await other.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();
    await expectText(main(other), 'Uses 1 of your 8 yoga classes (7 left after this booking)');
    expect(await main(other).innerText()).to.not.contain('£12.00'); // the credit, instead of the price
    await expectAccessible(other, 'booking on a credit');
    await screenshots(other, 'membership-book-on-credit');
    await other.getByRole('button', { name: 'Confirm booking' }).click();
    await other.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();
    await expectText(main(other), 'Paid with', '1 of your yoga classes');
    await other.close();

    await expectText(yogaCredits(), '7 of 8 left');
    await expectText(page.locator('.history'), 'Used for a booking: yoga classes', '-1', 'Booking: Sunrise yoga');
    expect(await page.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    await expectAccessible(page, 'credit used');
    await screenshots(page, 'membership-credit-used');
  });

  it('previews a freeze, confirms it, and the membership then shows what the preview said', async () => {
    await page.getByRole('button', { name: 'Freeze', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Freeze your membership' }).waitFor();
    const start = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('First day of the freeze').fill(start);
    await page.getByLabel('Number of days').fill('0');
    await page.getByRole('button', { name: 'Show what will happen' }).click();
    await page.getByText('Enter a whole number of days, 1 or more.').waitFor(); // checked here, before any call
    await page.getByLabel('Number of days').fill('14');
    await page.getByRole('button', { name: 'Show what will happen' }).click();
    await page.getByRole('heading', { level: 4, name: 'What will happen' }).waitFor();
    const preview = page.locator('dl.preview');
    const fact = async (label: string) => (await preview.locator(`dt:text-is("${label}") + dd`).innerText()).trim();
    const frozen = await fact('Frozen');
    const nextCharge = await fact('Next payment');
    expect(frozen).to.contain('(14 days)');
    expect(await fact('Fee')).to.equal('£5.00');
    expect(await fact('Freeze days left this year after this')).to.equal('16');
    await expectAccessible(page, 'freeze preview');
    await expectFits(page, 390, 'freeze preview');
    await screenshots(page, 'membership-freeze-preview');

    await page.getByRole('button', { name: 'Confirm freeze' }).click();
    const range = frozen.replace(/ \(14 days\)$/, '');
    const [from, to] = range.split(' until ');
    await page
      .getByRole('status')
      .filter({ hasText: `Your membership is frozen from ${from} until ${to}.` })
      .waitFor();
    const yours = page.locator('.membership');
    expect((await yours.locator('dt:text-is("Frozen") + dd').innerText()).trim()).to.equal(range);
    expect(nextCharge === 'None' ? 0 : 1).to.equal(await yours.locator('dt:text-is("Next payment")').count());
    if (nextCharge !== 'None') await expectText(yours.locator('dt:text-is("Next payment") + dd'), nextCharge);
    const staffView = await call('GET', `${adminUrl(t)}/memberships?customerId=${customerId}`, await adminToken(s, t));
    expect(staffView.body.items[0].freezes).to.have.length(1);
    await expectAccessible(page, 'frozen');
    await screenshots(page, 'membership-frozen');
  });
  it('previews a plan change (then keeps the plan), and previews and confirms a cancellation that ends when the preview said', async () => {
    const fact = (within: ReturnType<Page['locator']>, label: string) => within.locator(`dt:text-is("${label}") + dd`).innerText();
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('heading', { level: 3, name: 'Change your plan' }).waitFor();
    await page.getByLabel(/^Studio unlimited/).check();
    await page.getByRole('button', { name: 'Show what will happen' }).click();
    const change = page.locator('dl.preview');
    await change.waitFor();
    expect(await fact(change, 'From')).to.contain('Studio monthly');
    expect(await fact(change, 'To')).to.contain('Studio unlimited');
    expect(await fact(change, 'Credits you will get')).to.equal('Unlimited yoga');
    await expectText(change, /Charged now|Credited on your next invoice|Nothing to pay now/);
    await expectAccessible(page, 'change preview');
    await screenshots(page, 'membership-change-preview');
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Cancel membership' }).click();
    await page.getByRole('heading', { level: 3, name: 'Cancel your membership' }).waitFor();
    const cancel = page.locator('dl.preview');
    await cancel.waitFor();
    const ends = (await fact(cancel, 'Ends on')).split('\n')[0]!.trim();
    await expectText(cancel, 'minimum term of 3 months');
    expect(await fact(cancel, 'Credits you will lose')).to.match(/^(None|\d+ yoga classes)$/);
    await expectAccessible(page, 'cancel preview');
    await expectFits(page, 390, 'cancel preview');
    await screenshots(page, 'membership-cancel-preview');
    await page.getByRole('button', { name: 'Confirm cancellation' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Your membership is cancelled; it ends on ${ends}.` })
      .waitFor();
    const yours = page.locator('.membership');
    await expectText(yours.locator('.badge'), 'Cancelling');
    expect((await fact(yours, 'Ends on')).trim()).to.equal(ends);
    expect(await yours.getByRole('button', { name: 'Cancel membership' }).count()).to.equal(0);
    await expectAccessible(page, 'cancelling');
    await screenshots(page, 'membership-cancelling');
  });
  it('buys a class pack with the saved card: its credits appear live once Stripe says it is paid', async () => {
    const pack = page.locator('.block', { has: page.getByRole('heading', { name: 'Class packs' }) }).locator('li.card');
    await expectText(pack, '10-class pack', '10 credits for Sunrise yoga', 'Use within 90 days');
    await page.getByRole('button', { name: 'Buy for £90.00 10-class pack' }).click();
    await page.getByRole('heading', { level: 3, name: 'How would you like to pay?' }).waitFor();
    await expectAccessible(page, 'buy a pack');
    await page.getByRole('button', { name: 'Pay £90.00' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /10-class pack is paid|payment is processing/ })
      .waitFor();

    const staff = await adminToken(s, t);
    const tabs = await call('GET', `${adminUrl(t)}/tabs?customerId=${customerId}&status=open`, staff);
    const tab = tabs.body.items.find((x: { purpose?: { kind: string } }) => x.purpose?.kind === 'pack');
    if (tab) expect((await intentEvent(t, { id: tab.payment.stripePaymentIntent }, 'succeeded')).status).to.equal(200);
    await expectText(page.locator('li.credit', { hasText: '10-class pack' }), '10 of 10 left', 'Class pack: 10-class pack', 'Expires');
    await page.getByRole('status').filter({ hasText: '10-class pack is paid' }).waitFor();
    await expectText(page.locator('.history'), 'Added: 10-class pack +10');
    await expectAccessible(page, 'pack bought');
    await screenshots(page, 'membership-pack-bought');
  });
});
