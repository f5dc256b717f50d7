// The demo organisation's portal content, so the quick start shows a complete portal at once.
import { createLocation, createResource, createService } from './api/catalogue/service.ts';
import { createPack, createPlan } from './api/memberships/plans.ts';
import { updateCompany, putPolicy } from './api/company/service.ts';
import { updateSettings } from './api/payments/settings.ts';
import type Stripe from 'stripe';
import { setupSucceeded, stripeCustomerOf } from './api/payments/methods.ts';
import { stripeClient, type PaymentDeps } from './api/payments/stripe.ts';
import { addLine, openTab, setDiscount } from './api/tabs/service.ts';
import { settle } from './api/tabs/settle.ts';
import { moneySettings } from './api/payments/settings.ts';
import { createPortal } from './api/portals/service.ts';

export async function seedDemoPortal(org: string, orgName: string): Promise<void> {
  await createPortal(org, {
    slug: 'main',
    name: `${orgName} — customer portal`,
    branding: { primaryColor: '#0e6b6b', accentColor: '#b3541e', fontFamily: 'Georgia, "Times New Roman", serif' },
  });
  await updateCompany(org, orgName, {
    name: 'Harbour Day Spa',
    address: '12 Quay Street\nFalmouth TR11 3HH\nUnited Kingdom',
    email: 'hello@harbour-spa.example',
    phone: '+44 1326 000000',
    website: 'https://harbour-spa.example',
    openingHours: 'Monday to Friday 9:00–20:00\nSaturday 9:00–18:00\nSunday closed',
    legalName: 'Harbour Day Spa Ltd',
    taxNumber: 'GB 123 4567 89',
  });
  await putPolicy(
    org,
    'terms',
    '# Terms and conditions\n\nBookings are confirmed by email. Please arrive **10 minutes** early.\n\n- Treatments are for adults over 16.\n- Gift vouchers are valid for 12 months.',
  );
  await putPolicy(
    org,
    'privacy',
    '# Privacy policy\n\nWe keep your name, contact details and booking history to run your appointments. Ask us at hello@harbour-spa.example to see or delete them.',
  );
  await putPolicy(
    org,
    'refund',
    '# Refund policy\n\nCancel at least **24 hours** before your appointment for a full refund. Later cancellations are charged at 50 %.',
  );
}

const week = (start: string, end: string, days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const) => days.map((day) => ({ day, start, end }));

/** A spa's catalogue: two therapists, a massage (one customer at a time) and a yoga class of eight. */
export async function seedDemoCatalogue(org: string): Promise<void> {
  const location = await createLocation(org, {
    name: 'Harbour Day Spa, Falmouth',
    timeZone: 'Europe/London',
    address: '12 Quay Street, Falmouth TR11 3HH',
  });
  const therapist = (name: string, email: string) =>
    createResource(org, {
      name,
      kind: 'staff',
      locationId: location.id,
      email,
      weeklyHours: week('09:00', '20:00'),
      exceptions: [{ from: '2026-12-25', to: '2026-12-26', hours: [], note: 'Christmas' }],
    });
  const ana = await therapist('Ana Ruiz', 'ana@harbour-spa.example');
  const ben = await therapist('Ben Okafor', 'ben@harbour-spa.example');
  const rules = { intervalMinutes: 30, bufferBeforeMinutes: 0, capacity: 1, minNoticeMinutes: 120, maxDaysAhead: 60, active: true };
  const massage = await createService(org, {
    ...rules,
    name: 'Deep tissue massage',
    description: 'A firm, full-body massage that works out knots and tension.',
    durationMinutes: 60,
    price: { amount: 6500, currency: 'GBP' },
    bufferAfterMinutes: 15,
    resourceIds: [ana.id, ben.id],
    locationId: location.id,
    cancellationWindowMinutes: 24 * 60,
    lateCancellationNote: 'Later cancellations are charged at 50 %; call us on +44 1326 000000.',
  });
  const yoga = await createService(org, {
    ...rules,
    name: 'Sunrise yoga',
    description: 'A gentle hour of stretching and breathing for every level.',
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 1200, currency: 'GBP' },
    bufferAfterMinutes: 0,
    capacity: 8,
    minNoticeMinutes: 0,
    resourceIds: [ana.id],
    locationId: location.id,
    cancellationWindowMinutes: 2 * 60,
  });
  await seedDemoMemberships(org, yoga.id, massage.id);
}

/** Two plans and a class pack, so the portal's Membership section has something to join. */
async function seedDemoMemberships(org: string, yogaId: string, massageId: string) {
  const terms = { interval: 'month' as const, joiningFee: 0, trialDays: 0, perks: [], discounts: [], rollover: null, active: true };
  await createPlan(org, {
    ...terms,
    name: 'Yoga 8',
    description: 'Eight classes a month, unused ones carried into the next.',
    price: { amount: 6000, currency: 'GBP' },
    minimumTermPeriods: 3,
    noticeDays: 30,
    perks: ['Free towel and mat'],
    entitlements: [{ name: 'Yoga classes', serviceIds: [yogaId], unlimited: false, credits: 8, whenOut: 'pay' }],
    rollover: { maxCredits: 2, periods: 1 },
    freeze: { allowed: true, maxDaysPerYear: 30, fee: 500 },
  });
  await createPlan(org, {
    ...terms,
    name: 'Harbour Unlimited',
    description: 'As much yoga as you like, a massage a month and 15 % off every other.',
    price: { amount: 12000, currency: 'GBP' },
    minimumTermPeriods: 1,
    noticeDays: 0,
    entitlements: [
      { name: 'Unlimited yoga', serviceIds: [yogaId], unlimited: true, credits: 0, whenOut: 'pay' },
      { name: 'Monthly massage', serviceIds: [massageId], unlimited: false, credits: 1, whenOut: 'pay' },
    ],
    discounts: [{ serviceIds: [massageId], percent: 15 }],
    freeze: { allowed: true, maxDaysPerYear: 60, fee: 0 },
  });
  await createPack(org, {
    name: '10 yoga classes',
    description: 'Ten classes to use within six months.',
    price: { amount: 10000, currency: 'GBP' },
    credits: 10,
    serviceIds: [yogaId],
    expiresInDays: 182,
    active: true,
  });
}

/** The demo's webhook signing secret: the local demo plays Stripe's webhooks with it (scripts/stripe/demo-webhooks.ts). */
export const DEMO_WEBHOOK_SECRET = 'whsec_PorticoDemoWebhookSecret00000000';

/**
 * Test-mode Stripe keys for the demo: with no STRIPE_API_URL in development, Stripe is stripe-mock, which takes any
 * test key, so the demo's payments work with no account.
 */
export async function seedDemoPayments(org: string, sealKey: Buffer): Promise<void> {
  await updateSettings(sealKey, org, {
    secretKey: 'sk_test_PorticoDemoKeyForStripeMock000000',
    publishableKey: 'pk_test_PorticoDemoKeyForStripeMock000000',
    webhookSecret: DEMO_WEBHOOK_SECRET,
    currency: 'GBP',
    taxInclusive: true,
    taxRates: [{ name: 'VAT 20%', percent: 20 }],
  });
}

/**
 * A customer's money, so the demo shows it at once: a visit paid in cash (its invoice and receipt) and a tab still
 * open at the café, and (with stripe-mock) a saved card to pay it with. `customerId`: the demo owner, who can also
 * sign in to the portal as a customer.
 */
export async function seedDemoMoney(
  deps: PaymentDeps,
  org: string,
  timeZone: string,
  customerId: string,
  email: string,
  options: { savedCard: boolean },
): Promise<void> {
  const settings = await moneySettings(deps.sealKey, org);
  if (options.savedCard && settings.account) {
    // A card saved as Stripe's setup_intent.succeeded would save it (stripe-mock's test card: Visa 4242).
    const stripe = stripeClient(settings.account, deps.endpoint);
    await setupSucceeded(stripe, org, {
      customer: await stripeCustomerOf(stripe, org, customerId, email),
      payment_method: 'pm_card_visa',
    } as Stripe.SetupIntent);
  }
  const vat = settings.taxRates[0]?.id ?? null;
  const tab = async (lines: { description: string; quantity: number; unitAmount: number }[]) => {
    const opened = await openTab(org, settings, { customerId }, { email, name: 'Demo Owner' });
    for (const line of lines) await addLine(org, settings, opened._id, { ...line, taxRateId: vat });
    return opened;
  };
  const visit = await tab([
    { description: 'Deep tissue massage, 60 min', quantity: 1, unitAmount: 6500 },
    { description: 'Aromatherapy oil', quantity: 1, unitAmount: 1800 },
  ]);
  await setDiscount(org, visit._id, { kind: 'percent', value: 10 });
  await settle(deps, org, visit._id, { method: 'cash' }, 500, { timeZone });
  await tab([
    { description: 'Flat white', quantity: 2, unitAmount: 340 },
    { description: 'Lemon cake', quantity: 1, unitAmount: 420 },
  ]);
}
