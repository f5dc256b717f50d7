// The local demo plays Stripe's webhooks (stripe-mock sends none): a PaymentIntent confirmed with a card is followed
// by its `payment_intent.succeeded`, carrying the request's metadata, so the demo's tab turns paid.
import { expect } from 'chai';
import Stripe from 'stripe';
import { startDemoWebhooks } from '../../scripts/stripe/demo-webhooks.ts';
import { stack } from '../support/stack.ts';

describe('Local demo: Stripe webhooks played for stripe-mock', () => {
  it('sends payment_intent.succeeded for a card PaymentIntent confirmed at creation, not for one the page will confirm', async () => {
    const s = await stack();
    const delivered: string[] = [];
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    const demo = await startDemoWebhooks(s.env.STRIPE_API_URL!, async (payload) => {
      delivered.push(payload);
      arrived();
    });
    try {
      const url = new URL(demo.url);
      const stripe = new Stripe('sk_test_DemoWebhooksTest000000', { host: url.hostname, port: Number(url.port), protocol: 'http', telemetry: false });
      await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'gbp',
        automatic_payment_methods: { enabled: true },
        metadata: { org: 'o1', tab: 'tab_later', attempt: '1' },
      });
      const intent = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'gbp',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { org: 'o1', tab: 'tab_now', attempt: '2' },
      });
      await first;
      expect(delivered).to.have.length(1);
      const event = JSON.parse(delivered[0]!);
      expect(event).to.include({ type: 'payment_intent.succeeded', object: 'event' });
      expect(event.data.object).to.include({ id: intent.id, status: 'succeeded', payment_method: 'pm_card_visa' });
      expect(event.data.object.metadata).to.deep.equal({ org: 'o1', tab: 'tab_now', attempt: '2' });
    } finally {
      await demo.stop();
    }
  });
});
