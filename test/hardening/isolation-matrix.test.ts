// The isolation matrix: every route the Client API and the Admin API publish in their OpenAPI documents, called by
// every kind of caller (anonymous, a customer, each staff role, a machine client; of organisation A and of B) with
// ids of their own, of another customer and of the other organisation. Each cell expects an outcome from the rules
// below, and no answer may carry anything of someone the caller may not see. Writes that must be refused must also
// change nothing: both organisations are read before and after. A new route joins the matrix by being published.
//
// Rules, in the order the APIs check them (where 403 and 404 could both be argued, the code's consistent choice):
//   no token → 401; a token of another organisation (or for the other API) → 401;
//   Admin API: no staff role (a customer) → 403; a role below the route's (requiredRole) → 403;
//   Client API: a route acting for a customer, called by a machine client → 403;
//   another customer's or organisation's id in the path (or a query naming the one thing asked about) → 404, never
//   403: that it exists is not confirmed;
//   such an id only in the body → 404 or 422 invalid_reference (what an unknown reference gets);
//   such an id only in a query filter → 200 with none of its data;
//   the caller's own things: reads → 200; writes are not made (they would change the world for the other cells).
import { expect } from 'chai';
import { STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { adminUrl, apiUrl } from '../support/api.ts';
import { stack, type Stack } from '../support/stack.ts';
import { customerOnly, mutating, requestFor, requiredRole, routeName, routesOf, type Api, type Names, type Route, type Target } from './isolation-routes.ts';
import { buildWorld, type Customer, type World } from './isolation-world.ts';

type Caller = { name: string; kind: 'anonymous' | 'customer' | 'staff' | 'machine'; w?: World; role?: StaffRole; tokens: Partial<Record<Api, string>>; self?: Customer; email?: string };
type Variant = 'anonymous' | 'own' | 'peer' | 'foreign' | 'foreign-url';
type Cell = { name: string; route: Route; caller: Caller; variant: Variant; url: string; body?: unknown; expect: number[]; allowed: string[] };
type Outcome = { cell: Cell; status: number; text: string };

/** Cells run at once: enough to keep two cores busy, few enough to stay inside the APIs' fair-use shares. */
const CONCURRENCY = 6;

/** Where an unknown id is a filter rather than a lookup, the code answers as for nothing found. */
const MISS_EXCEPTIONS: Record<string, number[]> = {
  // Revoking an app's access is scoped to the caller's own account: an app they never connected leaves nothing to do.
  'client DELETE /connected-apps/{clientId}': [204],
  // A customer's cards are listed by customer id within the organisation: someone else's id lists none.
  'admin GET /customers/{id}/payment-methods': [200],
};

const base = (api: Api, w: World) => (api === 'client' ? apiUrl(w.t) : adminUrl(w.t));

function callersOf(worlds: World[]): Caller[] {
  const callers: Caller[] = [{ name: 'anonymous', kind: 'anonymous', tokens: {} }];
  for (const w of worlds) {
    callers.push({ name: `customer of ${w.key}`, kind: 'customer', w, self: w.c1, tokens: { client: w.c1.token, admin: w.c1.adminToken } });
    for (const m of w.staff) callers.push({ name: `${m.role} of ${w.key}`, kind: 'staff', w, role: m.role, email: m.email, tokens: { client: m.clientToken, admin: m.adminToken } });
    callers.push({ name: `machine client of ${w.key}`, kind: 'machine', w, role: 'staff', tokens: { client: w.machine.clientToken, admin: w.machine.adminToken } });
  }
  return callers;
}

/** What the caller may find in an answer: their organisation's public face, and what their token lets them see of it. */
function allowedFor(c: Caller, api: Api): string[] {
  if (!c.w) return [];
  const sees = api === 'admin' && (c.kind === 'staff' || c.kind === 'machine') ? c.w.private : c.self ? c.self.strings : c.email ? [c.email] : [];
  return [...c.w.public, ...sees];
}

const rank = (role: StaffRole) => STAFF_ROLES.indexOf(role);

/** The statuses a cell may answer, or why it is not run. */
function expectation(route: Route, caller: Caller, variant: Variant, ids: Names): number[] | string {
  if (variant === 'anonymous' || variant === 'foreign-url') return [401];
  if (route.api === 'admin' && caller.kind === 'customer') return [403];
  if (route.api === 'admin' && rank(caller.role!) > rank(requiredRole(route))) return [403];
  if (customerOnly(route) && caller.kind === 'machine') return [403];
  if (variant === 'own') return mutating(route) ? 'allowed change' : [200];
  const exception = MISS_EXCEPTIONS[routeName(route)];
  if (exception) return exception;
  if (ids.lookup) return [404];
  return route.body && mutating(route) ? [404, 422] : [200];
}

function cellsOf(routes: Route[], callers: Caller[], worlds: World[], skipped: Map<string, number>): Cell[] {
  const cells: Cell[] = [];
  const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1);
  for (const route of routes) {
    for (const caller of callers) {
      const x = caller.w;
      const y = worlds.find((w) => w !== x)!;
      const variants: [Variant, World, Target][] = x
        ? [
            ['own', x, { w: x, c: route.api === 'admin' ? x.c2 : caller.self }],
            ['peer', x, { w: x, c: x.c2 }],
            ['foreign', x, { w: y, c: y.c2 }],
            ['foreign-url', y, { w: y, c: y.c2 }],
          ]
        : [['anonymous', worlds[0]!, { w: worlds[0]!, c: worlds[0]!.c2 }]];
      for (const [variant, at, target] of variants) {
        const req = requestFor(route, target);
        if ('missing' in req) {
          skip(`no ${req.missing} of the caller's own`);
          continue;
        }
        if (variant === 'peer' && (route.api === 'admin' || !req.ids.customer)) continue; // the same as own
        if (variant === 'foreign' && !req.ids.any) continue; // names nothing: the same as own
        const expected = expectation(route, caller, variant, req.ids);
        if (typeof expected === 'string') {
          skip(expected);
          continue;
        }
        if (req.unknownBody && mutating(route)) expected.push(400); // no sample body: refused by validation at least
        const tokenApi = route.api;
        cells.push({
          name: `${routeName(route)} | ${caller.name} | ${variant}`,
          route,
          caller: { ...caller, tokens: { [tokenApi]: caller.tokens[tokenApi] } },
          variant,
          url: `${base(route.api, at)}${req.path}`,
          body: req.body,
          expect: expected,
          allowed: allowedFor(caller, route.api),
        });
      }
    }
  }
  return cells;
}

async function run(cell: Cell, retries = { count: 0 }): Promise<Outcome> {
  const token = cell.caller.tokens[cell.route.api];
  for (;;) {
    const res = await fetch(cell.url, {
      method: cell.route.method,
      headers: {
        accept: cell.route.stream ? 'text/event-stream' : 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(cell.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: cell.body === undefined ? undefined : JSON.stringify(cell.body),
    });
    if (res.status === 429) {
      // The fair-use share of one caller: wait as told, as any client would.
      await res.body?.cancel();
      retries.count++;
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body?.cancel(); // a live stream: its opening is the answer
      return { cell, status: res.status, text: '' };
    }
    return { cell, status: res.status, text: Buffer.from(await res.arrayBuffer()).toString('latin1') };
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

/** What must not change: each organisation's things as its owner reads them, and its customers' own views. */
async function snapshot(w: World): Promise<Record<string, unknown>> {
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
    'company',
    'policies/terms',
    'locations',
    'resources',
    'services',
    'payments/settings',
  ];
  const client = ['profile', 'payment-methods', 'bookings', 'tabs', 'documents'];
  const read = async (url: string, token: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    return [res.status, await res.json()];
  };
  const entries = [
    ...(await Promise.all(admin.map(async (p) => [`admin ${p}`, await read(`${adminUrl(w.t)}/${p}`, w.setup)] as const))),
    ...(await Promise.all([w.c1, w.c2].flatMap((c, i) => client.map(async (p) => [`customer ${i + 1} ${p}`, await read(`${apiUrl(w.t)}/${p}`, c.token)] as const)))),
  ];
  return Object.fromEntries(entries);
}

/** The victim's things named in an answer: anything outside what the caller may see, unless the request named it itself. */
function leaks(o: Outcome, worlds: World[]): string[] {
  const asked = `${decodeURIComponent(o.cell.url)} ${JSON.stringify(o.cell.body ?? '')}`;
  const allowed = new Set(o.cell.allowed);
  return worlds.flatMap((w) => [...w.public, ...w.private]).filter((v) => !allowed.has(v) && !asked.includes(v) && o.text.includes(v));
}

describe('Isolation matrix: every route × every caller × ids of others', function () {
  this.timeout(300_000);
  let s: Stack;
  let worlds: World[];
  let routes: Route[];

  before(async () => {
    s = await stack();
    worlds = [await buildWorld(s, 'A'), await buildWorld(s, 'B')];
    const doc = async (url: string) => (await fetch(`${url}/openapi.json`)).json() as Promise<Parameters<typeof routesOf>[1]>;
    routes = [...routesOf('client', await doc(apiUrl(worlds[0]!.t))), ...routesOf('admin', await doc(adminUrl(worlds[0]!.t)))];
  });

  it('answers every cell as the rules say, shows no one anything of others, and changes nothing it refuses', async () => {
    const callers = callersOf(worlds);
    const skipped = new Map<string, number>();
    const cells = cellsOf(routes, callers, worlds, skipped);
    const before = await Promise.all(worlds.map(snapshot));
    const retries = { count: 0 };
    // Callers interleaved, so no one caller's fair-use share is spent at once.
    const order = cells.map((c, i) => ({ c, k: (i * 7919) % cells.length })).sort((a, b) => a.k - b.k).map((x) => x.c);
    const started = performance.now();
    const outcomes = await pool(order, CONCURRENCY, (c) => run(c, retries));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const after = await Promise.all(worlds.map(snapshot));

    const variants = new Set(cells.map((c) => c.variant));
    const skippedCount = [...skipped.values()].reduce((a, b) => a + b, 0);
    console.log(
      `      isolation matrix: ${routes.length} routes × ${callers.length} callers × ${variants.size} id variants (${[...variants].join(', ')}): ` +
        `${cells.length} cells run, ${skippedCount} not applicable (${[...skipped].map(([why, n]) => `${n} ${why}`).join('; ')}); ${retries.count} waits for fair use; ${seconds} s`,
    );

    const failures: string[] = [];
    for (const o of outcomes) {
      if (!o.cell.expect.includes(o.status)) failures.push(`${o.cell.name}: expected ${o.cell.expect.join('/')}, got ${o.status} ${o.text.slice(0, 200)}`);
      const leaked = leaks(o, worlds);
      if (leaked.length) failures.push(`${o.cell.name}: LEAK of ${leaked.join(', ')} in ${o.status} ${o.text.slice(0, 300)}`);
    }
    worlds.forEach((w, i) => {
      for (const [what, was] of Object.entries(before[i]!)) {
        const now = after[i]![what];
        if (JSON.stringify(now) !== JSON.stringify(was)) {
          const suspects = cells.filter((c) => mutating(c.route) && (c.url.includes(`/${w.t.org.slug}/`) || JSON.stringify(c.body ?? '').includes(w.t.org.slug))).map((c) => c.name);
          failures.push(`${w.key}: ${what} changed by a refused write\n  was ${JSON.stringify(was)}\n  now ${JSON.stringify(now)}\n  writes to ${w.key}: ${suspects.length}`);
        }
      }
    });
    expect(failures, `${failures.length} of ${cells.length} cells failed:\n${failures.join('\n')}`).to.deep.equal([]);
  });
});
