// The routes of the isolation matrix, read from the OpenAPI documents the server publishes, and the few facts a
// description does not carry: which role a write needs, which Client API reads are the organisation's public
// catalogue, where each path parameter's value comes from, and a valid body per write (so that a refusal is the
// route's own check, not the body's validation).
import { SECTION_KEYS } from '../../portal/api/portals/sections.ts';
import type { StaffRole } from '../../lib/resources.ts';
import type { Customer, World } from './isolation-world.ts';

export type Api = 'client' | 'admin';
/** An API operation, or a page of the portal's or the console's own server (`pages`). */
export type Route = { api: Api | 'pages'; method: string; path: string; query: string[]; body: boolean; stream: boolean };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of one published OpenAPI document. */
export function routesOf(
  api: Api,
  doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown; summary?: string }>> },
): Route[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({
        api,
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: Boolean(op.requestBody),
        stream: /text\/event-stream/.test(op.summary ?? ''),
      })),
  );
}

/**
 * The routes a first-party app's server (portal/bff) registers itself, as templates under the issuer
 * (`/portal/{portal}`); its API proxy stands for the API's routes and is left out here.
 */
export function pageRoutesOf(router: { stack: { path: string | RegExp; methods: string[] }[] }): Route[] {
  return router.stack.flatMap((layer) => {
    const path = String(layer.path);
    if (path.includes('{*')) return [];
    const template = path.replace('/:org', '').replace(/:(\w+)/g, '{$1}');
    return layer.methods
      .filter((m) => m !== 'HEAD')
      .map((method) => ({ api: 'pages' as const, method, path: template, query: [], body: false, stream: false }));
  });
}

export const mutating = (r: Route) => r.method !== 'GET';
/** A flow page's step form, posted to the caller's open run of the flow. */
export const FLOW_STEP = '/flows/{flow}/steps/{index}';
export const routeName = (r: Route) => `${r.api} ${r.method} ${r.path}`;

/**
 * The role an Admin API route needs. Rule: reading needs any staff role, changing needs admin. Exceptions, as the
 * routes declare them: the till (tabs) is staff work, the Stripe connection decides where money goes (owner), and a
 * flow's preview is a read sent as a POST (it carries the draft).
 */
const ROLE_EXCEPTIONS: [RegExp, StaffRole][] = [
  [/^(POST|PUT|DELETE) \/tabs(\/|$)/, 'staff'],
  [/^PUT \/payments\/settings$/, 'owner'],
  [/^POST \/flows\/\{slug\}\/preview$/, 'staff'], // renders a draft, changes nothing
];
export function requiredRole(r: Route): StaffRole {
  const key = `${r.method} ${r.path}`;
  return ROLE_EXCEPTIONS.find(([pattern]) => pattern.test(key))?.[1] ?? (mutating(r) ? 'admin' : 'staff');
}

/** Client API reads any token of the organisation may make (a machine client's too); everything else acts for a signed-in customer. */
const PUBLIC_CLIENT_PATHS = new Set([
  '/portal',
  '/portals/{slug}',
  '/company',
  '/policies/{kind}',
  '/services',
  '/services/{id}',
  '/availability',
  '/membership-plans',
  '/packs',
]);
export const customerOnly = (r: Route) => r.api === 'client' && !PUBLIC_CLIENT_PATHS.has(r.path);

/** Writes by method that change nothing: a membership change's preview. The caller's own are made, and must answer 200. */
export const changesNothing = (r: Route) => r.method === 'POST' && r.path.endsWith('/preview');

/** Whose things a request names: an organisation, and (for what customers own) one of its customers. */
export type Target = { w: World; c?: Customer };

/**
 * Where a value comes from: a customer's own thing, the organisation's, or neither (a date, a policy's kind). In a
 * query, an id is a filter (`customerId`: lists less) unless `lookup` (`service`: names the one thing to answer for).
 */
type Source = { value: (t: Target) => string | undefined; kind: 'customer' | 'org' | 'plain'; lookup?: boolean | string[] };
const org = (value: (w: World) => string, lookup: Source['lookup'] = true): Source => ({ value: (t) => value(t.w), kind: 'org', lookup });
const own = (value: (c: Customer) => string, lookup = true): Source => ({ value: (t) => t.c && value(t.c), kind: 'customer', lookup });
const plain = (value: () => string): Source => ({ value, kind: 'plain' });

/**
 * A path parameter's value by the path segment before it (`/bookings/{id}` names a booking). A route with a new kind
 * of parameter fails the matrix until its source is added here.
 */
export const PATH_SOURCES: Record<string, Source> = {
  bookings: own((c) => c.booking),
  tabs: own((c) => c.tab),
  lines: own((c) => c.line),
  documents: own((c) => c.document),
  customers: own((c) => c.id),
  memberships: own((c) => c.membership),
  grants: own((c) => c.id),
  'payment-methods': own(() => 'pm_card_visa'), // only the second customer of each organisation saved one
  clients: org((w) => w.app.clientId),
  'connected-apps': org((w) => w.app.clientId),
  locations: org((w) => w.location),
  resources: org((w) => w.resource),
  services: org((w) => w.service),
  plans: org((w) => w.plan),
  packs: org((w) => w.pack),
  portals: org((w) => w.portal),
  flows: org((w) => w.flow),
  versions: plain(() => '1'),
  steps: plain(() => '1'), // a flow page's step: /flows/{flow}/steps/{index}
  done: own((c) => c.form), // a finished flow's confirmation: /flows/{flow}/done/{form}
  forms: own((c) => c.form),
  portal: org((w) => w.portal), // the portal app's page of one portal: /portal/{portal}
  staff: org((w) => w.staff.find((m) => m.role === 'staff')!.email),
  policies: plain(() => 'terms'),
  sections: plain(() => SECTION_KEYS[0]),
};

const day = (days: number) => new Date(Date.now() + days * 86_400_000);
const START = day(3).toISOString().replace(/T.*/, 'T10:00:00Z');

/** Query parameters filled in (others are left out): ids and emails from the target, dates near today. */
export const QUERY_SOURCES: Record<string, Source> = {
  customerId: own((c) => c.id, false),
  email: own((c) => c.email, false),
  service: org((w) => w.service),
  serviceId: org((w) => w.service, ['/credits/for']), // the one service a credit is looked up for
  start: plain(() => START),
  resource: org((w) => w.resource, ['/availability']), // one resource's times there; a filter of the staff's booking list
  from: plain(() => day(1).toISOString().slice(0, 10)),
  to: plain(() => day(5).toISOString().slice(0, 10)),
};
/** The staff list of bookings reads instants, where availability reads dates. */
const INSTANT_QUERIES = new Set(['/bookings']);

/** Placeholders in the sample bodies: `{customer}`, `{service}`… */
const BODY_SOURCES: Record<string, Source> = {
  customer: own((c) => c.id),
  service: org((w) => w.service),
  location: org((w) => w.location),
  resource: org((w) => w.resource, ['/availability']), // one resource's times there; a filter of the staff's booking list
  card: own(() => 'pm_card_visa'), // as the path's: only the second customer of each organisation keeps one
  plan: org((w) => w.plan),
  otherPlan: org((w) => w.otherPlan), // a member's move: the plan they are not on
  start: plain(() => START),
  date: plain(() => START.slice(0, 10)),
};

/** A valid body per write that takes one, by API, method and path. */
const BODIES: Record<string, unknown> = {
  'client PATCH /profile': { givenName: 'Mallory' },
  'client POST /profile/email-change': { email: 'mallory@example.com' },
  'client POST /profile/email-change/verify': { code: '123456' },
  'client POST /bookings': { serviceId: '{service}', start: '{start}' },
  'client POST /bookings/{id}/reschedule': { start: '{start}', resourceId: '{resource}' },
  'client POST /payment-methods': { setupIntentId: 'seti_123456' },
  'client POST /tabs/{id}/settle': { paymentMethod: 'new' },
  'admin PUT /payments/settings': { invoicePrefix: 'MALLORY' },
  'admin POST /portals': { slug: 'mallory', name: 'Mallory' },
  'admin PATCH /portals/{slug}': { name: 'Mallory' },
  'admin PUT /portals/{slug}/sections': { sections: SECTION_KEYS.map((key) => ({ key, state: 'disabled' })) },
  'admin PATCH /portals/{slug}/sections/{key}': { state: 'disabled' },
  'admin PUT /company': { name: 'Mallory' },
  'admin POST /flows': { slug: 'mallory', title: 'Mallory' },
  'admin PATCH /flows/{slug}': { title: 'Mallory' },
  'admin POST /flows/{slug}/preview': { steps: [{ kind: 'sign-in' }], index: 0 },
  'admin PUT /policies/{kind}': { markdown: 'Mallory' },
  'admin POST /locations': { name: 'Mallory', timeZone: 'Europe/London' },
  'admin PATCH /locations/{id}': { name: 'Mallory' },
  'admin POST /resources': { name: 'Mallory', locationId: '{location}' },
  'admin PATCH /resources/{id}': { name: 'Mallory', locationId: '{location}' },
  'admin POST /services': {
    name: 'Mallory',
    durationMinutes: 30,
    price: { amount: 1, currency: 'GBP' },
    resourceIds: ['{resource}'],
    locationId: '{location}',
  },
  'admin PATCH /services/{id}': { name: 'Mallory', resourceIds: ['{resource}'], locationId: '{location}' },
  'admin POST /bookings': { customerId: '{customer}', serviceId: '{service}', start: '{start}' },
  'admin POST /bookings/{id}/reschedule': { start: '{start}', resourceId: '{resource}' },
  'admin POST /tabs': { customerId: '{customer}' },
  'admin POST /tabs/{id}/lines': { description: 'Mallory', quantity: 1, unitAmount: 1 },
  'admin PUT /tabs/{id}/discount': { kind: 'percent', value: 50 },
  'admin POST /tabs/{id}/void': { reason: 'Mallory' },
  'admin POST /tabs/{id}/settle': { method: 'cash' },
  'admin POST /documents/{id}/refunds': { reason: 'Mallory' },
  'admin POST /clients': { name: 'Mallory', kind: 'machine' },
  'admin PATCH /clients/{id}': { name: 'Mallory' },
  'admin POST /staff': { email: 'mallory@example.com', role: 'staff' },
  'admin PATCH /staff/{email}': { role: 'admin' },
  // With a card: another customer's is refused before anything is made (peer), though all are pm_card_visa here.
  'client POST /memberships': { planId: '{plan}', paymentMethod: '{card}' },
  'client POST /memberships/{id}/freeze/preview': { from: '{date}', days: 7 },
  'client POST /memberships/{id}/freeze': { from: '{date}', days: 7 },
  'client POST /memberships/{id}/cancel/preview': {},
  'client POST /memberships/{id}/cancel': {},
  'client POST /memberships/{id}/change/preview': { planId: '{otherPlan}' },
  'client POST /memberships/{id}/change': { planId: '{otherPlan}' },
  'admin POST /plans': {
    name: 'Mallory',
    price: { amount: 1, currency: 'GBP' },
    interval: 'month',
    entitlements: [{ name: 'Mallory', serviceIds: ['{service}'], credits: 1 }],
  },
  'admin PATCH /plans/{id}': { name: 'Mallory', discounts: [{ serviceIds: ['{service}'], percent: 50 }] },
  'admin POST /packs': { name: 'Mallory', price: { amount: 1, currency: 'GBP' }, credits: 1, serviceIds: ['{service}'], expiresInDays: 1 },
  'admin PATCH /packs/{id}': { name: 'Mallory', serviceIds: ['{service}'] },
  'admin POST /memberships': { planId: '{plan}', customerId: '{customer}' },
  'admin POST /memberships/{id}/freeze/preview': { from: '{date}', days: 7 },
  'admin POST /memberships/{id}/freeze': { from: '{date}', days: 7, override: true, reason: 'Mallory' },
  'admin POST /memberships/{id}/cancel/preview': {},
  'admin POST /memberships/{id}/cancel': { override: true, reason: 'Mallory' },
  'admin POST /memberships/{id}/change/preview': { planId: '{otherPlan}' },
  'admin POST /memberships/{id}/change': { planId: '{otherPlan}', override: true, reason: 'Mallory' },
};

/** What a request names: a customer's thing, anything of someone's, and whether it asks for one thing by id (`lookup`). */
export type Names = { customer: boolean; any: boolean; lookup: boolean; inBody: boolean };
export type Request = { path: string; body?: unknown; ids: Names; unknownBody: boolean };

/** The placeholders of a write's sample body that name someone's things (`{customer}`, `{plan}`; not `{start}`). */
export function bodyIds(r: Route): string[] {
  const sample = JSON.stringify(BODIES[routeName(r)] ?? null);
  return [...new Set([...sample.matchAll(/"\{(\w+)\}"/g)].map((m) => m[1]!))].filter((name) => BODY_SOURCES[name]?.kind !== 'plain');
}

/**
 * The request a route makes for a target: path parameters, query and body filled from its things; the body's from
 * `bodyTarget` instead (all of them, or only the placeholder `only`).
 */
export function requestFor(r: Route, target: Target, bodyTarget: Target = target, only?: string): Request | { missing: string } {
  const ids: Names = { customer: false, any: false, lookup: false, inBody: false };
  const looksUp = (s: Source) => (Array.isArray(s.lookup) ? s.lookup.includes(r.path) : s.lookup === true);
  const use = (s: Source, what: string, where: 'path' | 'query' | 'body') => {
    const v = s.value(where === 'body' && (only === undefined || what === only) ? bodyTarget : target);
    ids.inBody ||= where === 'body' && s.kind !== 'plain';
    if (v === undefined) throw new Missing(what);
    ids.customer ||= s.kind === 'customer';
    ids.any ||= s.kind !== 'plain';
    ids.lookup ||= s.kind !== 'plain' && (where === 'path' || (where === 'query' && looksUp(s)));
    return v;
  };
  try {
    const segments = r.path.split('/');
    const path = segments
      .map((seg, i) => {
        if (!/^\{.+\}$/.test(seg)) return seg;
        const source = PATH_SOURCES[segments[i - 1]!];
        if (!source) throw new Error(`isolation matrix: no source for ${seg} in ${routeName(r)}; add one to PATH_SOURCES`);
        return encodeURIComponent(use(source, seg, 'path'));
      })
      .join('/');
    const query = new URLSearchParams();
    for (const name of r.query) {
      const source = QUERY_SOURCES[name];
      if (!source) continue;
      const value = use(source, name, 'query');
      query.set(name, INSTANT_QUERIES.has(r.path) && (name === 'from' || name === 'to') ? `${value}T00:00:00Z` : value);
    }
    const key = routeName(r);
    const sample = r.body ? (BODIES[key] ?? {}) : undefined;
    const body =
      sample === undefined
        ? undefined
        : JSON.parse(
            JSON.stringify(sample).replace(/"\{(\w+)\}"/g, (_, name: string) => {
              const source = BODY_SOURCES[name];
              if (!source) throw new Error(`isolation matrix: no source for {${name}} in the body of ${key}`);
              return JSON.stringify(use(source, name, 'body'));
            }),
          );
    return { path: `${path}${query.size ? `?${query}` : ''}`, body, ids, unknownBody: r.body && !(key in BODIES) };
  } catch (err) {
    if (err instanceof Missing) return { missing: err.message };
    throw err;
  }
}

class Missing extends Error {}
