// The admin console's money pages in headless Chromium, against the real stack and stripe-mock: an owner connects
// Stripe and tests the connection, runs a tab at the point of sale (lines, a discount, cash with a tip), finds the
// invoice, refunds part of it (a credit note), and downloads the accountant's CSV.
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { setStaffRole } from '../../idp/organisations/staff.ts';
import { addDays, localAt, today } from '../../portal/api/availability/zoned.ts';
import { adminUrl, apiUrl, call, customerToken, ownedOrg } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import {
  eventually,
  expectAttribute,
  expectChecked,
  expectDisabled,
  expectText,
  expectValue,
  launch,
  linkTexts,
  screenshots,
  seriousViolations,
  signInWithCode,
  skipWithoutChromium,
  until,
} from '../support/chromium.ts';
import { makeClient, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { pdfText } from '../support/pdf.ts';
import { stack, type Stack } from '../support/stack.ts';
import { WEBHOOK_SECRET, cardSaved, intentEvent } from '../support/stripe.ts';

const SECRET = 'sk_test_51PorticoConsoleSecretKey0123456789';
const PUBLISHABLE = 'pk_test_51PorticoConsolePublishable0123456789';
const WEBHOOK = WEBHOOK_SECRET; // what the test's Stripe signs its webhooks with

describe('Admin console money pages in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let api: string;
  let browser: Browser;
  let page: Page;
  const owner = uniqueEmail('owner');
  const consoleUrl = () => `${t.issuer}/admin`;

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    ({ t, api } = await ownedOrg(s, owner));
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
  });

  after(async () => {
    await browser?.close();
  });

  async function expectAccessible(name: string) {
    const violations = await seriousViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations)}`).to.deep.equal([]);
  }

  async function signIn(p: Page, email: string) {
    await p.goto(consoleUrl());
    await signInWithCode(p, s.mailbox, email);
    await p.getByRole('link', { name: 'Apps' }).first().waitFor();
  }

  /** Nothing wider than a 390 px phone. */
  async function fitsPhone(name: string) {
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(width, `${name} at 390 px`).to.be.at.most(390);
  }

  const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text }).first().waitFor();
  const settings = async () => (await call('GET', `${adminUrl(t)}/payments/settings`, api)).body;

  it('signs the owner in', async () => {
    await signIn(page, owner);
  });

  it('connects Stripe: keys saved and cleared, shown only as hints, the connection tested in plain words', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
    await expectText(page.getByTestId('stripe-state'), 'Not connected'); // once the settings have arrived
    // The webhook to set up in Stripe, as the API says: the console keeps no list of its own.
    const { webhook } = await settings();
    expect(webhook.url).to.equal(`${t.issuer}/stripe/webhook`);
    await eventually(
      () => page.getByTestId('webhook-url').innerText(),
      (shown) => shown === webhook.url,
      'the webhook URL the API gives',
    );
    expect(webhook.events).to.include('payment_intent.succeeded');
    const events = () => page.getByTestId('webhook-events').getByRole('listitem').allInnerTexts();
    await eventually(events, (shown) => shown.join() === webhook.events.join(), 'the webhook events the API lists');

    // A publishable key in the secret key's place is refused beside the field.
    await page.getByLabel('Secret key', { exact: true }).fill(PUBLISHABLE);
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.locator('#pay-secretKey-err').waitFor();
    await expectAttribute(page.getByLabel('Secret key', { exact: true }), 'aria-invalid', 'true');

    await page.getByLabel('Secret key', { exact: true }).fill(SECRET);
    await page.getByLabel('Publishable key', { exact: true }).fill(PUBLISHABLE);
    await page.getByLabel('Webhook signing secret', { exact: true }).fill(WEBHOOK);
    expect(await page.getByLabel('Secret key', { exact: true }).getAttribute('type')).to.equal('password');
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByRole('status').filter({ hasText: 'Keys saved' }).waitFor();
    for (const label of ['Secret key', 'Publishable key', 'Webhook signing secret']) await expectValue(page.getByLabel(label, { exact: true }), '');
    await expectText(page.getByTestId('stripe-state'), 'Connected, test mode');
    expect(await expectText(page.locator('main'), 'sk_test_…6789')).to.not.contain(SECRET);

    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('status').filter({ hasText: 'Stripe accepted the secret key (test mode).' }).waitFor();
    expect((await settings()).connected).to.equal(true);
  });

  it('sets the currency, tax rates and invoice prefix', async () => {
    await page.getByLabel('Currency', { exact: true }).fill('gbp');
    await page.getByLabel('Prices include tax').check();
    await page.getByRole('button', { name: 'Add tax rate' }).click();
    await page.getByLabel('Tax rate 1, name').fill('VAT 20%');
    await page.getByLabel('Tax rate 1, percent').fill('120');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('[id="pay-taxRates.0.percent-err"]').waitFor(); // beside the field
    await page.getByLabel('Tax rate 1, percent').fill('20');
    await page.getByRole('button', { name: 'Add tax rate' }).click();
    await page.getByLabel('Tax rate 2, name').fill('Reduced 5%');
    await page.getByLabel('Tax rate 2, percent').fill('5');
    await page.getByLabel('Invoice number prefix').fill('hds');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('region', { name: 'Currency, tax and invoices' })
      .getByRole('status')
      .filter({ hasText: /^Saved$/ })
      .waitFor();
    const saved = await settings();
    expect(saved).to.deep.include({ currency: 'GBP', taxInclusive: true, invoicePrefix: 'HDS' });
    expect(saved.taxRates.map((r: { name: string; percent: number }) => [r.name, r.percent])).to.deep.equal([
      ['VAT 20%', 20],
      ['Reduced 5%', 5],
    ]);
    await expectAccessible('payments');
    await screenshots(page, 'admin-payments');
  });
  it('names the business on invoices: the legal name and tax number saved on the Company page', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Company', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Company' }).waitFor();
    const legal = page.getByLabel('Legal name', { exact: true });
    const taxNumber = page.getByLabel('VAT or tax number', { exact: true });
    expect(await page.locator(`[id="${await legal.getAttribute('aria-describedby')}"]`).innerText()).to.contain('Printed on invoices');
    await legal.fill('Harbour Day Spa Ltd');
    await taxNumber.fill('GB 123/456');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('#co-taxNumber-err').waitFor(); // a slash is no part of a tax number
    await expectAttribute(taxNumber, 'aria-invalid', 'true');
    await taxNumber.fill('GB 123 4567 89');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('region', { name: 'Company information' })
      .getByRole('status')
      .filter({ hasText: /^Saved$/ })
      .waitFor();
    const company = (await call('GET', `${adminUrl(t)}/company`, api)).body;
    expect(company).to.deep.include({ legalName: 'Harbour Day Spa Ltd', taxNumber: 'GB 123 4567 89' });
    await page.reload();
    await legal.waitFor();
    await until(page, `document.getElementById('co-legalName')?.value === 'Harbour Day Spa Ltd'`);
    await expectValue(taxNumber, 'GB 123 4567 89');
    await expectAccessible('company');
    await fitsPhone('company');
    await screenshots(page, 'admin-company');
  });

  let customer: { email: string; id: string };
  let massage: { id: string };
  let tabId = '';
  let invoiceNumber = '';

  it('opens a tab for a customer found by their exact email, one who never booked; tabs opened elsewhere appear live', async () => {
    ({ massage } = await seedCatalogue(t, api)); // the price list
    const c = await customerToken(s, await makeClient(s, t)); // signed up, nothing booked
    customer = { email: c.email, id: c.tokens.claims()!.sub };

    await page.getByRole('navigation').getByRole('link', { name: 'Point of sale', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Point of sale' }).waitFor();
    await page.getByText('No open tabs.').waitFor();
    await until(page, `document.querySelector('[data-testid=live]')?.dataset.state === 'live'`);
    const other = await call('POST', `${adminUrl(t)}/tabs`, api, { customerId: customer.id, note: 'Table 4' });
    expect(other.status, JSON.stringify(other.body)).to.equal(201);
    await until(page, `!!document.getElementById('tab-${other.body.id}')`);
    await expectText(page.locator(`[id="tab-${other.body.id}"]`), customer.email, 'Table 4');
    await expectAccessible('point of sale');
    await fitsPhone('point of sale');
    await screenshots(page, 'admin-pos');

    await page.getByLabel('Customer', { exact: true }).fill('nobody');
    await page.getByRole('button', { name: 'Open tab' }).click();
    await page.locator('#ot-customer-err').filter({ hasText: 'Enter an email address' }).waitFor();
    await page.getByLabel('Customer', { exact: true }).fill('nobody@example.com');
    await page.getByRole('button', { name: 'Open tab' }).click();
    await page.locator('#ot-customer-err').filter({ hasText: 'No customer has this email address.' }).waitFor();
    await page.getByLabel('Customer', { exact: true }).fill(` ${customer.email.toUpperCase()} `); // as typed in a hurry
    await page.getByLabel('Note (optional)').fill('Counter');
    await page.getByRole('button', { name: 'Open tab' }).click();
    await page.getByRole('heading', { level: 1, name: `Tab for ${customer.email}` }).waitFor();
    await status(`Tab opened for ${customer.email}.`);
    tabId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    expect(tabId).to.match(/^tab_/);
    // The forms the customer sent through flows are a link away from their tab.
    await page.getByRole('link', { name: `Forms (${customer.email})`, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Customer’s forms' }).waitFor();
    await page.getByText('This customer has not sent any forms.').waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).to.equal(`#/flows/customer/${customer.id}`);
    await page.getByRole('link', { name: '← Back' }).click(); // where staff came from: the tab, not bookings
    await page.getByRole('heading', { level: 1, name: `Tab for ${customer.email}` }).waitFor();
  });

  it('adds lines from the price list and as free text, removes one, and shows a line added elsewhere live', async () => {
    await page.getByLabel('From the price list').selectOption({ label: 'Deep tissue massage · £65.00' });
    await expectValue(page.getByLabel('Description', { exact: true }), 'Deep tissue massage'); // filled in after the choice renders
    await expectValue(page.getByLabel('Unit price (GBP)'), '65.00');
    await page.getByRole('button', { name: 'Add line' }).click();
    await status('Added Deep tissue massage.');

    await page.getByLabel('Description', { exact: true }).fill('Sparkling water');
    await page.getByLabel('Quantity').fill('2');
    await page.getByLabel('Unit price (GBP)').fill('2.5');
    await page.getByLabel('Tax rate', { exact: true }).selectOption({ label: 'Reduced 5%' });
    await page.getByRole('button', { name: 'Add line' }).click();
    await status('Added Sparkling water.');

    await page.getByLabel('Description', { exact: true }).fill('Mistake');
    await page.getByLabel('Unit price (GBP)').fill('1.005'); // a tenth of a penny is no amount of GBP
    await page.getByRole('button', { name: 'Add line' }).click();
    await page.locator('#line-unitAmount-err').waitFor();
    await page.getByLabel('Unit price (GBP)').fill('1');
    await page.getByRole('button', { name: 'Add line' }).click();
    await status('Added Mistake.');
    await page.getByRole('button', { name: 'Remove Mistake' }).click();
    await status('Removed Mistake.');

    const tea = await call('POST', `${adminUrl(t)}/tabs/${tabId}/lines`, api, {
      description: 'Herbal tea',
      quantity: 1,
      unitAmount: 300,
      taxRateId: 'tax_1',
    });
    expect(tea.status, JSON.stringify(tea.body)).to.equal(201);
    await page.getByRole('cell', { name: 'Herbal tea', exact: true }).waitFor();

    const tab = (await call('GET', `${adminUrl(t)}/tabs/${tabId}`, api)).body;
    expect(
      tab.lines.map((l: { description: string; quantity: number; unitAmount: number; taxRate: { name: string } | null }) => [
        l.description,
        l.quantity,
        l.unitAmount,
        l.taxRate?.name,
      ]),
    ).to.deep.equal([
      ['Deep tissue massage', 1, 6500, 'VAT 20%'],
      ['Sparkling water', 2, 250, 'Reduced 5%'],
      ['Herbal tea', 1, 300, 'VAT 20%'],
    ]);
    await expectText(page.getByTestId('totals'), '£73.00');
  });

  it('takes a discount and settles in cash with a tip; the paid tab links to its invoice and its PDF', async () => {
    await page.getByLabel('Percent off').check();
    await page.getByLabel('Percent', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Apply discount' }).click();
    await status('Discount applied.');
    await expectText(page.getByTestId('totals'), '£73.00', '−£7.30', '£65.70');

    // No saved card: the page says so, and cash is the way.
    await page.getByText('This customer has no saved card.').waitFor();
    await expectAccessible('tab');
    await fitsPhone('tab');
    await screenshots(page, 'admin-pos-tab');
    await page.getByLabel('Paid in cash').check();
    await page.getByLabel('Tip (GBP, optional)').fill('5');
    await page.getByRole('button', { name: 'Record £70.70 paid in cash' }).click();
    await page.getByTestId('paid').waitFor();
    await expectText(page.getByTestId('paid'), 'Paid in cash');
    const tab = (await call('GET', `${adminUrl(t)}/tabs/${tabId}`, api)).body;
    expect(tab).to.deep.include({ status: 'paid' });
    expect(tab.payment).to.deep.include({ state: 'succeeded', method: 'cash', amount: 7070, tip: 500 });
    expect(tab.invoiceId).to.be.a('string');
    await page.getByRole('link', { name: 'View invoice' }).click();
    const heading = page.getByRole('heading', { level: 1, name: /^Invoice HDS-\d{4}-\d{6}$/ });
    await heading.waitFor();
    invoiceNumber = (await heading.innerText()).replace('Invoice ', '');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    expect(pdf.suggestedFilename()).to.equal(`${invoiceNumber}.pdf`);
    expect(pdfText(await readFile((await pdf.path())!)))
      .to.contain(invoiceNumber)
      .and.contain('Sparkling water')
      .and.contain('Harbour Day Spa Ltd') // as the Company page says
      .and.contain('GB 123 4567 89');
  });

  it('refunds part of the invoice: a credit note is issued and listed', async () => {
    await expectText(page.locator('main'), 'Up to £70.70 can still be refunded'); // once the invoice's refunds have arrived
    await page.getByLabel('Part of it').check();
    await page.getByLabel('Amount (GBP)').fill('80');
    await page.getByLabel('Reason', { exact: true }).fill('Goodwill: the massage started late');
    await page.getByRole('button', { name: /^Refund/ }).click();
    await page.locator('#refund-amount-err').filter({ hasText: 'up to £70.70' }).waitFor(); // more than was paid
    await page.getByLabel('Amount (GBP)').fill('10.00');
    await page.getByRole('button', { name: 'Refund £10.00' }).click();
    await status(/^Credit note ([A-Z0-9]+-)?CN-\d{4}-\d{6} issued for £10\.00\.$/);
    await page
      .getByRole('region', { name: 'Credit notes and receipts' })
      .getByRole('link', { name: /CN-\d{4}-\d{6}$/ })
      .waitFor();
    await until(page, `document.querySelector('main').innerText.includes('Up to £60.70 can still be refunded')`);
    await expectAccessible('invoice');
    await fitsPhone('invoice');
    await screenshots(page, 'admin-invoice');
  });

  it('lists the documents with filters, and the accountant’s CSV names the invoice', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Invoices', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    await page.getByRole('link', { name: invoiceNumber }).waitFor();
    const kinds = () => page.evaluate<string[]>(`[...document.querySelectorAll('table.documents tbody tr')].map((r) => r.dataset.kind)`);
    await eventually(kinds, (k) => [...k].sort().join() === 'credit_note,invoice,receipt', 'an invoice, its receipt and its credit note');
    await page.getByLabel('Type').selectOption({ label: 'Credit notes' });
    await page.getByRole('button', { name: 'Show' }).click();
    const rows = `[...document.querySelectorAll('table.documents tbody tr')]`;
    await until(page, `${rows}.length > 0 && ${rows}.every((r) => r.dataset.kind === 'credit_note')`);
    expect(await kinds()).to.deep.equal(['credit_note']);
    await page.getByLabel('Type').selectOption({ label: 'All types' });
    await page.getByLabel('Customer (optional)').fill(customer.email);
    await page.getByRole('button', { name: 'Show' }).click();
    await until(page, `document.querySelectorAll('table.documents tbody tr').length === 3`);
    await expectAccessible('invoices');
    await screenshots(page, 'admin-invoices');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).to.contain(invoiceNumber);
    expect(download.suggestedFilename()).to.match(/\.csv$/);
  });

  it('shows staff the point of sale with the tax rates and invoices, but neither Payments nor the refund', async () => {
    const clerk = uniqueEmail('clerk');
    await setStaffRole(t.org.slug, clerk, 'staff', undefined);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    await signIn(p, clerk);
    const nav = await linkTexts(
      p.getByRole('navigation'),
      (x) => x.includes('Point of sale') && x.includes('Invoices'),
      'Point of sale and Invoices',
    );
    expect(nav).to.not.include('Payments');
    const invoice = (await call('GET', `${adminUrl(t)}/tabs/${tabId}`, api)).body.invoiceId;
    await p.goto(`${consoleUrl()}#/invoices/${invoice}`);
    await p.getByText('Only owners and admins can refund.').waitFor();
    expect(await p.getByRole('button', { name: /^Refund/ }).count()).to.equal(0);

    // At the till, staff pick from the business's tax rates like anyone (they read the payment settings).
    const open = await call('POST', `${adminUrl(t)}/tabs`, api, { customerId: customer.id, note: 'Staff till' });
    await p.goto(`${consoleUrl()}#/tabs/${open.body.id}`);
    const rate = p.getByLabel('Tax rate', { exact: true });
    await until(p, `document.querySelectorAll('#line-taxRateId option').length === 3`);
    expect(await rate.locator('option').allInnerTexts()).to.deep.equal(['No tax', 'VAT 20%', 'Reduced 5%']);
    await expectValue(rate, 'tax_1'); // the first rate by default
    expect(await p.getByText('Tax rates could not be loaded').count()).to.equal(0);
    await call('POST', `${adminUrl(t)}/tabs/${open.body.id}/void`, api, { reason: 'Test over' });
    await context.close();
  });
  it('configures a prepaid service in the editor: a deposit, the tax rate of what is paid, the late refund', async () => {
    await page.goto(`${consoleUrl()}#/catalogue/services`);
    await page.getByRole('button', { name: 'Edit Deep tissue massage' }).click();
    await page.getByRole('heading', { level: 2, name: 'Deep tissue massage' }).waitFor();
    const terms = page.getByRole('group', { name: 'Payment when booking' });
    await expectChecked(terms.getByRole('radio', { name: /^Nothing/ })); // no terms yet
    await terms.getByRole('radio', { name: /^Pay when booking/ }).check();
    await expectChecked(terms.getByRole('radio', { name: /^The full price \(£65\.00\)/ })); // shown after the choice renders
    await terms.getByRole('radio', { name: 'A deposit: a fixed amount' }).check();
    await page.getByLabel('Deposit (GBP)').fill('70'); // more than the price
    await page.getByLabel('Tax rate', { exact: true }).selectOption({ label: 'VAT 20%' });
    await page.getByLabel('Refund after the deadline (%)').fill('50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[id="svc-payment.deposit-err"]').filter({ hasText: 'no more than the price' }).waitFor();
    await page.getByLabel('Deposit (GBP)').fill('20');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await status('Changes saved');
    const saved = (await call('GET', `${adminUrl(t)}/services/${massage.id}`, api)).body;
    expect(saved.payment).to.deep.include({ mode: 'prepay', deposit: { kind: 'amount', value: 2000 }, taxRateId: 'tax_1', lateRefundPercent: 50 });
    await expectValue(page.getByLabel('Deposit (GBP)'), '20.00'); // read back in major units
    await expectAccessible('service payment terms');
    await fitsPhone('service payment terms');
    await screenshots(page, 'admin-service-payment');
    await page.getByRole('button', { name: '← Services' }).click();
    await page
      .getByRole('row', { name: /Deep tissue massage/ })
      .filter({ hasText: '£65.00 · paid when booking' })
      .waitFor();
  });

  it('shows a prepaid booking awaiting payment, paid at the till live, and refunded when staff cancel it', async () => {
    const c = await customerToken(s, await makeClient(s, t), { scope: 'bookings bookings:write' });
    const from = today(Date.now(), 'Europe/London');
    const week = await call('GET', `${apiUrl(t)}/availability?service=${massage.id}&from=${from}&to=${addDays(from, 6)}`, c.token);
    const slot: string = week.body.days.flatMap((d: { slots: { start: string }[] }) => d.slots)[0].start;
    const made = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: massage.id, start: slot });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body.payment).to.deep.include({ mode: 'prepay', status: 'due', amount: 2000, currency: 'GBP' });
    const { id, payment } = made.body as { id: string; payment: { tabId: string; dueBy: string } };

    await page.getByRole('navigation').getByRole('link', { name: 'Bookings', exact: true }).click();
    const row = page.locator(`[id="booking-${id}"]`);
    await row.waitFor();
    const until_ = localAt(Date.parse(payment.dueBy), 'Europe/London').time;
    await expectText(row, `Deposit £20.00: awaiting payment until ${until_}`);
    expect(await row.getByRole('link', { name: /^Take payment for the booking/ }).getAttribute('href')).to.equal(`#/tabs/${payment.tabId}`);
    await until(page, `document.querySelector('[data-testid=live]')?.dataset.state === 'live'`);
    await expectAccessible('bookings with payments');
    await screenshots(page, 'admin-bookings-payment');

    // Paid in cash at the till (elsewhere): the row turns paid as it happens, with the invoice.
    const paid = await call('POST', `${adminUrl(t)}/tabs/${payment.tabId}/settle`, api, { method: 'cash' });
    expect(paid.status, JSON.stringify(paid.body)).to.equal(200);
    await until(page, `document.querySelector('[id="booking-${id}"] .pay')?.dataset.pay === 'paid'`);
    await expectText(row, 'Deposit £20.00 paid');
    const invoiceId = paid.body.tab.invoiceId as string;
    expect(await row.getByRole('link', { name: /^Invoice of the booking/ }).getAttribute('href')).to.equal(`#/invoices/${invoiceId}`);

    // Cancelled by staff: before the deadline all of it comes back, after it the service's 50%.
    const late = Date.parse(slot) - 24 * 3_600_000 <= Date.now();
    const refund = late ? '£10.00' : '£20.00';
    await page.locator(`[id="cancel-${id}"]`).click();
    await page.getByText('What was paid is refunded as the service says').waitFor();
    await page.getByRole('button', { name: 'Yes, cancel booking' }).click();
    await status(new RegExp(`^Booking cancelled: .* ${refund.replace('.', '\\.')} refunded: credit note \\S*CN-\\d{4}-\\d{6}\\.$`));
    await until(page, `document.querySelector('[id="booking-${id}"] .pay')?.dataset.pay === 'refunded'`);
    await expectText(row, late ? '£10.00 of £20.00 refunded' : '£20.00 refunded');
    const after = (await call('GET', `${adminUrl(t)}/bookings/${id}`, api)).body;
    expect(after).to.deep.include({ status: 'cancelled' });
    expect(after.payment).to.deep.include({ status: 'refunded', refunded: late ? 1000 : 2000, invoiceId });
    await expectAccessible('bookings after a refund');
  });
  it('charges a saved card: processing, a decline with the bank’s words, then paid, each shown live', async () => {
    const c = await customerToken(s, await makeClient(s, t), { scope: 'payments payments:write' });
    const id = c.tokens.claims()!.sub;
    expect((await call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token)).status).to.equal(201);
    expect((await cardSaved(t, id)).status).to.equal(200);
    const opened = await call('POST', `${adminUrl(t)}/tabs`, api, { customerId: id });
    const tab = opened.body.id as string;
    await call('POST', `${adminUrl(t)}/tabs/${tab}/lines`, api, { description: 'Pool day', quantity: 1, unitAmount: 900, taxRateId: 'tax_1' });
    await page.goto(`${consoleUrl()}#/tabs/${tab}`);
    await page.getByLabel(/^visa •••• 4242/).waitFor();
    await until(page, `document.querySelector('#settle-paymentMethod input:checked')?.labels[0]?.textContent.startsWith('visa •••• 4242') === true`); // the default card
    const intent = async () => (await call('GET', `${adminUrl(t)}/tabs/${tab}`, api)).body.payment.stripePaymentIntent as string;

    await page.getByRole('button', { name: 'Charge £9.00' }).click();
    await page.getByText('Stripe is processing the payment').first().waitFor(); // stripe-mock never says succeeded
    await expectDisabled(page.getByRole('button', { name: 'Charge £9.00' })); // no second charge while one runs
    expect((await intentEvent(t, { id: await intent() }, 'payment_failed', 'Your card has insufficient funds.')).status).to.equal(200);
    await page.getByRole('alert').filter({ hasText: 'The payment failed: Your card has insufficient funds.' }).waitFor();

    await page.getByRole('button', { name: 'Charge £9.00' }).click();
    await page.getByText('Stripe is processing the payment').first().waitFor();
    expect((await intentEvent(t, { id: await intent() }, 'succeeded')).status).to.equal(200);
    await page.getByTestId('paid').waitFor();
    await expectText(page.getByTestId('paid'), 'by visa •••• 4242');
    await page.getByRole('link', { name: 'View invoice' }).waitFor();
  });
});
