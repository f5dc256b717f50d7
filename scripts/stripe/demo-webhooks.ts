// The local demo's stand-in for Stripe's webhooks. stripe-mock answers the API but never calls back, so a card
// payment would wait for Stripe's word for ever; in development only, this pass-through watches for PaymentIntents
// confirmed with a card and, a moment later, delivers the `payment_intent.succeeded` event Stripe would send, signed
// like Stripe's. Never used with a real Stripe key: main.ts starts it only together with stripe-mock.
import { randomUUID } from 'node:crypto';
import { startStripeProxy } from './proxy.ts';

const CONFIRMED = [/^\/v1\/payment_intents$/, /^\/v1\/payment_intents\/[^/]+\/confirm$/];
const STRIPE_DELAY_MS = 500;

/** `deliver` posts the event's JSON to the webhook endpoint, signed. */
export function startDemoWebhooks(stripeMockUrl: string, deliver: (payload: string) => Promise<void>) {
  return startStripeProxy(stripeMockUrl, (x) => {
    if (x.method !== 'POST' || x.status !== 200 || !CONFIRMED.some((p) => p.test(x.path))) return;
    if (x.path === '/v1/payment_intents' && x.form.get('confirm') !== 'true') return; // the page will confirm it
    const intent = JSON.parse(x.answer) as Record<string, unknown>;
    // stripe-mock does not echo metadata: the request's own is what Stripe would have kept.
    const metadata = Object.fromEntries([...x.form].filter(([k]) => /^metadata\[[^\]]+\]$/.test(k)).map(([k, v]) => [k.slice(9, -1), v]));
    const object = {
      ...intent,
      status: 'succeeded',
      metadata,
      last_payment_error: null,
      payment_method: x.form.get('payment_method') ?? intent.payment_method,
    };
    const event = {
      id: `evt_demo_${randomUUID().replaceAll('-', '')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      livemode: false,
      created: Math.floor(Date.now() / 1000),
      data: { object },
    };
    setTimeout(() => void deliver(JSON.stringify(event)).catch(() => undefined), STRIPE_DELAY_MS);
  });
}
