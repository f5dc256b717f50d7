// The organisation the bad-input suite attacks, set up as a business would have it (a catalogue, a portal, Stripe
// connected, a booking, open and paid tabs with their invoice, a membership and a class pack) so hostile input to an existing resource reaches the
// route's validation instead of stopping at 404, and callers who get past authentication: real tokens and sessions.
import { expect } from 'chai';
import { addDays } from '../../../portal/api/availability/zoned.ts';
import * as oidc from 'openid-client';
import { setStaffRole } from '../../../idp/organisations/staff.ts';
import { adminToken, adminUrl, apiUrl, call } from '../../support/api.ts';
import { Browser, formAction } from '../../support/browser.ts';
import { seedCatalogue } from '../../support/catalogue.ts';
import { openFlow } from '../../support/flows.ts';
import {
  authorizationRequest,
  makeClient,
  makeOrg,
  openSignIn,
  requestCode,
  silentAuthorize,
  uniqueEmail,
  type TestOrg,
} from '../../support/oidc.ts';
import { portalSignIn } from '../../support/portal.ts';
import { stack, type Stack } from '../../support/stack.ts';
import { cardSaved, connectStripe } from '../../support/stripe.ts';

export type World = {
  s: Stack;
  t: TestOrg;
  /** Bearer tokens: a customer of the Client API with every scope, an owner (machine) and an admin (person) of the Admin API. */
  tokens: { customer: string; owner: string; admin: string };
  /** Signed-in browsers of the portal (the same customer) and of the admin console (the admin). */
  portal: Browser;
  console: Browser;
  /** A sign-in in progress, its code sent: the browser holding its cookie and its interaction id. */
  signIn: { browser: Browser; uid: string };
  /** Real values of path parameters, by the path segment before them (`/tabs/{id}` → tabs). */
  ids: Record<string, string>;
};

const SCOPES = 'profile profile:write bookings bookings:write payments payments:write memberships memberships:write connected_apps forms';

export async function setUpWorld(): Promise<World> {
  const s = await stack();
  const t = await makeOrg(s);
  const app = await makeClient(s, t);
  const owner = await adminToken(s, t, 'owner');
  const customerEmail = uniqueEmail('customer');
  const staffEmail = uniqueEmail('admin');
  await setStaffRole(t.org.slug, staffEmail, 'admin', undefined);
  // The browser apps, signed in: the portal as the customer, the console as the admin. Their tokens for the APIs
  // come from the same browsers' sessions (a second code to the same address so soon would be refused).
  const [portal, console] = (
    await Promise.all([
      portalSignIn(s, t.issuer, { email: customerEmail }),
      portalSignIn(s, t.issuer, { email: staffEmail, url: `${t.issuer}/admin` }),
    ])
  ).map((signedIn) => signedIn.browser) as [Browser, Browser];
  const tokenOf = async (browser: Browser, scope: string, resource: string) => {
    const { auth, url } = await silentAuthorize(s, app, browser, { scope: `openid email ${scope}`, resource });
    return oidc.authorizationCodeGrant(app.config, new URL(url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
  };
  const [customer, admin, { location, therapists, massage }] = await Promise.all([
    tokenOf(portal, SCOPES, `${t.issuer}/api`),
    tokenOf(console, 'admin', `${t.issuer}/admin`).then((r) => r.access_token),
    seedCatalogue(t, owner),
  ]);
  const sub = customer.claims()!.sub;
  const ok = async (method: string, path: string, body?: unknown, token = owner, base = adminUrl(t)) => {
    const res = await call(method, `${base}${path}`, token, body);
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.be.within(200, 299);
    return res.body;
  };
  await Promise.all([
    ok('PUT', '/company', { name: 'Harbour Spa', legalName: 'Harbour Spa Ltd', address: '12 Quay Street' }),
    ok('PUT', '/policies/terms', { markdown: 'Be kind.' }),
    connectStripe(t, owner, { currency: 'GBP', taxInclusive: true, taxRates: [{ name: 'VAT', percent: 20 }], invoicePrefix: 'HDS' }),
  ]);

  // A tab left open (with a line), and one paid in cash: its invoice and receipt.
  const tab = await ok('POST', '/tabs', { customerId: sub });
  const withLine = await ok('POST', `/tabs/${tab.id}/lines`, { description: 'Espresso', quantity: 1, unitAmount: 250, taxRateId: 'tax_1' });
  const paid = await ok('POST', '/tabs', { customerId: sub });
  await ok('POST', `/tabs/${paid.id}/lines`, { description: 'Massage oil', quantity: 1, unitAmount: 1200 });
  await ok('POST', `/tabs/${paid.id}/settle`, { method: 'cash' });
  const documents = (await ok('GET', '/documents')).items as { id: string; kind: string }[];
  const invoice = documents.find((d) => d.kind === 'invoice');
  expect(invoice, JSON.stringify(documents)).to.not.equal(undefined);

  // A booking of the customer's.
  const from = new Date().toISOString().slice(0, 10);
  const week = await ok(
    'GET',
    `/availability?service=${massage.id}&from=${from}&to=${addDays(from, 6)}`,
    undefined,
    customer.access_token,
    apiUrl(t),
  );
  // Not the first start: it may fall inside the minimum notice by the time the booking is made.
  const start = (week.days as { slots: { start: string }[] }[]).flatMap((d) => d.slots)[1]?.start;
  expect(start, 'an offered start for the booking').to.be.a('string');
  const booking = await ok('POST', '/bookings', { serviceId: massage.id, start }, customer.access_token, apiUrl(t));
  // A plan the customer has joined on a saved card, and a class pack on sale: memberships to freeze, cancel or change.
  const plan = await ok('POST', '/plans', {
    name: 'Monthly',
    price: { amount: 6000, currency: 'GBP' },
    interval: 'month',
    entitlements: [{ name: 'Massages', serviceIds: [massage.id], credits: 4 }],
    freeze: { allowed: true, maxDaysPerYear: 30 },
  });
  const pack = await ok('POST', '/packs', {
    name: 'Five massages',
    price: { amount: 25000, currency: 'GBP' },
    credits: 5,
    serviceIds: [massage.id],
    expiresInDays: 90,
  });
  await ok('POST', '/payment-methods/setup', undefined, customer.access_token, apiUrl(t));
  expect((await cardSaved(t, sub)).status).to.equal(200);
  const membership = (await ok('POST', '/memberships', { planId: plan.id }, customer.access_token, apiUrl(t))).membership;
  const portalSlug = ((await ok('GET', '/portals')).items as { slug: string }[])[0]!.slug; // the primary, made on the portal's first visit
  const sections = (await ok('GET', `/portals/${portalSlug}`)).sections as { key: string }[];
  const flow = await ok('POST', '/flows', {
    slug: 'intake',
    title: 'Intake',
    steps: [
      {
        kind: 'questions',
        title: 'About you',
        questions: [
          { id: 'born', label: 'Date of birth', type: 'date', required: true },
          { id: 'pressure', label: 'Pressure', type: 'choice', options: ['Light', 'Firm'], required: true },
        ],
      },
      { kind: 'sign-in' },
      { kind: 'confirmation' },
    ],
  });
  await ok('POST', `/flows/${flow.slug}/versions`);

  // A sign-in waiting for its code.
  const browser = new Browser();
  const page = await openSignIn(s, browser, await authorizationRequest(app));
  const codePage = (await requestCode(s, browser, page, uniqueEmail('signing-in'))).page;
  const uid = /\/interaction\/([^/]+)\/code$/.exec(formAction(codePage.html, '/code'))![1]!;
  // The same browser has begun the flow (anonymously): its first step's form is attacked (bad-input/endpoints.ts).
  expect((await openFlow(s, browser, t.issuer, flow.slug)).status).to.equal(200);

  return {
    s,
    t,
    tokens: { customer: customer.access_token, owner, admin },
    portal,
    console,
    signIn: { browser, uid },
    ids: {
      clients: app.clientId,
      'connected-apps': app.clientId,
      grants: sub,
      customers: sub,
      staff: staffEmail,
      locations: location.id,
      resources: therapists[0].id,
      services: massage.id,
      portals: portalSlug,
      sections: sections[0]!.key,
      flows: flow.slug,
      versions: '1',
      policies: 'terms',
      tabs: tab.id,
      lines: withLine.lines[0].id,
      documents: invoice!.id,
      bookings: booking.id,
      plans: plan.id,
      packs: pack.id,
      memberships: membership.id,
      'payment-methods': 'pm_card_visa',
    },
  };
}
