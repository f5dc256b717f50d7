import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import {
  expectAccessible,
  expectAttribute,
  expectDisabled,
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

const slotAt = (start: string) => `button.slot time[datetime="${start}"]`;
const hasSlot = (start: string) => `!!document.querySelector('${slotAt(start)}')`;
/** The week's times are shown and no refetch is in flight. */
const weekShown = "document.querySelectorAll('button.slot').length > 0 && !document.querySelector('.days[aria-busy]')";

describe('Booking in the Customer Portal, in headless Chromium', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let browser: Browser;
  let page: Page; // the customer who books
  let other: Page; // another customer, looking at the same week
  let therapist: string;
  let booked = ''; // the booked time (ISO), as the week picker marks it
  const email = uniqueEmail('booker');

  before(async function () {
    skipWithoutChromium(this);
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Day Spa' });
    const admin = await adminToken(s, t);
    await call('POST', `${adminUrl(t)}/portals`, admin, {
      slug: 'main',
      name: 'Harbour portal',
      branding: { primaryColor: '#7a1f5c', accentColor: '#0b5c7a' },
    });
    const catalogue = await seedCatalogue(t, admin);
    therapist = catalogue.therapists[0].name;
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    other = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close();
  });

  const signIn = (p: Page, address: string) => signInInPage(p, s, t.issuer, address);
  const fitsPhone = (name: string) => expectFits(page, 375, name);

  /** Book → the massage → next week (every time there is outside the 24-hour cancellation window) → one therapist. */
  async function openMassageWeek(p: Page) {
    await p.getByRole('navigation').getByRole('link', { name: 'Book', exact: true }).click();
    await p.getByRole('heading', { level: 1, name: 'Book' }).waitFor();
    await p.getByRole('link', { name: 'Choose Deep tissue massage' }).click();
    await p.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await until(p, weekShown);
    await expectDisabled(p.getByRole('button', { name: 'Previous week' })); // this week is the first
    await p.getByRole('button', { name: 'Next week' }).click();
    await p.getByLabel('Staff member').selectOption({ label: therapist });
    await until(p, weekShown);
  }

  it('signs two customers in; the home page offers booking', async () => {
    await signIn(page, email);
    await signIn(other, uniqueEmail('other'));
    await page.getByText('No upcoming bookings').waitFor();
    await page.getByRole('link', { name: 'Book an appointment' }).waitFor();
    const nav = await linkTexts(
      page.getByRole('navigation'),
      (x) => x.includes('Book') && x.includes('Upcoming bookings'),
      'Book and Upcoming bookings',
    );
    expect(nav).to.not.include('Booking history'); // hidden while empty
  });

  it('shows the services, then a week of real times', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Book', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Book' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Deep tissue massage' }).waitFor();
    await expectText(page.locator('li.card', { hasText: 'Deep tissue massage' }), '1 hour', '£65.00', 'A firm full-body massage.');
    await page.getByRole('heading', { level: 2, name: 'Sunrise yoga' }).waitFor();
    await expectAccessible(page, 'services');
    await screenshots(page, 'book-services');

    await Promise.all([openMassageWeek(page), openMassageWeek(other)]);
    await expectDisabled(page.getByRole('button', { name: 'Previous week' }), false);
    expect(await page.locator('.days > li').count()).to.equal(7); // the week is shown (openMassageWeek waited for it)
    await expectAccessible(page, 'week');
    await fitsPhone('week');
    await screenshots(page, 'book-week');
  });

  it('books a time; the other customer loses it live, and their chosen time is let go politely', async () => {
    booked = (await page.locator('button.slot time').first().getAttribute('datetime'))!;
    expect(booked).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00(\.000)?Z$/);
    await until(other, hasSlot(booked));
    await other.evaluate('window.stillTheSamePage = true'); // gone after a reload
    // The other customer has chosen the same time and is reading the confirmation.
    await other.locator(slotAt(booked)).click();
    await other.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();

    await page.locator(slotAt(booked)).click();
    await page.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();
    await expectText(
      page.locator('main'),
      'Deep tissue massage',
      therapist,
      '£65.00',
      'up to 24 hours before the start',
      'Within 24 hours, please call us on 01326 000000.',
    );
    await until(page, "document.activeElement?.id === 'page-title'"); // focus moves to the title after the render
    await expectAccessible(page, 'confirm');
    await screenshots(page, 'book-confirm');

    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();
    await expectAccessible(page, 'booked');
    await screenshots(page, 'book-done');
    const ics = await page.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
    expect(ics).to.match(/\/bff\/api\/bookings\/[^/]+\/calendar\.ics$/);
    const file = await page.request.get(new URL(ics!, page.url()).href);
    expect(file.status()).to.equal(200);
    expect(file.headers()['content-type']).to.contain('text/calendar');
    expect(await file.text()).to.contain('BEGIN:VCALENDAR');

    // Live, without a reload: the other customer is back on the week, told why, and the time is gone.
    await until(other, "document.querySelector('[role=status].notice')?.textContent.includes('has just been taken')");
    await other.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await until(other, `!${hasSlot(booked)}`);
    expect(await other.evaluate<boolean>('window.stillTheSamePage === true')).to.equal(true);
    await expectAccessible(other, 'time taken');
    await screenshots(other, 'book-time-taken');
  });

  it('lists the booking under Upcoming bookings', async () => {
    await page.getByRole('link', { name: 'See your upcoming bookings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upcoming bookings' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Deep tissue massage' }).waitFor();
    await expectText(page.locator('li.booking'), therapist, 'Harbour Day Spa');
    await expectAttribute(page.locator('li.booking time'), 'datetime', booked);
    await expectAccessible(page, 'upcoming');
    await fitsPhone('upcoming');
    await screenshots(page, 'upcoming');
  });

  it('reschedules it with the same week picker; the other customer sees both times change live', async () => {
    await page.getByRole('link', { name: /^Reschedule Deep tissue massage/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose a new time' }).waitFor();
    await until(page, weekShown);
    await page.getByRole('button', { name: 'Next week' }).click();
    await page.getByLabel('Staff member').selectOption({ label: therapist });
    await until(page, weekShown);
    const moved = (await page.locator('button.slot time').first().getAttribute('datetime'))!;
    expect(moved).to.not.equal(booked);
    await until(other, hasSlot(moved));
    await expectAccessible(page, 'reschedule');
    await screenshots(page, 'reschedule-week');

    await page.locator(slotAt(moved)).click();
    await page.getByRole('heading', { level: 1, name: 'Confirm the new time' }).waitFor();
    await page.getByRole('button', { name: 'Move booking' }).click();
    await page.getByRole('heading', { level: 1, name: 'Booking moved' }).waitFor();
    await expectAccessible(page, 'moved');
    await until(other, `${hasSlot(booked)} && !${hasSlot(moved)}`); // the old time is free again, the new one taken

    await page.getByRole('link', { name: 'Back to upcoming bookings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Upcoming bookings' }).waitFor();
    await until(page, `document.querySelector('li.booking time')?.getAttribute('datetime') === '${moved}'`);
    expect(await page.locator('li.booking').count()).to.equal(1); // the same booking, moved
    booked = moved;
  });

  it('cancels it after confirming in the page; it moves to the history, marked Cancelled', async () => {
    await page.getByRole('button', { name: /^Cancel Deep tissue massage/ }).click();
    await page.getByRole('button', { name: 'Yes, cancel booking' }).waitFor();
    await expectAccessible(page, 'cancel question');
    await screenshots(page, 'upcoming-cancel');
    await page.getByRole('button', { name: 'Yes, cancel booking' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled: Deep tissue massage' }).waitFor();
    await page.getByText('No upcoming bookings').waitFor();
    // The freed time comes back on the other customer's week, live.
    await until(other, hasSlot(booked));

    await page.getByRole('navigation').getByRole('link', { name: 'Booking history' }).click(); // no longer empty
    await page.getByRole('heading', { level: 1, name: 'Booking history' }).waitFor();
    const item = page.locator('li.booking', { hasText: 'Deep tissue massage' });
    await item.locator('.badge', { hasText: 'Cancelled' }).waitFor();
    await expectAttribute(item.locator('time'), 'datetime', booked);
    await expectAccessible(page, 'history');
    await screenshots(page, 'history');
  });

  it("shows the server's answer when the time was taken meanwhile, and refreshes the week", async () => {
    // This page misses the live events, so only the server can say the time has gone. Its stream is held, never
    // answered: a refused or ended stream makes the page refetch the week at each reconnection (so as to miss
    // nothing), which on a slow machine could show the time gone before the test confirms it.
    await page.route('**/bff/api/events', () => undefined);
    await page.getByRole('navigation').getByRole('link', { name: 'Book', exact: true }).click();
    await page.getByRole('link', { name: 'Choose Deep tissue massage' }).click();
    await page.getByLabel('Staff member').selectOption({ label: therapist });
    await until(page, weekShown);
    const wanted = (await page.locator('button.slot time').first().getAttribute('datetime'))!; // this week: within 24 hours
    await page.locator(slotAt(wanted)).click();
    await page.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();
    // Nor does it refetch the week meanwhile (a refetch would show the time gone before the test confirms it).
    const week = (url: URL) => url.pathname.endsWith('/bff/api/availability');
    await page.route(week, () => undefined);

    await other.getByRole('button', { name: 'Previous week' }).click();
    await until(other, hasSlot(wanted));
    await other.locator(slotAt(wanted)).click();
    await other.getByRole('button', { name: 'Confirm booking' }).click();
    await other.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();

    await page.unroute(week); // the week the server's answer sends it back to is fetched
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('alert').filter({ hasText: 'This time has just been taken. Choose another.' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Choose a time' }).waitFor();
    await until(page, `${weekShown} && !${hasSlot(wanted)}`);
    await expectAccessible(page, 'time taken meanwhile');

    // A time inside the cancellation window: it cannot be cancelled or moved online, and the page says why.
    await page.locator('button.slot').first().click();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('heading', { level: 1, name: 'Booking confirmed' }).waitFor();
    await page.unroute('**/bff/api/events');
    await page.getByRole('link', { name: 'See your upcoming bookings' }).click();
    await page.getByRole('heading', { level: 2, name: 'Deep tissue massage' }).waitFor();
    await expectDisabled(page.getByRole('button', { name: /^Cancel Deep tissue massage/ }));
    await expectDisabled(page.getByRole('button', { name: /^Reschedule Deep tissue massage/ }));
    await expectText(
      page.locator('li.booking'),
      'can no longer be cancelled or rescheduled online',
      'Within 24 hours, please call us on 01326 000000.',
    );
    await expectAccessible(page, 'upcoming, inside the window');
    await screenshots(page, 'upcoming-closed');
    await page.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 2, name: 'Upcoming bookings' }).waitFor();
    await page.getByText('Your next booking').waitFor();
  });

  it('shows the seats left in a class', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Book', exact: true }).click();
    await page.getByRole('link', { name: 'Choose Sunrise yoga' }).click();
    await until(page, weekShown);
    await expectText(page.locator('button.slot').first(), '8 seats left');
    expect(await page.getByLabel('Staff member').count()).to.equal(0); // one teacher: nothing to choose
    await expectAccessible(page, 'class week');
    await screenshots(page, 'book-class');
  });
});
