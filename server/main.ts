// `npm start`: validate configuration, connect the database (embedded by default), seed the demo, serve.
import { loadConfigOrExit } from '../config/index.ts';
import { DEMO_OWNER, DEMO_SLUG, seedDemo } from '../idp/seed.ts';
import { ensureCustomer, findCustomerByEmail } from '../idp/customers/service.ts';
import { DEMO_WEBHOOK_SECRET, seedDemoCatalogue, seedDemoMoney, seedDemoPayments, seedDemoPortal } from '../portal/seed.ts';
import { paymentsSealKey } from '../portal/api/payments/settings.ts';
import Stripe from 'stripe';
import { startDemoWebhooks } from '../scripts/stripe/demo-webhooks.ts';
import { startStripeMock, type StripeMock } from '../scripts/stripe/launch.ts';
import { createApp } from './app.ts';
import { connectDatabase } from '../lib/db.ts';
import { createLogger } from '../lib/log.ts';
import { endEventStreams } from '../lib/sse.ts';
import { createMailer } from '../lib/mailer.ts';

const config = loadConfigOrExit(1);

const log = createLogger(config.logLevel, { service: 'portico' });
const db = await connectDatabase(config, log);
// In development without STRIPE_API_URL, Stripe is stripe-mock (built on the first run; it needs Go), so the demo
// takes "payments" with no Stripe account. Set STRIPE_API_URL=https://api.stripe.com for Stripe's own test mode.
let stripeMock: StripeMock | undefined;
let demoWebhooks: Awaited<ReturnType<typeof startDemoWebhooks>> | undefined;
if (!config.stripeApiUrl && config.env === 'development') {
  try {
    stripeMock = await startStripeMock((msg) => log.info(msg));
    // stripe-mock never calls back: card payments get the success webhook Stripe would send (demo only).
    demoWebhooks = await startDemoWebhooks(stripeMock.url, async (payload) => {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: DEMO_WEBHOOK_SECRET });
      await fetch(`${config.internalUrl}/${DEMO_SLUG}/stripe/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      });
    });
    config.stripeApiUrl = new URL(demoWebhooks.url);
  } catch (err) {
    log.warn('stripe-mock did not start: payments will go to Stripe itself', { err: String(err).slice(0, 500) });
  }
}
const mailer = createMailer(config, log);
const { app, secrets, changes } = createApp(config, log, mailer);
if (config.seedDemo) {
  const seeded = await seedDemo(secrets);
  if (seeded.created) {
    await seedDemoPortal(seeded.orgId, seeded.orgName);
    await seedDemoCatalogue(seeded.orgId);
    const payments = { sealKey: paymentsSealKey(config.masterSecret), endpoint: config.stripeApiUrl };
    await seedDemoPayments(seeded.orgId, payments.sealKey);
    await ensureCustomer(seeded.orgId, DEMO_OWNER); // the owner may sign in to the portal too, and sees their money
    await seedDemoMoney(payments, seeded.orgId, 'Europe/London', (await findCustomerByEmail(seeded.orgId, DEMO_OWNER))!._id, DEMO_OWNER, {
      savedCard: Boolean(stripeMock),
    });
    log.info('demo organisation created', { org: DEMO_SLUG, owner: DEMO_OWNER, clientId: seeded.clientId });
  }
}

const server = app.listen(config.port, config.host, () => {
  const issuer = `${config.publicUrl}/${DEMO_SLUG}`;
  log.info('Portico is listening', { host: config.host, port: config.port, publicUrl: config.publicUrl });
  process.stdout.write(
    [
      '',
      `  Portico is running at ${config.publicUrl}`,
      `  Demo issuer:     ${issuer}`,
      `  Discovery:       ${issuer}/.well-known/openid-configuration`,
      `  Customer portal: ${config.publicUrl}/${DEMO_SLUG}/portal   (sign in with any email address)`,
      `  Admin console:   ${config.publicUrl}/${DEMO_SLUG}/admin    (sign in as ${DEMO_OWNER}, the owner)`,
      `  Client API:      ${issuer}/api/v1/openapi.json   Admin API: ${issuer}/admin/v1/openapi.json`,
      `  Clients:         npx portico client list --org ${DEMO_SLUG}   (register your own: npx portico client create --help)`,
      `  Health:          ${config.publicUrl}/healthz`,
      `  Payments:        ${stripeMock ? `stripe-mock at ${stripeMock.url} (no Stripe account needed)` : (config.stripeApiUrl?.origin ?? 'Stripe')}`,
      config.smtpUrl ? '' : `  Mail:            no SMTP_URL set, sign-in codes are printed in this log and kept in ${config.varDir}/outbox`,
      '',
      '', // the final newline
    ].join('\n'),
  );
});

let stopping = false;
/** How long requests in flight may take to finish once a shutdown starts. */
const DRAIN_MS = 10_000;

/** Stops accepting, ends event streams with a reconnect hint, lets requests in flight finish, then closes the rest. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const closed = new Promise((resolve) => server.close(resolve));
  const streams = endEventStreams();
  server.closeIdleConnections();
  log.info('shutting down', { signal, eventStreams: streams });
  const drained = await Promise.race([closed.then(() => true), new Promise((r) => setTimeout(r, DRAIN_MS).unref()).then(() => false)]);
  if (!drained) {
    log.warn('requests still running after the drain time: closing them', { drainMs: DRAIN_MS });
    server.closeAllConnections();
  }
  await changes.close();
  mailer.close();
  await db.close();
  await demoWebhooks?.stop();
  await stripeMock?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
