// Money in the Customer Portal, in headless Chromium: a customer saves a card, watches staff add to their tab live,
// settles it with the saved card and a tip, sees it turn paid when Stripe's webhook arrives, and downloads the invoice.
// The server talks to stripe-mock; the page gets the test stand-in for Stripe.js (test/support/stripe-js.ts), and the
// test plays Stripe's signed webhooks (test/support/stripe.ts), as stripe-mock never calls back. Then bookings that
// take money: a deposit paid with the saved card and refunded on cancelling, one left unpaid, and a card-on-file
// service refused without a card, leading to Payment methods and back.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { adminToken, adminUrl, call } from '../support/api.ts';
import {
  eventually,
  expectAccessible,
  expectChecked,
  expectFits,
  expectText,
  launch,
  linkTexts,
  screenshots,
  skipWithoutChromium,
  until,
} from '../support/chromium.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { signInInPage } from '../support/portal.ts';
import { stack, type Stack } from '../support/stack.ts';
import { pdfText } from '../support/pdf.ts';
import { cardSaved, connectStripe, intentEvent } from '../support/stripe.ts';
import { create, seedCatalogue } from '../support/catalogue.ts';
import { installStripeJs } from '../support/stripe-js.ts';

describe('Money in the Customer Portal, in headless Chromium', function () {
  this.timeout(180_000);
  let s: Stack;
  let t: TestOrg;
  let staff: string;
  let browser: Browser;
  let page: Page;
  let stripeJs: { requests(): number };
  let customerId = '';
  let tabId = '';
  let invoiceNumber = '';
  const email = uniqueEmail('payer');
  const nav = () => page.getByRole('navigation').first();

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Day Spa' });
    const owner = await adminToken(s, t, 'owner');
    staff = await adminToken(s, t, 'staff');
    await connectStripe(t, owner, { currency: 'GBP', taxInclusive: true, taxRates: [{ name: 'VAT', percent: 20 }], invoicePrefix: 'HDS' });
    await call('POST', `${adminUrl(t)}/portals`, owner, {
      slug: 'main',
      name: 'Harbour portal',
      branding: { primaryColor: '#7a1f5c', accentColor: '#0b5c7a' },
    });
    const { location, therapists } = await seedCatalogue(t, owner);
    const bookable = {
      durationMinutes: 60,
      intervalMinutes: 60,
      resourceIds: [therapists[0].id],
      locationId: location.id,
      cancellationWindowMinutes: 24 * 60,
    };
    await create(t, owner, 'services', {
      ...bookable,
      name: 'Hot stone massage',
      price: { amount: 8000, currency: 'GBP' },
      payment: { mode: 'prepay', deposit: { kind: 'percent', value: 25 }, lateRefundPercent: 50 },
    });
    await create(t, owner, 'services', { ...bookable, name: 'Facial', price: { amount: 5500, currency: 'GBP' }, payment: { mode: 'card_on_file' } });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    stripeJs = await installStripeJs(page);
  });

  after(async () => {
    await browser?.close();
  });

  const fitsPhone = (name: string) => expectFits(page, 390, name);

  it('signs in: Payment methods is offered, Open tabs and Invoices stay out of the nav while empty, no Stripe.js', async () => {
    await signInInPage(page, s, t.issuer, email);
    await page.getByText('You have no saved cards.').waitFor(); // the home card
    const labels = await linkTexts(nav(), (x) => x.includes('Payment methods'), 'Payment methods');
    expect(labels).to.not.include('Open tabs');
    expect(labels).to.not.include('Invoices and receipts');
    customerId = await page.evaluate<string>("JSON.parse(document.getElementById('portal-boot').textContent).customer.sub");
    expect(stripeJs.requests()).to.equal(0);
  });

  it('adds a card: Stripe.js is loaded only now, its Payment Element confirms, and the card is saved', async () => {
    await nav().getByRole('link', { name: 'Payment methods' }).click();
    await page.getByRole('heading', { level: 1, name: 'Payment methods' }).waitFor();
    await page.getByText('You have no saved cards.').waitFor();
    expect(stripeJs.requests()).to.equal(0);

    await page.getByRole('button', { name: 'Add a card' }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    expect(stripeJs.requests()).to.equal(1);
    const elements = await page.evaluate<{ clientSecret: string; appearance: { variables: { colorPrimary: string } } }>(
      "window.fakeStripe.calls.find((c) => c.call === 'elements')",
    );
    expect(elements.clientSecret).to.match(/^seti_/);
    expect(elements.appearance.variables.colorPrimary).to.equal('#7a1f5c'); // the portal's branding
    await page.getByLabel('Expiry date').fill('12 / 34');
    await page.getByLabel('Security code').fill('123');
    await expectAccessible(page, 'add a card');
    await screenshots(page, 'money-add-card');

    await page.getByRole('button', { name: 'Save card' }).click();
    await until(page, "document.body.innerText.includes('Saving your card…') || !!document.querySelector('li.pm')");
    if (await page.getByText('Saving your card…').count()) {
      // The API waits for Stripe to say so (stripe-mock never confirms a SetupIntent): Stripe's webhook, then live.
      expect((await cardSaved(t, customerId)).status).to.equal(200);
      await page.getByRole('status').filter({ hasText: 'Your card is saved.' }).waitFor();
    }
    await page.getByRole('heading', { level: 2, name: 'Visa ending 4242' }).waitFor();
    await page.locator('li.pm .badge', { hasText: 'Default' }).waitFor();
    await expectText(page.locator('li.pm'), /Expires \d\d\/\d{4}/);
    await expectAccessible(page, 'payment methods');
    await fitsPhone('payment methods');
    await screenshots(page, 'money-payment-methods');
  });

  it('shows the tab staff open, and each line they add, live without a reload', async () => {
    await page.evaluate('window.stillTheSamePage = true');
    const opened = await call('POST', `${adminUrl(t)}/tabs`, staff, { customerId, note: 'Table 4' });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
    tabId = opened.body.id;
    await nav().getByRole('link', { name: 'Open tabs' }).waitFor(); // the section appears once there is a tab
    await nav().getByRole('link', { name: 'Open tabs' }).click();
    await page.getByRole('heading', { level: 2, name: /^Table 4, opened / }).waitFor();
    await page.getByText('Nothing on this tab yet.').waitFor();

    const espresso = await call('POST', `${adminUrl(t)}/tabs/${tabId}/lines`, staff, {
      description: 'Espresso',
      quantity: 3,
      unitAmount: 250,
      taxRateId: 'tax_1',
    });
    expect(espresso.status, JSON.stringify(espresso.body)).to.equal(201);
    await page.getByRole('cell', { name: /Espresso/ }).waitFor();
    await call('POST', `${adminUrl(t)}/tabs/${tabId}/lines`, staff, {
      description: 'Massage oil',
      quantity: 2,
      unitAmount: 1200,
      taxRateId: 'tax_1',
    });
    await page.getByRole('cell', { name: /Massage oil/ }).waitFor();
    await until(page, "document.querySelector('.totals .total')?.textContent.includes('£31.50')");
    await expectText(page.locator('li.tab'), '3 × £2.50', 'VAT 20%', '£24.00', 'Includes tax', '£5.25');
    expect(await page.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    await expectAccessible(page, 'open tab');
    await fitsPhone('open tab');
    await screenshots(page, 'money-tab');
  });

  it('settles it with the saved card and a tip: processing until Stripe says so, then paid live', async () => {
    await page.getByRole('button', { name: /^Pay this tab/ }).click();
    await expectChecked(page.getByLabel(/^Visa ending 4242/)); // the default card, once the cards have arrived
    await page.getByLabel('10% (£3.15)').check();
    await page.getByText('To pay: £34.65').waitFor();
    await expectAccessible(page, 'settle');
    await screenshots(page, 'money-settle');

    await page.getByRole('button', { name: 'Pay £34.65' }).click();
    await page.getByRole('status').filter({ hasText: 'Payment processing for Table 4' }).waitFor();
    await page.locator('li.tab .notice', { hasText: 'Payment processing…' }).waitFor();
    await expectAccessible(page, 'processing');
    await screenshots(page, 'money-processing');

    // stripe-mock leaves the PaymentIntent unfinished; Stripe's signed webhook says it succeeded.
    const staffView = await call('GET', `${adminUrl(t)}/tabs/${tabId}`, staff);
    expect(staffView.body.payment).to.include({ amount: 3465, tip: 315, method: 'card', state: 'pending' });
    expect((await intentEvent(t, { id: staffView.body.payment.stripePaymentIntent }, 'succeeded')).status).to.equal(200);

    await page.getByRole('status').filter({ hasText: 'Thank you: £34.65 paid for Table 4' }).waitFor();
    await page.getByText('You have no open tabs.').waitFor();
    const paid = page.locator('.paid-tabs li', { hasText: 'Table 4' });
    await paid.getByRole('link', { name: /^View invoice/ }).waitFor();
    await expectText(paid, '£34.65', 'with Visa ending 4242');
    await nav().getByRole('link', { name: 'Invoices and receipts' }).waitFor(); // live: the first invoice
    expect(await page.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    expect(stripeJs.requests()).to.equal(1); // a saved card needs no Stripe.js unless the bank asks for 3-D Secure
    await expectAccessible(page, 'paid');
    await screenshots(page, 'money-paid');
  });

  it('shows the invoice and downloads its PDF', async () => {
    await page
      .locator('.paid-tabs li', { hasText: 'Table 4' })
      .getByRole('link', { name: /^View invoice/ })
      .click();
    const heading = page.getByRole('heading', { level: 1, name: /^Invoice HDS-\d{4}-\d{6}$/ });
    await heading.waitFor();
    invoiceNumber = (await heading.innerText()).replace(/^Invoice /, '');
    await expectText(
      page.locator('main'),
      'Espresso',
      'Massage oil',
      'Tip',
      '£3.15',
      '£34.65',
      'Paid with Visa ending 4242',
      'Tax breakdown',
      'VAT 20%',
    );
    await expectAccessible(page, 'invoice');
    await fitsPhone('invoice');
    await screenshots(page, 'money-invoice');

    const link = page.getByRole('link', { name: /^Download PDF/ });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).to.equal(`${invoiceNumber}.pdf`);
    const pdf = readFileSync(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(pdfText(pdf)).to.contain(invoiceNumber).and.to.contain('Espresso').and.to.contain('Harbour Day Spa');
    // The portal's API proxy passes the bytes and the headers of the download through as they are.
    const res = await page.request.get(new URL((await link.getAttribute('href'))!, page.url()).href);
    expect(res.headers()['content-type']).to.equal('application/pdf');
    expect(res.headers()['content-disposition'])
      .to.contain(`${invoiceNumber}.pdf`)
      .and.to.match(/^attachment/);
    expect(res.headers()['cache-control']).to.equal('no-store');
    expect((await res.body()).subarray(0, 5).toString('latin1')).to.equal('%PDF-'); // binary, not re-encoded
  });

  it('lists invoices and receipts, filtered by type and year', async () => {
    await nav().getByRole('link', { name: 'Invoices and receipts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoices and receipts' }).waitFor();
    await page.getByRole('status').filter({ hasText: '2 documents' }).waitFor();
    await page.getByRole('link', { name: `Invoice ${invoiceNumber}`, exact: true }).waitFor();
    await page.getByLabel('Type').selectOption({ label: 'Receipts' });
    await page.getByRole('status').filter({ hasText: '1 document' }).waitFor();
    await page.getByRole('link', { name: /^Receipt HDS-R-\d{4}-\d{6}$/ }).waitFor();
    await expectText(page.locator('li.doc'), `for invoice ${invoiceNumber}`);
    await page.getByLabel('Type').selectOption({ label: 'All types' });
    await page.getByLabel('Year').selectOption(invoiceNumber.split('-')[1]!);
    await page.getByRole('status').filter({ hasText: '2 documents' }).waitFor();
    await page.getByLabel('Type').selectOption({ label: 'Credit notes' });
    await page.getByText('No documents match these filters.').waitFor();
    await page.getByLabel('Type').selectOption({ label: 'All types' });
    await page.getByLabel('Year').selectOption({ label: 'All years' });
    await page.getByRole('status').filter({ hasText: '2 documents' }).waitFor();
    await expectAccessible(page, 'documents');
    await fitsPhone('documents');
    await screenshots(page, 'money-documents');
  });

  /** Staff open a tab with one line; the customer opens it in the portal. */
  async function tabWith(note: string, line: { description: string; quantity: number; unitAmount: number }) {
    const opened = await call('POST', `${adminUrl(t)}/tabs`, staff, { customerId, note });
    await call('POST', `${adminUrl(t)}/tabs/${opened.body.id}/lines`, staff, line);
    await nav().getByRole('link', { name: 'Open tabs' }).click();
    await page.getByRole('cell', { name: new RegExp(line.description) }).waitFor();
    return opened.body.id as string;
  }
  const intentOf = async (id: string) => (await call('GET', `${adminUrl(t)}/tabs/${id}`, staff)).body.payment.stripePaymentIntent as string;

  it('keeps a declined tab open with the reason; paying again goes through 3-D Secure in the page', async () => {
    const id = await tabWith('Table 7', { description: 'Sauna', quantity: 1, unitAmount: 1500 });
    await page.getByRole('button', { name: /^Pay this tab/ }).click();
    await page.getByRole('button', { name: 'Pay £15.00' }).click();
    await page.getByRole('status').filter({ hasText: 'Payment processing for Table 7' }).waitFor();
    expect((await intentEvent(t, { id: await intentOf(id) }, 'payment_failed', 'Your card has insufficient funds.')).status).to.equal(200);
    await page
      .getByRole('alert')
      .filter({ hasText: 'The payment for Table 7' })
      .filter({ hasText: 'did not go through: Your card has insufficient funds.' })
      .waitFor();
    await page
      .locator('li.tab', { hasText: 'Table 7' })
      .getByText('The last payment did not go through: Your card has insufficient funds.')
      .waitFor();
    await page.getByRole('button', { name: /^Pay this tab/ }).waitFor(); // still open, to pay again
    await expectAccessible(page, 'declined');
    await screenshots(page, 'money-declined');

    // stripe-mock cannot be told to ask for 3-D Secure: the settle answer says so on its way to the page.
    const secret = { clientSecret: '', publishableKey: '' };
    await page.route('**/bff/api/tabs/*/settle', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      secret.clientSecret = `${await intentOf(id)}_secret_3ds`;
      secret.publishableKey = 'pk_test_PorticoTestKey0123456789';
      await route.fulfill({ response: res, json: { ...body, payment: { state: 'requires_action', ...secret } } });
    });
    await page.getByRole('button', { name: /^Pay this tab/ }).click();
    await page.getByRole('button', { name: 'Pay £15.00' }).click();
    await page.getByRole('status').filter({ hasText: 'Payment processing for Table 7' }).waitFor();
    await page.unroute('**/bff/api/tabs/*/settle');
    const nextActions = () =>
      page.evaluate<{ call: string; clientSecret?: string }[]>("window.fakeStripe.calls.filter((c) => c.call === 'handleNextAction')");
    expect(await eventually(nextActions, (calls) => calls.length > 0, 'the 3-D Secure step')).to.deep.equal([
      { call: 'handleNextAction', clientSecret: secret.clientSecret },
    ]);
    expect((await intentEvent(t, { id: await intentOf(id) }, 'succeeded')).status).to.equal(200);
    await page.getByRole('status').filter({ hasText: 'Thank you: £15.00 paid for Table 7' }).waitFor();
  });

  it('pays a tab with a new card in Stripe’s Payment Element', async () => {
    const id = await tabWith('Table 9', { description: 'Towel', quantity: 1, unitAmount: 300 });
    await page.getByRole('button', { name: /^Pay this tab/ }).click();
    await page.locator('li.tab', { hasText: 'Table 9' }).getByLabel('A new card').check();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/tabs/${id}/settle`)),
      page.getByRole('button', { name: 'Pay £3.00' }).click(),
    ]);
    const started = await answer.json();
    expect(started.payment).to.include({ state: 'requires_action', publishableKey: 'pk_test_PorticoTestKey0123456789' });
    await page.getByRole('heading', { level: 3, name: 'Pay £3.00 with a new card' }).waitFor();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await expectAccessible(page, 'new card');
    await screenshots(page, 'money-new-card');
    await page.getByRole('button', { name: 'Pay £3.00' }).click();
    await page.getByRole('status').filter({ hasText: 'Payment processing for Table 9' }).waitFor();
    const confirmed = await eventually(
      () => page.evaluate<{ clientSecret: string } | undefined>("window.fakeStripe.calls.find((c) => c.call === 'confirmPayment')"),
      Boolean,
      'confirmPayment',
    );
    expect(confirmed!.clientSecret).to.equal(started.payment.clientSecret); // the PaymentIntent the server made
    const intent = await intentOf(id);
    expect((await intentEvent(t, { id: intent }, 'succeeded')).status).to.equal(200);
    await page.getByRole('status').filter({ hasText: 'Thank you: £3.00 paid for Table 9' }).waitFor();
    await page
      .locator('.paid-tabs li', { hasText: 'Table 9' })
      .getByRole('link', { name: /^View invoice/ })
      .waitFor();
  });

  /** Book → the service → next week (outside the 24-hour cancellation window) → the first time → the confirmation. */
  async function chooseTime(service: string) {
    await nav().getByRole('link', { name: 'Book', exact: true }).click();
    await page.getByRole('link', { name: `Choose ${service}` }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await until(page, "document.querySelectorAll('button.slot').length > 0");
    await page.getByRole('button', { name: 'Next week' }).click();
    await until(page, "document.querySelectorAll('button.slot').length > 0 && !document.querySelector('.days[aria-busy]')");
    await page.locator('button.slot').first().click();
    await page.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();
  }

  /** Confirms the booking on screen; returns the booking the API answered. */
  async function confirmBooking() {
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/bff/api/bookings') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Confirm booking' }).click(),
    ]);
    return answer.json();
  }

  it('books a prepaid service: the deposit and refund terms first, then straight into paying it with the saved card', async () => {
    await chooseTime('Hot stone massage');
    await expectText(
      page.locator('section', { has: page.getByRole('heading', { name: 'Payment' }) }),
      'Pay £20.00 deposit now (of £80.00).',
      'The rest, £60.00, is paid at your appointment.',
      'you have 15 minutes to pay',
      'Cancel online up to 24 hours before the start and your £20.00 is refunded in full.',
      'If it is cancelled later, 50% (£10.00) is refunded.',
    );
    await expectAccessible(page, 'prepaid confirm');
    await fitsPhone('prepaid confirm');
    await screenshots(page, 'booking-money-terms');

    const booking = await confirmBooking();
    expect(booking.payment).to.include({ mode: 'prepay', status: 'due', amount: 2000, currency: 'GBP' });
    await page.getByRole('heading', { level: 1, name: 'Pay to keep your booking' }).waitFor();
    await page.getByText(/^Pay by \d\d:\d\d( [A-Z+0-9]+)? to keep this time\.$/).waitFor();
    await expectChecked(page.getByLabel(/^Visa ending 4242/));
    await page.getByText('To pay: £20.00').waitFor();
    expect(await page.getByText('Add a tip').count()).to.equal(0); // a booking's tab asks for no tip (the form is shown)
    await expectAccessible(page, 'pay for booking');
    await fitsPhone('pay for booking');
    await screenshots(page, 'booking-money-pay');

    await page.getByRole('button', { name: 'Pay £20.00' }).click();
    await page.getByText('Payment processing… This page will update when it is done.').waitFor();
    expect((await intentEvent(t, { id: await intentOf(booking.payment.tabId) }, 'succeeded')).status).to.equal(200);
    await page.getByRole('status').filter({ hasText: 'Thank you: £20.00 paid. Your booking is confirmed.' }).waitFor(); // live
    await page.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();
    await page.locator('main .badge.ok', { hasText: 'Deposit paid' }).waitFor();
    await page.getByRole('link', { name: 'View invoice' }).waitFor();
    await expectAccessible(page, 'booking paid');
    await screenshots(page, 'booking-money-paid');
  });

  it('shows the deposit paid in Upcoming; cancelling says what comes back, then that it is refunded', async () => {
    await nav().getByRole('link', { name: 'Upcoming bookings' }).click();
    const item = page.locator('li.booking', { hasText: 'Hot stone massage' });
    await item.locator('.badge.ok', { hasText: 'Deposit paid' }).waitFor();
    await item.getByRole('button', { name: /^Cancel/ }).click();
    await item.getByText('Your £20.00 will be refunded to your card.').waitFor();
    await expectAccessible(page, 'cancel paid booking');
    await screenshots(page, 'booking-money-cancel');
    await item.getByRole('button', { name: 'Yes, cancel booking' }).click();
    await page.getByRole('status').filter({ hasText: '£20.00 will be refunded to your card.' }).waitFor();

    await nav().getByRole('link', { name: 'Booking history' }).click();
    await page.locator('li.booking', { hasText: 'Hot stone massage' }).locator('.badge', { hasText: '£20.00 refunded' }).waitFor();
  });

  it('a booking left unpaid shows "Payment due by" with a Pay button; cancelled unpaid, History says not paid in time', async () => {
    await chooseTime('Hot stone massage');
    await confirmBooking();
    await page.getByRole('heading', { level: 1, name: 'Pay to keep your booking' }).waitFor();
    await nav().getByRole('link', { name: 'Upcoming bookings' }).click();
    const item = page.locator('li.booking', { hasText: 'Hot stone massage' });
    await item.getByText(/^Payment due by \d\d:\d\d( [A-Z+0-9]+)?$/).waitFor();
    await expectAccessible(page, 'payment due');
    await fitsPhone('payment due');
    await screenshots(page, 'booking-money-due');
    await item.getByRole('link', { name: /^Pay £20\.00/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Pay to keep your booking' }).waitFor();
    await page.getByRole('button', { name: 'Pay £20.00' }).waitFor();
    await expectAccessible(page, 'pay page');

    await nav().getByRole('link', { name: 'Upcoming bookings' }).click();
    await item.getByRole('button', { name: /^Cancel/ }).click();
    await item.getByRole('button', { name: 'Yes, cancel booking' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled: Hot stone massage' }).waitFor();
    await nav().getByRole('link', { name: 'Booking history' }).click();
    await page.locator('li.booking .badge', { hasText: 'Not paid in time' }).waitFor();
    await expectAccessible(page, 'history');
    await screenshots(page, 'booking-money-history');
  });

  it('removes the card after asking', async () => {
    await nav().getByRole('link', { name: 'Payment methods' }).click();
    await page.getByRole('button', { name: 'Remove Visa ending 4242' }).click();
    await page.getByText('Remove Visa ending 4242? You can add it again later.').waitFor();
    // Focus moves to the safe answer once the question is on screen (an effect after the render): wait for it.
    await until(page, "document.activeElement?.textContent === 'Keep card'");
    await expectAccessible(page, 'remove a card');
    await screenshots(page, 'money-remove-card');
    await page.getByRole('button', { name: 'Remove card' }).click();
    await page.getByRole('status').filter({ hasText: 'Visa ending 4242 removed.' }).waitFor();
    await page.getByText('You have no saved cards.').waitFor();
    expect((await call('GET', `${adminUrl(t)}/customers/${customerId}/payment-methods`, staff)).body.items).to.deep.equal([]);
  });

  it('refuses a card-on-file service without a card, and leads to Payment methods and back', async () => {
    await chooseTime('Facial');
    await page.getByText('A card on file is needed to book this service. Nothing is charged now.').waitFor();
    await page.getByText('You have no saved card yet.').waitFor();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('alert').filter({ hasText: 'This service needs a card on file: add one under Payment methods, then book.' }).waitFor();
    await expectAccessible(page, 'card on file refused');
    await fitsPhone('card on file refused');
    await screenshots(page, 'booking-money-card-needed');

    await page.getByRole('link', { name: 'Add a card under Payment methods' }).click();
    await page.getByRole('heading', { level: 1, name: 'Payment methods' }).waitFor();
    await page.getByRole('button', { name: 'Add a card' }).click();
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry date').fill('12 / 34');
    await page.getByLabel('Security code').fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    await until(page, "document.body.innerText.includes('Saving your card…') || !!document.querySelector('li.pm')");
    if (await page.getByText('Saving your card…').count()) expect((await cardSaved(t, customerId)).status).to.equal(200);
    await page.getByRole('link', { name: 'Continue your booking' }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await page.getByText('Facial', { exact: true }).waitFor();
    await until(page, "document.querySelectorAll('button.slot').length > 0");
    await page.getByRole('button', { name: 'Next week' }).click();
    await until(page, "document.querySelectorAll('button.slot').length > 0 && !document.querySelector('.days[aria-busy]')");
    await page.locator('button.slot').first().click();
    expect((await confirmBooking()).payment).to.include({ mode: 'card_on_file', status: 'none' });
    await page.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();
  });
});
