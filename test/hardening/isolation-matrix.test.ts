// The isolation matrix: every route the Client API and the Admin API publish in their OpenAPI documents, called by
// every kind of caller (anonymous, a customer, each staff role, a machine client; of organisation A and of B) with
// ids of their own, of another customer and of the other organisation; then the same through the portal's and the
// console's own servers (portal/bff: their API proxies and their pages) and Customer Flows' pages, with signed-in
// sessions. Each cell expects
// an outcome from the rules below, and no answer may carry anything of someone the caller may not see. Writes that
// must be refused must also change nothing: both organisations are read before and after. A new route joins the
// matrix by being published (or registered on the portal's, console's or flows' router).
//
// Rules, in the order the APIs check them (where 403 and 404 could both be argued, the code's consistent choice):
//   no token or session → 401; a token or session of another organisation → 401; a token for the other API → 401;
//   through the portal or console: a write without the app's CSRF header → 403;
//   Admin API: no staff role (a customer) → 403; a role below the route's (requiredRole) → 403;
//   Client API: a route acting for a customer, called by a machine client → 403;
//   another customer's or organisation's id in the path (or a query naming the one thing asked about) → 404, never
//   403: that it exists is not confirmed;
//   such an id only in the body → 404 or 422 invalid_reference (what an unknown reference gets), also when the path
//   names the caller's own thing (`foreign-body`: the write is refused, not half made), and when it is one of the
//   body's several references, the others the caller's own (`foreign-field`: enrolling another organisation's
//   customer on one's own plan);
//   such an id only in a query filter → 200 with none of its data;
//   the caller's own things: reads → 200, and so do previews (a POST that changes nothing: a membership's freeze,
//   cancel or plan change before it is confirmed); writes are not made (they would change the world for the other cells);
//   pages: 200 or a redirect (to sign in); 404 for another organisation's portal or flow, or a customer's thing not
//   the caller's (a finished flow's form); a flow step from someone with no run open there (signed out, or signed in
//   only to another organisation) → 409, or 404 while their run has not reached that step: it changes no one's run.
import type { Middleware } from 'koa';
import { expect } from 'chai';
import { latestSeq } from '../../lib/events.ts';
import { STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { adminUrl, apiUrl } from '../support/api.ts';
import type { Browser } from '../support/browser.ts';
import { stack, type Stack } from '../support/stack.ts';
import {
  bodyIds,
  changesNothing,
  customerOnly,
  FLOW_STEP,
  mutating,
  pageRoutesOf,
  requestFor,
  requiredRole,
  routeName,
  routesOf,
  type Api,
  type Names,
  type Route,
  type Target,
} from './isolation-routes.ts';
import { buildWorld, type Customer, type World } from './isolation-world.ts';

/** How a route is reached: the API itself with a bearer token, or a first-party app's server with its session cookie. */
type Channel = 'api' | 'portal' | 'console' | 'flows';
type AppChannel = Exclude<Channel, 'api'>;
type Caller = {
  name: string;
  kind: 'anonymous' | 'customer' | 'staff' | 'machine';
  w?: World;
  role?: StaffRole;
  self?: Customer;
  email?: string;
  tokens: Partial<Record<Api, string>>;
  cookies: Partial<Record<AppChannel, string>>;
};
type Variant = 'anonymous' | 'own' | 'peer' | 'foreign' | 'foreign-body' | 'foreign-field' | 'foreign-url' | 'other-api' | 'no-csrf';
/** `replayTo`: an event stream is read from the organisation's first event until this one (its newest when the matrix began). */
type Cell = {
  name: string;
  route: Route;
  channel: Channel;
  variant: Variant;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  expect: number[];
  allowed: string[];
  replayTo?: number;
};
type Outcome = { cell: Cell; status: number; text: string };

/** Cells run at once: enough to keep two cores busy, few enough to stay inside the APIs' fair-use shares. */
const CONCURRENCY = 6;

/** Where an unknown id is a filter rather than a lookup, the code answers as for nothing found. */
const MISS_EXCEPTIONS: Record<string, number[]> = {
  // A customer's cards are listed by customer id within the organisation: someone else's id lists none.
  'admin GET /customers/{id}/payment-methods': [200],
};

/**
 * The app servers: where they live under the issuer, the API their proxy (`/bff/api/…`) calls, and a read through it
 * that any session of theirs may make (a session still working).
 */
const APPS = {
  portal: { segment: 'portal', api: 'client', probe: '/portal' },
  console: { segment: 'admin', api: 'admin', probe: '/me' },
  flows: { segment: 'flows', api: 'client', probe: '/portal' },
} as const;

const rank = (role: StaffRole) => STAFF_ROLES.indexOf(role);

/** What the caller may find in an answer: the organisation's public face, and what their token lets them see of it. */
function allowedFor(c: Caller, api: Route['api']): string[] {
  if (!c.w) return [];
  const sees = api === 'admin' && (c.kind === 'staff' || c.kind === 'machine') ? c.w.private : c.self ? c.self.strings : c.email ? [c.email] : [];
  return [...c.w.public, ...sees];
}

/** The statuses a cell may answer, or why it is not run. */
function expectation(route: Route, caller: Caller, variant: Variant, ids: Names): number[] | string {
  if (route.api === 'pages') {
    // The back-channel logout receiver acts only on a logout token the issuer signed, which no caller here holds.
    if (route.path.endsWith('/backchannel-logout')) return [400];
    if (variant === 'own' && mutating(route)) return 'allowed change';
    if (ids.lookup && (variant === 'foreign' || (ids.customer && variant !== 'own'))) return [404];
    // A flow step from someone with no run there (409), or whose run is not at that step yet (404), takes none.
    return route.path === FLOW_STEP ? [404, 409] : [200, 302, 303];
  }
  if (variant === 'anonymous' || variant === 'foreign-url' || variant === 'other-api') return [401];
  if (variant === 'no-csrf') return [403];
  if (route.api === 'admin' && caller.kind === 'customer') return [403];
  if (route.api === 'admin' && rank(caller.role!) > rank(requiredRole(route))) return [403];
  if (customerOnly(route) && caller.kind === 'machine') return [403];
  if (variant === 'own') return mutating(route) && !changesNothing(route) ? 'allowed change' : [200];
  if (variant === 'foreign-body' || variant === 'foreign-field') return [404, 422];
  const exception = MISS_EXCEPTIONS[routeName(route)];
  if (exception) return exception;
  if (ids.lookup) return [404];
  return route.body && mutating(route) ? [404, 422] : [200];
}

function headersOf(channel: Channel, route: Route, caller: Caller, variant: Variant): Record<string, string> {
  // An event stream is asked for everything since the organisation's first event: its replay must show no one else's.
  const accept: Record<string, string> =
    route.api === 'pages'
      ? { accept: 'text/html' }
      : route.stream
        ? { accept: 'text/event-stream', 'last-event-id': '1' }
        : { accept: 'application/json' };
  if (channel === 'api') {
    const token = caller.tokens[variant === 'other-api' ? (route.api === 'client' ? 'admin' : 'client') : (route.api as Api)];
    return { ...accept, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }
  // As the app's own pages send them: same origin, and the header a form cannot send (left out in `no-csrf`).
  const cookie = caller.cookies[channel];
  return { ...accept, 'sec-fetch-site': 'same-origin', ...(variant === 'no-csrf' ? {} : { 'x-portico-csrf': '1' }), ...(cookie ? { cookie } : {}) };
}

function urlOf(channel: Channel, route: Route, at: World, path: string): string {
  if (channel === 'api') return `${route.api === 'client' ? apiUrl(at.t) : adminUrl(at.t)}${path}`;
  return route.api === 'pages' ? `${at.t.issuer}${path}` : `${at.t.issuer}/${APPS[channel].segment}/bff/api${path}`;
}

/** One cell per route, caller and id variant that applies. */
function cellsOf(
  channel: Channel,
  routes: Route[],
  callers: Caller[],
  worlds: World[],
  latest: Map<World, number>,
  skipped: Map<string, number>,
): Cell[] {
  const cells: Cell[] = [];
  const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1);
  for (const route of routes) {
    for (const caller of callers) {
      const x = caller.w;
      const y = worlds.find((w) => w !== x)!;
      const own: Target | undefined = x && { w: x, c: route.api === 'admin' ? x.c2 : caller.self };
      const foreign: Target = { w: y, c: y.c2 };
      // Each variant: where it is sent, whose things its path and query name, whose its body names (and if only one
      // of the body's references is someone else's, which).
      const fields = mutating(route) ? bodyIds(route) : [];
      const variants: [Variant, World, Target, Target?, string?][] = x
        ? [
            ['own', x, own!],
            ['peer', x, { w: x, c: x.c2 }],
            ['foreign', x, foreign],
            ['foreign-body', x, own!, foreign],
            ...(fields.length > 1 ? fields.map((f): [Variant, World, Target, Target, string] => ['foreign-field', x, own!, foreign, f]) : []),
            ['foreign-url', y, foreign],
            ['other-api', x, own!],
            ['no-csrf', x, own!],
          ]
        : [['anonymous', worlds[0]!, { w: worlds[0]!, c: worlds[0]!.c2 }]];
      for (const [variant, at, target, bodyTarget, field] of variants) {
        if (variant === 'no-csrf' && (channel === 'api' || route.api === 'pages' || !mutating(route))) continue;
        if (variant === 'other-api' && (channel !== 'api' || mutating(route))) continue; // reads suffice: it is the token check
        const req = requestFor(route, target, bodyTarget, field);
        if ('missing' in req) {
          skip(`no ${req.missing} of the caller's own`);
          continue;
        }
        if (variant === 'peer' && (route.api !== 'client' || !req.ids.customer)) continue; // the same as own
        if (variant === 'foreign' && !req.ids.any) continue; // names nothing: the same as own
        if (variant === 'foreign-body' && (!req.ids.inBody || !req.ids.lookup)) continue; // else the same as foreign
        const expected = expectation(route, caller, variant, req.ids);
        if (typeof expected === 'string') {
          skip(expected);
          continue;
        }
        if (req.unknownBody && mutating(route)) expected.push(400); // no sample body: refused by validation at least
        cells.push({
          name: `${channel === 'api' ? '' : `${channel} `}${routeName(route)} | ${caller.name} | ${variant}${field ? ` {${field}}` : ''}`,
          route,
          channel,
          variant,
          url: urlOf(channel, route, at, req.path),
          headers: headersOf(channel, route, caller, variant),
          body: req.body,
          expect: expected,
          // Through another organisation's address, nothing of the caller's own may show either.
          allowed: variant === 'foreign-url' || variant === 'anonymous' ? at.public : allowedFor(caller, route.api),
          ...(route.stream ? { replayTo: latest.get(at)! } : {}),
        });
      }
    }
  }
  return cells;
}

async function run(cell: Cell, retries: { count: number }): Promise<Outcome> {
  for (;;) {
    const res = await fetch(cell.url, {
      method: cell.route.method,
      redirect: 'manual',
      headers: { ...cell.headers, ...(cell.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: cell.body === undefined ? undefined : JSON.stringify(cell.body),
    });
    if (res.status === 429) {
      // The fair-use share of one caller: wait as told, as any client would.
      await res.body?.cancel();
      retries.count++;
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    if (res.headers.get('content-type')?.startsWith('text/event-stream'))
      return { cell, status: res.status, text: await replay(res, cell.replayTo!) };
    const location = res.headers.get('location') ?? '';
    return { cell, status: res.status, text: `${location} ${Buffer.from(await res.arrayBuffer()).toString('latin1')}` };
  }
}

/** An event stream's text up to the event `until` (every event moves the id on, shown or not), then closed. */
async function replay(res: Response, until: number): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    // A keep-alive comes only after the replay: a stream that never reaches `until` is still read whole, not waited on.
    if ((ids.length && Math.max(...ids) >= until) || text.includes(': keep-alive')) {
      await reader.cancel();
      return text;
    }
  }
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!);
      }
    }),
  );
  return out;
}

/** What must not change: each organisation's things as its owner reads them, its customers' own views, and sessions. */
async function snapshot(w: World, sessions: Caller[]): Promise<Record<string, unknown>> {
  const admin = [
    `bookings/${w.c1.booking}`,
    `bookings/${w.c2.booking}`,
    `tabs/${w.c1.tab}`,
    `tabs/${w.c2.tab}`,
    `documents/${w.c1.document}`,
    `documents/${w.c2.document}`,
    `customers/${w.c2.id}/payment-methods`,
    'tabs',
    'documents',
    'clients',
    `clients/${w.app.clientId}/grants`,
    'staff',
    'portals',
    'flows',
    `flows/${w.flow}/versions/1`,
    `customers/${w.c1.id}/forms`,
    `customers/${w.c2.id}/forms`,
    'company',
    'policies/terms',
    'locations',
    'resources',
    'services',
    'payments/settings',
    'plans',
    'packs',
    'memberships',
    ...[w.c1, w.c2].flatMap((c) => [`memberships/${c.membership}`, `customers/${c.id}/credits`, `customers/${c.id}/credits/history`]),
  ];
  const client = ['profile', 'payment-methods', 'bookings', 'tabs', 'documents', 'memberships', 'credits', 'credits/history'];
  const read = async (url: string, headers: Record<string, string>) => {
    const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
    return [res.status, await res.json()];
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const entries = await Promise.all([
    ...admin.map(async (p) => [`admin ${p}`, await read(`${adminUrl(w.t)}/${p}`, bearer(w.setup))] as const),
    ...[w.c1, w.c2].flatMap((c, i) =>
      client.map(async (p) => [`customer ${i + 1} ${p}`, await read(`${apiUrl(w.t)}/${p}`, bearer(c.token))] as const),
    ),
    // A session still works: a foreign sign-out (or anything else) did not end it.
    ...sessions
      .filter((c) => c.w === w)
      .flatMap((c) =>
        (Object.keys(APPS) as AppChannel[])
          .filter((app) => c.cookies[app])
          .map(
            async (app) =>
              [
                `${app} session of ${c.name}`,
                await read(urlOf(app, { api: APPS[app].api } as Route, w, APPS[app].probe), { cookie: c.cookies[app]! }),
              ] as const,
          ),
      ),
  ]);
  return Object.fromEntries(entries);
}

/** Statuses and how often they were answered, e.g. `401×12 404×3`. */
function tally(outcomes: Outcome[]): string {
  const counts = new Map<number, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

/** The victim's things named in an answer: anything outside what the caller may see, unless the request named it itself. */
function leaks(o: Outcome, worlds: World[]): string[] {
  const asked = `${decodeURIComponent(o.cell.url)} ${JSON.stringify(o.cell.body ?? '')}`;
  const allowed = new Set(o.cell.allowed);
  return worlds.flatMap((w) => [...w.public, ...w.private]).filter((v) => !allowed.has(v) && !asked.includes(v) && o.text.includes(v));
}

/** Signs in to the portal or the console in a browser that already has an identity provider session: its cookie. */
async function appSession(s: Stack, w: World, browser: Browser, app: 'portal' | 'console'): Promise<string> {
  const home = `${w.t.issuer}/${APPS[app].segment}`;
  const landed = await browser.follow(home, s.baseUrl);
  if (landed.res?.status !== 200) throw new Error(`${app} sign-in did not land on its page: ${landed.url} ${landed.res?.status}`);
  await landed.res.body?.cancel();
  return browser.jar.getCookieString(`${home}/bff/api/`);
}

async function callersOf(s: Stack, worlds: World[]): Promise<Caller[]> {
  const callers: Caller[] = [{ name: 'anonymous', kind: 'anonymous', tokens: {}, cookies: {} }];
  for (const w of worlds) {
    callers.push({
      name: `customer of ${w.key}`,
      kind: 'customer',
      w,
      self: w.c1,
      tokens: { client: w.c1.token, admin: w.c1.adminToken },
      // The flows app signed them in when they went through its flow (isolation-world.ts).
      cookies: { portal: await appSession(s, w, w.c1.browser, 'portal'), flows: await w.c1.browser.jar.getCookieString(`${w.t.issuer}/flows/`) },
    });
    for (const m of w.staff) {
      // The console is signed into by the strongest and the weakest role; the API cells cover every role.
      const cookies = m.role === 'admin' ? {} : { console: await appSession(s, w, m.browser, 'console') };
      callers.push({
        name: `${m.role} of ${w.key}`,
        kind: 'staff',
        w,
        role: m.role,
        email: m.email,
        tokens: { client: m.clientToken, admin: m.adminToken },
        cookies,
      });
    }
    callers.push({
      name: `machine client of ${w.key}`,
      kind: 'machine',
      w,
      role: 'staff',
      tokens: { client: w.machine.clientToken, admin: w.machine.adminToken },
      cookies: {},
    });
  }
  return callers;
}

describe('Isolation matrix: every route × every caller × ids of others', function () {
  this.timeout(300_000);
  let s: Stack;
  let worlds: World[];
  let api: Route[];
  let pages: Record<AppChannel, Route[]>;
  let callers: Caller[];

  let setupSeconds = '';

  before(async () => {
    s = await stack();
    const started = performance.now();
    worlds = await Promise.all([buildWorld(s, 'A'), buildWorld(s, 'B')]);
    callers = await callersOf(s, worlds);
    const doc = async (url: string) => (await fetch(`${url}/openapi.json`)).json() as Promise<Parameters<typeof routesOf>[1]>;
    api = [...routesOf('client', await doc(apiUrl(worlds[0]!.t))), ...routesOf('admin', await doc(adminUrl(worlds[0]!.t)))];
    // The portal's and the console's servers carry their routers (portal/bff); each is told apart by its prefix.
    const routers = (
      s.app.app.middleware as (Middleware & { router?: Parameters<typeof pageRoutesOf>[0] & { opts: { prefix?: string } } })[]
    ).flatMap((m) => (m.router ? [m.router] : []));
    const routerOf = (segment: string) => routers.find((r) => r.opts.prefix === `/:org/${segment}`)!;
    pages = { portal: pageRoutesOf(routerOf('portal')), console: pageRoutesOf(routerOf('admin')), flows: pageRoutesOf(routerOf('flows')) };
    setupSeconds = ((performance.now() - started) / 1000).toFixed(1);
  });

  it('answers every cell as the rules say, shows no one anything of others, and changes nothing it refuses', async () => {
    const skipped = new Map<string, number>();
    const latest = new Map(await Promise.all(worlds.map(async (w) => [w, await latestSeq(w.t.org._id)] as const)));
    const of = (channel: AppChannel) => callers.filter((c) => c.kind === 'anonymous' || c.cookies[channel]);
    const groups = {
      api: cellsOf('api', api, callers, worlds, latest, skipped),
      portal: cellsOf('portal', [...api.filter((r) => r.api === 'client'), ...pages.portal], of('portal'), worlds, latest, skipped),
      console: cellsOf('console', [...api.filter((r) => r.api === 'admin'), ...pages.console], of('console'), worlds, latest, skipped),
      // The flows app's pages only: its API proxy is the portal's code (portal/bff), already run above.
      flows: cellsOf('flows', pages.flows, of('flows'), worlds, latest, skipped),
    };
    const cells = [...groups.api, ...groups.portal, ...groups.console, ...groups.flows];
    const before = await Promise.all(worlds.map((w) => snapshot(w, callers)));
    const retries = { count: 0 };
    const started = performance.now();
    // Callers interleaved, so no one caller's fair-use share is spent at once.
    const order = cells
      .map((c, i) => ({ c, k: (i * 7919) % cells.length }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.c);
    const outcomes = await pool(order, CONCURRENCY, (c) => run(c, retries));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const after = await Promise.all(worlds.map((w) => snapshot(w, callers)));

    const variants = new Set(cells.map((c) => c.variant));
    const skippedCount = [...skipped.values()].reduce((a, b) => a + b, 0);
    const pageCount = pages.portal.length + pages.console.length + pages.flows.length;
    console.log(
      `      isolation matrix: ${api.length} API routes (${api.filter((r) => r.api === 'client').length} Client, ${api.filter((r) => r.api === 'admin').length} Admin) and ${pageCount} portal/console/flows page routes × ${callers.length} callers × ${variants.size} id variants (${[...variants].join(', ')})\n` +
        `      cells run: ${cells.length} (API ${groups.api.length}, through the portal ${groups.portal.length}, through the console ${groups.console.length}, flows pages ${groups.flows.length}) in ${seconds} s (both organisations built in ${setupSeconds} s); ` +
        `${skippedCount} not applicable (${[...skipped].map(([why, n]) => `${n} ${why}`).join('; ')}); ${retries.count} waits for fair use; ${outcomes.filter((o) => o.status >= 500).length} × 5xx\n` +
        `      answers by variant: ${[...variants].map((v) => `${v} ${tally(outcomes.filter((o) => o.cell.variant === v))}`).join('; ')}`,
    );

    const failures: string[] = [];
    for (const o of outcomes) {
      if (!o.cell.expect.includes(o.status))
        failures.push(`${o.cell.name}: expected ${o.cell.expect.join('/')}, got ${o.status} ${o.text.slice(0, 200)}`);
      const leaked = leaks(o, worlds);
      if (leaked.length) failures.push(`${o.cell.name}: LEAK of ${leaked.join(', ')} in ${o.status} ${o.text.slice(0, 300)}`);
    }
    worlds.forEach((w, i) => {
      for (const [what, was] of Object.entries(before[i]!)) {
        const now = after[i]![what];
        if (JSON.stringify(now) === JSON.stringify(was)) continue;
        // The writes that may have done it: those naming the changed thing, else those answered with success.
        const id = what.split(/[ /]/).find((part) => /_/.test(part));
        const writes = outcomes.filter((o) => mutating(o.cell.route) && o.cell.url.includes(`/${w.t.org.slug}/`));
        const suspects = writes.filter((o) => (id ? o.cell.url.includes(id) : o.status < 300));
        failures.push(
          `${w.key}: ${what} changed by a refused write\n  was ${JSON.stringify(was)}\n  now ${JSON.stringify(now)}\n  suspects: ${suspects.map((o) => `${o.cell.name} (${o.status})`).join('; ')}`,
        );
      }
    });
    expect(failures, `${failures.length} of ${cells.length} cells failed:\n${failures.join('\n')}`).to.deep.equal([]);
  });
});
