// Two organisations with real data in both, for the isolation matrix: catalogue, a portal, published company pages,
// membership plans and a class pack, two customers each with bookings, tabs, invoices, a membership with its credits
// and (the first) a paid class pack, (the second) a saved card, staff of every role and a machine client. Every name,
// email and id is unique to its organisation, so finding one in an answer proves a leak.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { createClient } from '../../idp/clients/service.ts';
import { STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { setStaffRole } from '../../idp/organisations/staff.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken, type Reply } from '../support/api.ts';
import { everyDay } from '../support/catalogue.ts';
import { openFlow, passSignIn, postStep } from '../support/flows.ts';
import type { Browser } from '../support/browser.ts';
import { makeClient, makeOrg, relyingParty, silentAuthorize, type TestClient, type TestOrg } from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';
import { cardSaved, connectStripe } from '../support/stripe.ts';

export const CUSTOMER_SCOPES =
  'profile profile:write bookings bookings:write payments payments:write memberships memberships:write connected_apps forms';

/** One customer's own things: what their peer and the other organisation must never see. */
export type Customer = {
  id: string;
  email: string;
  name: string;
  token: string;
  adminToken: string;
  browser: Browser;
  booking: string;
  tab: string;
  line: string;
  document: string;
  receipt: string;
  /** The form their finished flow left (its confirmation page: /flows/{flow}/done/{form}). */
  form: string;
  /** Their membership of the world's `plan`, with its credits; c1 also holds a paid class pack (`purchase`). */
  membership: string;
  purchase?: string;
  strings: string[];
};

/** `browser` holds their identity provider session, so the portal and the console sign them in without a code. */
export type StaffMember = { role: StaffRole; email: string; adminToken: string; clientToken: string; browser: Browser };

export type World = {
  key: 'A' | 'B';
  t: TestOrg;
  app: TestClient;
  /** An owner's machine token, for setting up and for reading what the matrix must not have changed. */
  setup: string;
  /** c1 calls the APIs in the matrix; c2 is the one whose things c1 must not reach. */
  c1: Customer;
  c2: Customer;
  staff: StaffMember[];
  machine: { clientId: string; adminToken: string; clientToken: string };
  location: string;
  resource: string;
  service: string;
  /** Two monthly plans (a member moves from `plan` to `otherPlan`) and a class pack, all on sale. */
  plan: string;
  otherPlan: string;
  pack: string;
  portal: string;
  /** A published flow's slug; each customer has sent it once (a form on their record). */
  flow: string;
  /** Strings anyone holding a token of this organisation may see (its name, catalogue, portal, company pages). */
  public: string[];
  /** Strings only its staff may see: staff emails, apps, and its customers' data. */
  private: string[];
};

const tagged = (what: string, tag: string) => `${what} ${tag}`;

/** The answer's body, or an error naming the setup step that failed. */
async function ok(res: Promise<Pick<Reply, 'status' | 'body'>>, status: number, what: string): Promise<Reply['body']> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Another token for someone already signed in in `browser`: the identity provider's session answers without a page. */
async function again(s: Stack, app: TestClient, browser: Browser, params: Record<string, string>): Promise<string> {
  const { auth, url, page } = await silentAuthorize(s, app, browser, params);
  if (page) throw new Error(`expected single sign-on, got a page: ${page.status}`);
  const tokens = await oidc.authorizationCodeGrant(app.config, new URL(url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
  return tokens.access_token;
}

/** A machine client with a staff role: tokens for both APIs by client credentials. */
async function machineClient(s: Stack, t: TestOrg, role: StaffRole) {
  const created = await createClient(s.app.secrets, t.org._id, { name: `Till ${randomBytes(3).toString('hex')}`, kind: 'machine', adminRole: role });
  const rp = await relyingParty(t.issuer, created.clientId, created.clientSecret);
  const token = async (resource: string, scope?: string) =>
    (await oidc.clientCredentialsGrant(rp, { resource, ...(scope ? { scope } : {}) })).access_token;
  return { clientId: created.clientId, adminToken: await token(`${t.issuer}/admin`, 'admin'), clientToken: await token(`${t.issuer}/api`) };
}

export async function buildWorld(s: Stack, key: 'A' | 'B'): Promise<World> {
  const tag = `${key.toLowerCase()}${randomBytes(3).toString('hex')}`;
  const name = tagged(key === 'A' ? 'Alder Spa' : 'Birch Gym', tag);
  const t = await makeOrg(s, { name });
  const app = await makeClient(s, t, { name: tagged('Front desk app', tag) });
  const setup = await adminToken(s, t, 'owner');
  const admin = (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) =>
    ok(call(method, `${adminUrl(t)}/${path}`, setup, body), status, `${method} ${path}`);

  await connectStripe(t, setup, {
    currency: 'GBP',
    taxInclusive: true,
    taxRates: [{ name: tagged('VAT', tag), percent: 20 }],
    invoicePrefix: tag.toUpperCase().slice(0, 8),
  });
  const company = { name, legalName: tagged('Legal Ltd', tag), address: tagged('1 Quay Street', tag), openingHours: tagged('Daily', tag) };
  await admin('PUT', 'company', company);
  await admin('PUT', 'policies/terms', { markdown: tagged('Terms of', tag) });
  const location = await admin('POST', 'locations', {
    name: tagged('Harbour', tag),
    timeZone: 'Europe/London',
    address: tagged('2 Quay Street', tag),
  });
  const resource = await admin('POST', 'resources', {
    name: tagged('Therapist', tag),
    kind: 'staff',
    locationId: location.id,
    weeklyHours: everyDay('07:00', '21:00'),
  });
  const service = await admin('POST', 'services', {
    name: tagged('Massage', tag),
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 5000, currency: 'GBP' },
    resourceIds: [resource.id],
    locationId: location.id,
    minNoticeMinutes: 0,
    cancellationWindowMinutes: 60,
  });
  // Two monthly plans on sale (a member may move between them, and freeze) and a class pack, for the same service.
  const plan = async (label: string, amount: number) =>
    admin('POST', 'plans', {
      name: tagged(label, tag),
      price: { amount, currency: 'GBP' },
      interval: 'month',
      perks: [tagged(`${label} towel`, tag)],
      entitlements: [{ name: tagged(`${label} massages`, tag), serviceIds: [service.id], credits: 4 }],
      freeze: { allowed: true, maxDaysPerYear: 30 },
    });
  const [gold, silver] = [await plan('Gold plan', 6000), await plan('Silver plan', 4000)];
  const pack = await admin('POST', 'packs', {
    name: tagged('Ten massages', tag),
    price: { amount: 9000, currency: 'GBP' },
    credits: 10,
    serviceIds: [service.id],
    expiresInDays: 90,
  });
  const portal = await admin('POST', 'portals', { slug: `p-${tag}`, name: tagged('Members portal', tag) });
  const flow = await admin('POST', 'flows', {
    slug: `f-${tag}`,
    title: tagged('Intake', tag),
    steps: [
      { kind: 'sign-in' },
      { kind: 'questions', title: 'About you', questions: [{ id: 'note', label: 'Anything else?', type: 'text' }] },
      { kind: 'confirmation' },
    ],
  });
  await admin('POST', `flows/${flow.slug}/versions`);

  // Free starts from tomorrow on: one each for the two customers' bookings.
  const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  const days = (await admin('GET', `availability?service=${service.id}&from=${from}&to=${to}`)).days as { slots: { start: string }[] }[];
  const starts = days.flatMap((d) => d.slots.map((x) => x.start));

  const customer = async (n: number): Promise<Omit<Customer, 'membership'>> => {
    const email = `${tag}.customer${n}@example.com`;
    const c = await customerToken(s, app, { email, scope: CUSTOMER_SCOPES });
    const id = c.tokens.claims()!.sub;
    const cname = `Customer${n}${tag}`;
    await ok(call('PATCH', `${apiUrl(t)}/profile`, c.token, { givenName: cname }), 200, 'name');
    const booking = await ok(call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start: starts[n * 3]! }), 201, 'booking');
    const paid = await admin('POST', 'tabs', { customerId: id });
    await admin('POST', `tabs/${paid.id}/lines`, { description: tagged('Oil', tag), quantity: 1, unitAmount: 1500 });
    const settled = await admin('POST', `tabs/${paid.id}/settle`, { method: 'cash' }, 200);
    const docs = await admin('GET', `documents?customerId=${id}`);
    const open = await admin('POST', 'tabs', { customerId: id, note: tagged(`Tab note ${n}`, tag) });
    const withLine = await admin('POST', `tabs/${open.id}/lines`, { description: tagged(`Towel ${n}`, tag), quantity: 2, unitAmount: 300 });
    const invoice = docs.items.find((d: { kind: string }) => d.kind === 'invoice');
    const receipt = docs.items.find((d: { kind: string }) => d.kind === 'receipt');
    if (!invoice || !receipt || settled.payment?.state !== 'succeeded')
      throw new Error(`no invoice and receipt: ${JSON.stringify({ settled, docs })}`);
    const [note, towel] = [open.note, withLine.lines[0].description];
    // Through the flow (its sign-in answered by the identity provider's session): a form with their answer.
    const intake = tagged(`Intake answer ${n}`, tag);
    const signedIn = await passSignIn(s, c.browser, (await openFlow(s, c.browser, t.issuer, flow.slug)).html);
    const confirm = await postStep(s, c.browser, signedIn.html, [['note', intake]]);
    const done = await postStep(s, c.browser, confirm.html, []);
    const form = /\/done\/(fm_[\w-]+)/.exec(done.url)?.[1];
    if (!form) throw new Error(`flow not finished: ${done.status} ${done.url}`);
    const own = {
      id,
      email,
      name: cname,
      booking: booking.id,
      tab: open.id,
      line: withLine.lines[0].id,
      document: invoice.id,
      receipt: receipt.id,
      form,
    };
    // Their token for the Admin API: the issuer gives one to a first-party app; the API finds no staff role.
    const adminToken = await again(s, app, c.browser, { scope: 'openid email admin', resource: `${t.issuer}/admin` });
    return { ...own, token: c.token, adminToken, browser: c.browser, strings: [...Object.values(own), note, towel, invoice.number, intake] };
  };
  const saveCard = async (c: { id: string; token: string }) => {
    await ok(call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token), 201, 'card setup');
    await ok(call('POST', `${apiUrl(t)}/payment-methods`, c.token, { setupIntentId: 'seti_123456' }), 202, 'card');
    await ok(cardSaved(t, c.id), 200, 'card saved');
  };
  /** Joins the gold plan on the saved card: a running membership with this period's credits. */
  const join = async <C extends Omit<Customer, 'membership'>>(c: C): Promise<C & { membership: string }> => {
    const joined = await ok(call('POST', `${apiUrl(t)}/memberships`, c.token, { planId: gold.id }), 201, 'join');
    if (joined.membership.status !== 'active') throw new Error(`membership not running: ${JSON.stringify(joined)}`);
    return { ...c, membership: joined.membership.id, strings: [...c.strings, joined.membership.id] };
  };
  // Both join, but only c2 keeps a card: stripe-mock names every card pm_card_visa, so c1 holding none makes c1's
  // reach for it a miss. c1 then buys a class pack, paid at the desk: credits of both kinds.
  const first = await customer(1);
  await saveCard(first);
  const member1 = await join(first);
  await ok(call('DELETE', `${apiUrl(t)}/payment-methods/pm_card_visa`, first.token), 204, 'card removed');
  const bought = await ok(call('POST', `${apiUrl(t)}/packs/${pack.id}/buy`, first.token), 201, 'pack bought');
  await admin('POST', `tabs/${bought.tab.id}/settle`, { method: 'cash' }, 200);
  const c1: Customer = { ...member1, purchase: bought.purchase.id, strings: [...member1.strings, bought.purchase.id] };
  const second = await customer(2);
  await saveCard(second);
  const c2: Customer = await join(second);

  const staff: StaffMember[] = [];
  for (const role of STAFF_ROLES) {
    const email = `${tag}.${role}@example.com`;
    const signedIn = await customerToken(s, app, { email, scope: CUSTOMER_SCOPES });
    await setStaffRole(t.org.slug, email, role, undefined);
    staff.push({
      role,
      email,
      browser: signedIn.browser,
      clientToken: signedIn.token,
      adminToken: await again(s, app, signedIn.browser, { scope: 'openid email admin', resource: `${t.issuer}/admin` }),
    });
  }
  const machine = await machineClient(s, t, 'staff');

  return {
    key,
    t,
    app,
    setup,
    c1,
    c2,
    staff,
    machine,
    location: location.id,
    resource: resource.id,
    service: service.id,
    plan: gold.id,
    otherPlan: silver.id,
    pack: pack.id,
    portal: portal.slug,
    flow: flow.slug,
    public: [name, t.org.slug, location.id, resource.id, service.id, gold.id, silver.id, pack.id, portal.slug, tag],
    private: [...c1.strings, ...c2.strings, ...staff.map((m) => m.email), app.clientId, machine.clientId],
  };
}
