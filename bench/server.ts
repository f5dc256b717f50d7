// A server under test, in its own process: `portico` (the real app on the given MongoDB) or `bare` (oidc-provider
// alone: in-memory storage, one static client, the same ES256 JWT access tokens). Prints one JSON line when ready
// and answers {rss} over IPC.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import Provider from 'oidc-provider';
import { loadConfig } from '../config/index.ts';
import { createClient } from '../idp/clients/service.ts';
import { CustomerModel } from '../idp/customers/model.ts';
import { ensureCustomer } from '../idp/customers/service.ts';
import { createOrganisation } from '../idp/organisations/service.ts';
import { createApp } from '../server/app.ts';
import { ensureCollections } from '../lib/db.ts';
import { createLogger } from '../lib/log.ts';
import { createMailer } from '../lib/mailer.ts';
import { freePort } from '../scripts/db/launch.ts';
import type Stripe from 'stripe';
import { setupSucceeded, stripeCustomerOf } from '../portal/api/payments/methods.ts';
import { paymentsSealKey, updateSettings } from '../portal/api/payments/settings.ts';
import { stripeClient } from '../portal/api/payments/stripe.ts';
import { addMembershipHistory, checkLedger, explainMemberQueries, type HistoryRequest } from './membership-history.ts';
import { BENCH_KEYS } from './money.ts';

const [mode, mongoUri, smtpUrl, limits] = process.argv.slice(2);
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// Database operations are counted so the figures say how much each request asks of the database.
let dbOps = 0;
mongoose.set('debug', () => {
  dbOps++;
});
// IPC: 'stats' answers {rss, dbOps}; {history: n} adds n past bookings (bench/bookings.ts) and answers when done;
// {membershipHistory}, {checkLedger}, {explainQueries} and 'dbTime' serve bench/memberships.ts.
process.on('message', (msg: unknown) => {
  if (msg && typeof msg === 'object' && 'membershipHistory' in msg)
    answer(addMembershipHistory((msg as { membershipHistory: HistoryRequest }).membershipHistory));
  else if (msg === 'dbTime') {
    process.send!(Object.fromEntries(dbTime));
    dbTime.clear();
  } else if (msg && typeof msg === 'object' && 'checkLedger' in msg) answer(checkLedger((msg as { checkLedger: { org: string } }).checkLedger));
  else if (msg && typeof msg === 'object' && 'explainQueries' in msg)
    answer(explainMemberQueries((msg as { explainQueries: Parameters<typeof explainMemberQueries>[0] }).explainQueries));
  else if (msg && typeof msg === 'object' && 'history' in msg)
    void addHistory(msg as { history: number; org: string; resourceIds: string[]; serviceId: string });
  else if (msg && typeof msg === 'object' && 'moneyHistory' in msg)
    void addMoneyHistory(msg as { moneyHistory: number; org: string; customerId: string });
  else process.send!({ rss: process.memoryUsage().rss, dbOps });
});

/**
 * BENCH_PROFILE=1: each database command's time as the driver sees it, by command and collection (answered and
 * cleared by 'dbTime'), to say where a request's time goes. Off by default: the events cost a little on every command.
 */
const PROFILE = process.env.BENCH_PROFILE === '1';
const dbTime = new Map<string, { count: number; ms: number }>();
function timeCommands(client: ReturnType<typeof mongoose.connection.getClient>) {
  const started = new Map<number, string>();
  client.on('commandStarted', (e) => {
    const target = e.commandName === 'getMore' ? e.command.collection : e.command[e.commandName];
    started.set(e.requestId, typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName);
  });
  const done = (e: { requestId: number; duration: number }) => {
    const command = started.get(e.requestId);
    started.delete(e.requestId);
    // A change stream's getMore waits for events in the background (live views): it is no request's time.
    if (!command || command === 'getMore $cmd.aggregate') return;
    const t = dbTime.get(command) ?? { count: 0, ms: 0 };
    dbTime.set(command, { count: t.count + 1, ms: t.ms + e.duration });
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
}

/** Sends what `work` gives back, or its failure as {error} (the bench waits for an answer either way). */
function answer(work: Promise<object>) {
  void work.then(
    (done) => process.send!(done),
    (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) }),
  );
}

/** Past bookings straight into the collection: the history a busy business has, outside any asked range. */
async function addHistory({ history, org, resourceIds, serviceId }: { history: number; org: string; resourceIds: string[]; serviceId: string }) {
  const { BookingModel } = await import('../portal/api/bookings/model.ts');
  const now = Date.now();
  const docs = Array.from({ length: history }, (_, i) => {
    const start = new Date(now - (i + 1) * 3_600_000);
    const end = new Date(start.getTime() + 3_600_000);
    const resourceId = resourceIds[i % resourceIds.length]!;
    return {
      _id: `bk_history${String(i).padStart(8, '0')}`,
      org,
      status: 'confirmed',
      customerId: 'c_history',
      createdBy: 'staff',
      serviceId,
      serviceName: 'History',
      durationMinutes: 60,
      price: { amount: 0, currency: 'GBP' },
      capacity: 1,
      resourceId,
      resourceName: 'x',
      locationId: 'loc_x',
      locationName: 'x',
      timeZone: 'Europe/London',
      start,
      end,
      busyStart: start,
      busyEnd: end,
      session: `${serviceId}|${resourceId}|${start.getTime()}`,
      seat: 1,
      cancellationWindowMinutes: 0,
      version: 1,
      createdAt: start,
      updatedAt: start,
    };
  });
  for (let i = 0; i < docs.length; i += 1000) await BookingModel.insertMany(docs.slice(i, i + 1000));
  process.send!({ history: docs.length });
}

/** Test keys against stripe-mock, and a saved card for the bench customer (as Stripe's webhook would save it). */
async function connectStripe(config: ReturnType<typeof loadConfig>, org: string, customerId: string, email: string) {
  const sealKey = paymentsSealKey(config.masterSecret);
  await updateSettings(sealKey, org, { ...BENCH_KEYS, taxRates: [{ name: 'VAT', percent: 20 }] });
  const stripe = stripeClient({ secretKey: BENCH_KEYS.secretKey }, config.stripeApiUrl);
  const customer = await stripeCustomerOf(stripe, org, customerId, email);
  await setupSucceeded(stripe, org, { customer, payment_method: 'pm_card_visa' } as Stripe.SetupIntent);
}

/**
 * A year of a café's money straight into the collections: paid tabs, each with its invoice, receipt and payment,
 * spread over the past 365 days; one in 50 is the bench customer's (their history in the portal).
 */
async function addMoneyHistory({ moneyHistory, org, customerId }: { moneyHistory: number; org: string; customerId: string }) {
  const { TabModel } = await import('../portal/api/tabs/model.ts');
  const { DocumentModel, PaymentModel } = await import('../portal/api/documents/model.ts');
  const now = Date.now();
  const line = { description: 'Flat white', quantity: 2, unitAmount: 340, taxRate: { name: 'VAT', percent: 20 }, net: 567, tax: 113, gross: 680 };
  for (let start = 0; start < moneyHistory; start += 1000) {
    const n = Math.min(1000, moneyHistory - start);
    const rows = Array.from({ length: n }, (_, j) => {
      const i = start + j;
      const at = new Date(now - ((i + 1) * 365 * 86_400_000) / moneyHistory);
      const who = i % 50 === 0 ? customerId : `c_history${i % 5000}`;
      const year = at.getUTCFullYear();
      const seq = String(i + 1).padStart(6, '0');
      const doc = {
        org,
        customerId: who,
        customerEmail: `${who}@example.com`,
        currency: 'GBP',
        taxInclusive: true,
        timeZone: 'Europe/London',
        year,
        lines: [line],
        taxBreakdown: [{ name: 'VAT', percent: 20, net: 567, tax: 113 }],
        subtotal: 680,
        discount: 0,
        tax: 113,
        tip: 0,
        total: 680,
        payment: { method: 'cash', paidAt: at },
        paymentId: `pay_h${i}`,
        issuedAt: at,
        source: { kind: 'tab', id: `tab_history${i}` },
      };
      return {
        tab: {
          _id: `tab_history${String(i).padStart(8, '0')}`,
          org,
          customerId: who,
          customerEmail: doc.customerEmail,
          status: 'paid',
          currency: 'GBP',
          taxInclusive: true,
          lines: [{ id: `ln_h${i}`, description: line.description, quantity: 2, unitAmount: 340, taxRate: line.taxRate, addedAt: at }],
          discount: null,
          version: 3,
          openedAt: at,
          paidAt: at,
          invoiceId: `inv_history${i}`,
          payment: { attempt: 1, key: `h${i}`, state: 'succeeded', method: 'cash', amount: 680, tip: 0, at },
        },
        invoice: { ...doc, _id: `inv_history${i}`, kind: 'invoice', number: `H-${year}-${seq}` },
        receipt: {
          ...doc,
          _id: `rcpt_history${i}`,
          kind: 'receipt',
          number: `H-R-${year}-${seq}`,
          relatesTo: { id: `inv_history${i}`, number: `H-${year}-${seq}` },
        },
        payment: {
          _id: `pay_h${i}`,
          org,
          customerId: who,
          currency: 'GBP',
          amount: 680,
          refundable: 680,
          refunds: 0,
          method: 'cash',
          invoiceId: `inv_history${i}`,
          paidAt: at,
        },
      };
    });
    await TabModel.insertMany(rows.map((r) => r.tab));
    await DocumentModel.insertMany(rows.flatMap((r) => [r.invoice, r.receipt]));
    await PaymentModel.insertMany(rows.map((r) => r.payment));
  }
  process.send!({ moneyHistory });
}

if (mode === 'bare') {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };
  const issuer = `${base}/bare`;
  const resource = `${issuer}/api`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] } as never,
    clients: [
      {
        client_id: 'bench',
        client_secret: 'bench-secret-bench-secret-bench-secret',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: () => ({
          scope: 'profile profile:write',
          audience: resource,
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  const Koa = (await import('koa')).default;
  const app = new Koa();
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/bare')) return next();
    (ctx.req as { originalUrl?: string }).originalUrl = ctx.req.url;
    ctx.req.url = ctx.req.url!.slice('/bare'.length) || '/';
    ctx.respond = false;
    await provider.callback()(ctx.req, ctx.res);
  });
  app.listen(port, '127.0.0.1', () =>
    console.log(JSON.stringify({ issuer, clientId: 'bench', clientSecret: 'bench-secret-bench-secret-bench-secret', resource })),
  );
} else {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: base,
    MONGODB_URI: mongoUri,
    SMTP_URL: smtpUrl,
    MASTER_SECRET: 'bench-master-secret-bench-master-secret',
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'error',
    // Throughput figures are the server's own: fair use would answer most of a load run 429. With `fair-use`, the
    // defaults, for what one organisation's load does to another's (bench/worst-availability.ts).
    ...(limits === 'fair-use' ? {} : { API_RATE_PER_CALLER: '100000', API_RATE_PER_ORG: '100000' }),
    VAR_DIR: mkdtempSync(join(tmpdir(), 'portico-bench-')),
    ...(process.env.STRIPE_API_URL ? { STRIPE_API_URL: process.env.STRIPE_API_URL } : {}),
  });
  const log = createLogger('error');
  await mongoose.connect(config.mongodbUri!, { monitorCommands: PROFILE });
  if (PROFILE) timeCommands(mongoose.connection.getClient());
  const { app, secrets } = createApp(config, log, createMailer(config, log));
  await ensureCollections(log);
  const org = await createOrganisation(secrets, { slug: 'bench', name: 'Bench Spa' });
  const machine = await createClient(secrets, org._id, { name: 'bench machine', kind: 'machine', adminRole: 'staff' });
  const admin = await createClient(secrets, org._id, { name: 'bench back office', kind: 'machine', adminRole: 'admin' });
  await ensureCustomer(org._id, 'bench.customer@example.com');
  const customer = await CustomerModel.findOne({ org: org._id, email: 'bench.customer@example.com' }).lean();
  if (config.stripeApiUrl) await connectStripe(config, org._id, customer!._id, customer!.email);
  const web = await createClient(secrets, org._id, {
    name: 'bench web',
    kind: 'web',
    firstParty: true,
    redirectUris: ['http://localhost:8080/callback'],
  });
  // A second organisation, for what one organisation's load does to another's requests.
  const neighbour = await createOrganisation(secrets, { slug: 'neighbour', name: 'Neighbour Studio' });
  const neighbourMachine = await createClient(secrets, neighbour._id, { name: 'neighbour machine', kind: 'machine', adminRole: 'staff' });
  const issuer = `${base}/bench`;
  app.listen(port, '127.0.0.1', () =>
    console.log(
      JSON.stringify({
        issuer,
        clientId: machine.clientId,
        clientSecret: machine.clientSecret,
        resource: `${issuer}/api`,
        web: { clientId: web.clientId, clientSecret: web.clientSecret },
        admin: { clientId: admin.clientId, clientSecret: admin.clientSecret },
        org: org._id,
        customerId: customer!._id,
        neighbour: { issuer: `${base}/neighbour`, clientId: neighbourMachine.clientId, clientSecret: neighbourMachine.clientSecret },
      }),
    ),
  );
}
