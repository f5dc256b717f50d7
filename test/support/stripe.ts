// Stripe's side of a test: stripe-mock answers the API, but it is stateless and never calls back, so tests play
// Stripe's webhooks themselves: events signed with the organisation's signing secret (the SDK's own test header),
// delivered to its endpoint.
import mongoose from 'mongoose';
import Stripe from 'stripe';
import { adminUrl, call } from './api.ts';
import type { TestOrg } from './oidc.ts';

export const WEBHOOK_SECRET = 'whsec_PorticoWebhookSigningSecret0123456789';
export const TEST_KEYS = {
  secretKey: 'sk_test_PorticoTestKey0123456789',
  publishableKey: 'pk_test_PorticoTestKey0123456789',
  webhookSecret: WEBHOOK_SECRET,
};

/** Connects the organisation to (mock) Stripe, with its money settings; `owner` is an owner's Admin API token. */
export async function connectStripe(t: TestOrg, owner: string, settings: Record<string, unknown> = {}) {
  const res = await call('PUT', `${adminUrl(t)}/payments/settings`, owner, { ...TEST_KEYS, ...settings });
  if (res.status !== 200) throw new Error(`connecting Stripe failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

let n = 0;
/** A Stripe event of `type` about `object`, as Stripe would send it. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_test_${Date.now()}_${++n}`): string {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    api_version: '2025-01-27',
    data: { object },
  });
}

export const signStripe = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp });

/** Delivers a signed payload to the organisation's webhook endpoint. */
export async function deliver(
  t: TestOrg,
  payload: string,
  signature = signStripe(payload),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.issuer}/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The Stripe Customer id the organisation's customer was given (for events Stripe would send about them). */
export async function stripeCustomerId(t: TestOrg, customerId: string): Promise<string> {
  const doc = await mongoose.connection.db!.collection('stripe_customers').findOne({ _id: `${t.org._id}|${customerId}` as never });
  if (!doc) throw new Error('the customer has no Stripe Customer yet');
  return doc.stripeCustomerId as string;
}

/** Stripe saying a card was saved: the `setup_intent.succeeded` event for the customer's SetupIntent. */
export async function cardSaved(t: TestOrg, customerId: string, paymentMethod = 'pm_card_visa') {
  const customer = await stripeCustomerId(t, customerId);
  return deliver(
    t,
    stripeEvent('setup_intent.succeeded', {
      id: `seti_${++n}test`,
      object: 'setup_intent',
      status: 'succeeded',
      customer,
      payment_method: paymentMethod,
    }),
  );
}

/** Stripe saying how a PaymentIntent ended: `succeeded`, or failed with `failure` as the bank's words. */
export function intentEvent(
  t: TestOrg,
  intent: { id: string; tab?: string; attempt?: number },
  outcome: 'succeeded' | 'payment_failed' | 'requires_action',
  failure = 'Your card was declined.',
) {
  const status = outcome === 'succeeded' ? 'succeeded' : outcome === 'requires_action' ? 'requires_action' : 'requires_payment_method';
  const metadata = intent.tab ? { org: t.org._id, tab: intent.tab, attempt: String(intent.attempt ?? 1) } : {};
  const object = {
    id: intent.id,
    object: 'payment_intent',
    status,
    amount: 0,
    currency: 'gbp',
    metadata,
    payment_method: 'pm_card_visa',
    client_secret: `${intent.id}_secret_test`,
    ...(outcome === 'payment_failed' ? { last_payment_error: { type: 'card_error', code: 'card_declined', message: failure } } : {}),
  };
  return deliver(t, stripeEvent(`payment_intent.${outcome}`, object));
}
