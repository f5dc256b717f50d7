// Stripe's webhook: POST /<org>/stripe/webhook. The raw body's signature is verified with the organisation's signing
// secret and Stripe's scheme (at most 300 s old, so a captured delivery cannot be replayed later), and each event is
// taken once: its id is inserted under a unique _id, and a second delivery of it only says so. Should handling it
// fail, the record is removed and Stripe gets a 500, so its retry handles it again. Handlers are written for any
// order of arrival (a failure after a success changes nothing; a success after a failure pays the tab).
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import mongoose from 'mongoose';
import Stripe from 'stripe';
import { isDuplicateKey } from '../../../lib/db.ts';
import { BadRequest, HttpError } from '../../../lib/errors.ts';
import { readRawBody } from '../../../lib/http.ts';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import { tenantParam, type Tenant, type Tenants } from '../../../lib/tenants.ts';
import type { Logger } from '../../../lib/log.ts';
import { applyIntent } from '../tabs/settle.ts';
import { invoiceFailed, invoicePaid, membershipWebhookEvents, subscriptionChanged } from '../memberships/stripe-events.ts';
import { forget, setupSucceeded } from './methods.ts';
import { refundedAtStripe } from '../documents/service.ts';
import { connectedStripe, moneySettings, webhookSecret } from './settings.ts';
import type { PaymentDeps } from './stripe.ts';

export const TOLERANCE_S = 300;
const KEPT_MS = 30 * 24 * 3_600_000; // longer than Stripe retries a delivery (3 days)

type ReceivedEvent = { _id: string; org: string; type: string; livemode: boolean; receivedAt: Date; expiresAt: Date };
const schema = orgScopedSchema<ReceivedEvent>(
  { _id: { type: String, required: true }, type: String, livemode: Boolean, receivedAt: Date, expiresAt: Date },
  { versionKey: false },
);
schema.index({ expiresAt: 1 }); // a TTL index (lib/db.ts)
const ReceivedEventModel = mongoose.model<ReceivedEvent>('StripeEvent', schema, 'stripe_events');

export const WEBHOOK_PATH = /^\/[^/]+\/stripe\/webhook$/;

/** The event types to send to the endpoint (Stripe's dashboard asks which); others are acknowledged and recorded only. */
export const webhookEvents = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.canceled',
  'setup_intent.succeeded',
  'payment_method.detached',
  'charge.refunded',
  ...membershipWebhookEvents,
] as const;

/** What each event type does. */
async function handle(deps: PaymentDeps, tenant: Tenant, event: Stripe.Event, log: Logger): Promise<void> {
  const org = tenant.id;
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.processing':
    case 'payment_intent.requires_action':
    case 'payment_intent.canceled':
      await applyIntent(deps, org, tenant.timeZone, event.data.object).catch((err) => {
        if (err instanceof HttpError && err.status === 409)
          return log.warn('stripe payment for no tab of this organisation', { org, intent: event.data.object.id });
        throw err;
      });
      return;
    case 'setup_intent.succeeded':
      await setupSucceeded((await connectedStripe(deps, org)).stripe, org, event.data.object);
      return;
    case 'payment_method.detached':
      await forget(org, event.data.object.id);
      return;
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed':
    case 'customer.subscription.deleted':
      if (!(await subscriptionChanged(org, event.data.object, event.created, event.type === 'customer.subscription.deleted')))
        log.warn('stripe subscription of no membership of this organisation', { org, subscription: event.data.object.id });
      return;
    case 'invoice.paid':
      await invoicePaid(deps, org, tenant.timeZone, event.data.object, event.created);
      return;
    case 'invoice.payment_failed':
      await invoiceFailed(org, event.data.object);
      return;
    case 'charge.refunded': {
      const charge = event.data.object;
      const intent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
      if (intent)
        await refundedAtStripe(
          { org, prefix: (await moneySettings(deps.sealKey, org)).invoicePrefix, timeZone: tenant.timeZone },
          intent,
          charge.amount_refunded,
        );
      return;
    }
  }
}

export function stripeWebhook(tenants: Tenants, deps: PaymentDeps, log: Logger): Middleware {
  const { sealKey } = deps;
  const router = new Router();
  router.param('org', tenantParam(tenants));
  router.post('/:org/stripe/webhook', async (ctx: Context) => {
    const { tenant } = ctx.state as { tenant: Tenant };
    const payload = await readRawBody(ctx);
    const secret = await webhookSecret(sealKey, tenant.id);
    if (!secret) throw new BadRequest('This organisation has no Stripe webhook signing secret configured.');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(payload, ctx.get('stripe-signature'), secret, TOLERANCE_S);
    } catch {
      throw new BadRequest('The Stripe-Signature header does not verify for this body, or the delivery is too old.');
    }
    const now = Date.now();
    const _id = `${tenant.id}|${event.id}`;
    try {
      await ReceivedEventModel.create({
        _id,
        org: tenant.id,
        type: event.type,
        livemode: event.livemode,
        receivedAt: new Date(now),
        expiresAt: new Date(now + KEPT_MS),
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      ctx.body = { received: true, duplicate: true }; // already taken: Stripe retried, or it was replayed in time
      return;
    }
    try {
      await handle(deps, tenant, event, log);
    } catch (err) {
      await ReceivedEventModel.deleteOne({ _id, org: tenant.id }); // not taken after all: Stripe's retry takes it
      throw err;
    }
    ctx.body = { received: true };
  });
  return router.routes() as Middleware;
}
