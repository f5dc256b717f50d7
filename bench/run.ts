// `npm run bench`: token endpoint throughput and latency for Portico beside bare oidc-provider (the baseline,
// measured in the same run, same key type and token format), API reads beside /healthz, full email sign-ins at 20
// concurrent customers, bookings (bench/bookings.ts), money (bench/money.ts), booking on a membership's credit beside
// plain booking (bench/memberships.ts), invoice PDF rendering (bench/pdf.ts), the browser apps'
// gzipped size against their 35 KB budget, and the DOM package's against its 10 KB.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { buildApps, buildDom, DOM_BUDGET_BYTES } from '../scripts/build-apps.ts';
import { SECANTUS_VERSION, startLocalDatabase } from '../scripts/db/launch.ts';
import { Mailbox } from '../test/support/mailbox.ts';
import { relyingParty, signIn, uniqueEmail } from '../test/support/oidc.ts';
import { Browser } from '../test/support/browser.ts';
import { startStripeMock } from '../scripts/stripe/launch.ts';
import { benchBookings } from './bookings.ts';
import { benchMemberships } from './memberships.ts';
import { benchMoney } from './money.ts';
import { benchPdf } from './pdf.ts';
import { benchWorstAvailability } from './worst-availability.ts';
import { percentile } from './measure.ts';
import { accessToken } from './token.ts';

const DURATION_S = 10;
const CONNECTIONS = 20;
const CUSTOMERS = 20;
const SIGN_INS_PER_CUSTOMER = 5;
/** `npm run bench -- bookings` (or `api`, `sign-in`, `worst-availability`, `money`, `memberships`, `pdf`, `size`) runs only that part. */
const ONLY = process.argv[2];

type Credentials = { clientId: string; clientSecret: string };
export type Target = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  resource: string;
  web?: Credentials;
  admin?: Credentials;
  org?: string;
  customerId?: string;
  neighbour?: Credentials & { issuer: string };
};

async function start(mode: 'portico' | 'bare', mongoUri = '', smtpUrl = '', limits = ''): Promise<{ child: ChildProcess; target: Target }> {
  const child = fork(new URL('./server.ts', import.meta.url).pathname, [mode, mongoUri, smtpUrl, limits], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ready = once(createInterface({ input: child.stdout! }), 'line') as Promise<[string]>;
  const died = once(child, 'exit').then(([code]) => Promise.reject(new Error(`${mode} server exited with code ${code}`)));
  const [line] = await Promise.race([ready, died]);
  return { child, target: JSON.parse(line) };
}

async function stats(child: ChildProcess): Promise<{ rss: string; dbOps: number }> {
  child.send('stats');
  const [msg] = (await once(child, 'message')) as [{ rss: number; dbOps: number }];
  return { rss: `${(msg.rss / 2 ** 20).toFixed(0)} MiB`, dbOps: msg.dbOps };
}

async function tokenLoad(t: Target) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: t.resource, scope: 'profile' }).toString();
  const result = await autocannon({
    url: `${t.issuer}/token`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(t.clientId)}:${encodeURIComponent(t.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/** The browser apps' first download and the DOM package, gzipped, against their budgets. */
async function benchSizes() {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log('Browser apps, initial download (gzipped), budget 35 KB of JavaScript each:');
  console.table(
    (await buildApps()).map((b) => ({
      app: b.app,
      javascript: kb(b.jsGzipBytes),
      css: kb(b.cssGzipBytes),
      'share of JS budget': `${((b.jsGzipBytes / (35 * 1024)) * 100).toFixed(0)}%`,
    })),
  );
  const dom = await buildDom();
  console.log(
    `DOM package (packages/dom, ES module, gzipped): ${kb(dom.gzipBytes)} of its ${kb(DOM_BUDGET_BYTES)} budget (${((dom.gzipBytes / DOM_BUDGET_BYTES) * 100).toFixed(0)}%)`,
  );
}

if (ONLY === 'size') {
  // Only builds: nothing below needs starting.
  await benchSizes();
  process.exit(0);
}

if (ONLY === 'pdf') {
  // In process, no server or database: nothing below needs starting.
  await benchPdf();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
const db = process.env.MONGODB_URI ? { uri: process.env.MONGODB_URI, stop: async () => {} } : await startLocalDatabase({ dataDir: join(dir, 'db') });
const mailbox = new Mailbox();
await mailbox.start();
const dbUrl = new URL(db.uri);
dbUrl.pathname = `/portico_bench_${Date.now()}`;
const dbName = dbUrl.toString();

console.log(
  `Portico benchmark: ${process.env.MONGODB_URI ? 'MongoDB' : `SecantusDB ${SECANTUS_VERSION} (embedded)`}, Node ${process.version}, ${CONNECTIONS} connections x ${DURATION_S} s per token run\n`,
);

const stripeMock = await startStripeMock((m) => console.log(m));
process.env.STRIPE_API_URL = stripeMock.url; // the Portico servers below take payments through it
const bare = await start('bare');
const portico = await start('portico', dbName, `smtp://127.0.0.1:${mailbox.port}`);
try {
  // Warm both up (JIT, key import, connection pools) before measuring.
  await autocannon({ url: `${bare.target.issuer}/.well-known/openid-configuration`, duration: 2, connections: 4 });
  await autocannon({ url: `${portico.target.issuer}/.well-known/openid-configuration`, duration: 2, connections: 4 });

  if (ONLY === 'bookings') await benchBookings(portico.target, portico.child, stats);
  else if (ONLY === 'sign-in') await benchSignIn();
  else if (ONLY === 'worst-availability') await withFairUse(benchWorstAvailability);
  else if (ONLY === 'money') await benchMoney(portico.target, portico.child, stats, stripeMock.url);
  else if (ONLY === 'memberships') await benchMemberships(portico.target, portico.child, stats, mailbox);
  else if (ONLY === 'api') await benchApi();
  else await benchAll();
} finally {
  bare.child.kill();
  portico.child.kill();
  await mailbox.stop();
  await stripeMock.stop();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Runs `bench` against a server of its own with the default fair-use limits, on a database of its own. */
async function withFairUse(bench: (t: Target) => Promise<void>) {
  const fair = await start('portico', dbName.replace(/\/portico_bench_/, '/portico_bench_fair_'), `smtp://127.0.0.1:${mailbox.port}`, 'fair-use');
  try {
    await bench(fair.target);
  } finally {
    fair.child.kill();
  }
}

async function benchAll() {
  const rows: Record<string, string | number>[] = [];
  for (const [name, s] of [
    ['bare oidc-provider (baseline)', bare],
    ['Portico', portico],
  ] as const) {
    const before = await stats(s.child);
    const r = await tokenLoad(s.target);
    const after = await stats(s.child);
    if (r.non2xx || r.errors) console.error(`!! ${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors: its figures are not valid`);
    const dbOps = (after.dbOps - before.dbOps) / r.total;
    rows.push({
      server: name,
      'req/s': Math.round(r.rps),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      requests: r.total,
      'non-2xx': r.non2xx,
      errors: r.errors,
      'db ops/req': dbOps.toFixed(1),
      rss: after.rss,
    });
  }
  bare.child.kill(); // done: leave the cores to the sign-in run
  console.log('Token endpoint, client_credentials, ES256 JWT access tokens:');
  console.table(rows);
  const ratio = Number(rows[1]!['req/s']) / Number(rows[0]!['req/s']);
  console.log(
    `Portico serves ${(ratio * 100).toFixed(0)}% of the baseline's throughput (the baseline keeps its one client in memory and makes no database operations; Portico's are in db ops/req).\n`,
  );

  await benchApi();
  await benchSignIn();
  await benchBookings(portico.target, portico.child, stats);
  await withFairUse(benchWorstAvailability);
  await benchMoney(portico.target, portico.child, stats, stripeMock.url);
  await benchMemberships(portico.target, portico.child, stats, mailbox);
  await benchPdf();
  await benchSizes();
}

/**
 * Client API: a resource-server read (JWT verified against the issuer's JWKS, the token's standing checked, one
 * organisation-scoped read) beside /healthz on the same server (no token, no database), so the figure isolates the
 * API's own cost. An app's own token stands while the app is registered (in memory); a customer's while its grant
 * lives (read once per 30 s per instance, idp/grants/standing.ts).
 */
async function benchApi() {
  const tokenFor = (resource: string, scope?: string) => accessToken(portico.target.issuer, portico.target, resource, scope);
  const token = await tokenFor(portico.target.resource);
  const adminToken = await tokenFor(`${portico.target.issuer}/admin`, 'admin');
  const web = portico.target.web!;
  const client = {
    clientId: web.clientId,
    clientSecret: web.clientSecret,
    redirectUri: 'http://localhost:8080/callback',
    config: await relyingParty(portico.target.issuer, web.clientId, web.clientSecret),
  };
  const signedIn = await signIn({ baseUrl: new URL(portico.target.issuer).origin, mailbox }, client, {
    email: uniqueEmail('bench'),
    params: { resource: portico.target.resource },
  });
  const customer = signedIn.tokens.access_token;
  const apiRows: Record<string, string | number>[] = [];
  const origin = new URL(portico.target.issuer).origin;
  for (const [name, url, headers] of [
    ['GET /healthz (baseline)', `${origin}/healthz`, {}],
    ["GET /api/v1/company, app's token (JWT + 1 read)", `${portico.target.issuer}/api/v1/company`, { authorization: `Bearer ${token}` }],
    [
      "GET /api/v1/company, customer's token (JWT + grant + 1 read)",
      `${portico.target.issuer}/api/v1/company`,
      { authorization: `Bearer ${customer}` },
    ],
    ['GET /admin/v1/portals (JWT + role lookup + 2 reads)', `${portico.target.issuer}/admin/v1/portals`, { authorization: `Bearer ${adminToken}` }],
  ] as const) {
    const before = await stats(portico.child);
    const r = await autocannon({ url, headers, duration: DURATION_S, connections: CONNECTIONS });
    const after = await stats(portico.child);
    const total = r.requests.total;
    apiRows.push({
      endpoint: name,
      'req/s': Math.round(r.requests.average),
      'p50 ms': r.latency.p50,
      'p99 ms': r.latency.p99,
      'non-2xx': r.non2xx,
      'db ops/req': ((after.dbOps - before.dbOps) / Math.max(1, total)).toFixed(2),
      rss: after.rss,
    });
  }
  console.log('API reads, same server:');
  console.table(apiRows);
}

/** Full sign-ins: authorize -> email -> code from the SMTP server -> callback -> tokens, 20 customers at once. */
async function benchSignIn() {
  const web = portico.target.web!;
  const client = {
    clientId: web.clientId,
    clientSecret: web.clientSecret,
    redirectUri: 'http://localhost:8080/callback',
    config: await relyingParty(portico.target.issuer, web.clientId, web.clientSecret),
  };
  const stack = { baseUrl: new URL(portico.target.issuer).origin, mailbox };
  const durations: number[] = [];
  let failures = 0;
  const opsBefore = (await stats(portico.child)).dbOps;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CUSTOMERS }, async () => {
      const browser = new Browser();
      for (let i = 0; i < SIGN_INS_PER_CUSTOMER; i++) {
        const t0 = performance.now();
        try {
          await signIn(stack, client, { browser: new Browser({ ip: browser.ip }), email: uniqueEmail('bench') });
          durations.push(performance.now() - t0);
        } catch (err) {
          failures++;
          if (failures <= 3) console.error(String(err).slice(0, 300));
        }
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const after = await stats(portico.child);
  durations.sort((a, b) => a - b);
  console.log(`Email sign-in round trip (authorize to tokens, incl. SMTP delivery), ${CUSTOMERS} concurrent customers:`);
  console.table([
    {
      'sign-ins': durations.length,
      failures,
      'p50 ms': Math.round(percentile(durations, 50)),
      'p99 ms': Math.round(percentile(durations, 99)),
      'sign-ins/s': (durations.length / wall).toFixed(1),
      'db ops/sign-in': ((after.dbOps - opsBefore) / Math.max(1, durations.length)).toFixed(0),
      rss: after.rss,
    },
  ]);
}
