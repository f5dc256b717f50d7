// Stripe's webhook (POST /<org>/stripe/webhook): signed with the organisation's secret, at most 300 s old, each event
// taken once however often or however concurrently it is delivered.
import { expect } from 'chai';
import mongoose from 'mongoose';
import Stripe from 'stripe';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { makeOrg, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';
import { WEBHOOK_SECRET as SECRET } from '../support/stripe.ts';

describe('Payments: the Stripe webhook', function () {
  this.timeout(60_000);
  let s: Stack;
  let t: TestOrg;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    const owner = await adminToken(s, t, 'owner');
    expect((await call('PUT', `${adminUrl(t)}/payments/settings`, owner, { webhookSecret: SECRET })).status).to.equal(200);
  });

  const event = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      livemode: false,
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_1', object: 'payment_intent' } },
    });
  const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp });
  const deliver = async (payload: string, signature: string, org = t) => {
    const res = await fetch(`${org.issuer}/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const recorded = (id: string) => mongoose.connection.db!.collection('stripe_events').countDocuments({ _id: `${t.org._id}|${id}` as never });

  it('takes a signed event once; a second delivery says it was a duplicate', async () => {
    const payload = event('evt_once');
    expect(await deliver(payload, sign(payload))).to.deep.equal({ status: 200, body: { received: true } });
    expect(await deliver(payload, sign(payload))).to.deep.equal({ status: 200, body: { received: true, duplicate: true } });
    expect(await recorded('evt_once')).to.equal(1);
  });

  it('takes an event delivered 20 times at once exactly once', async () => {
    const payload = event('evt_parallel');
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(payload, sign(payload))));
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    expect(answers.filter((a) => !a.body.duplicate)).to.have.length(1);
    expect(await recorded('evt_parallel')).to.equal(1);
  });

  it('refuses with 400, recording nothing: a forged signature, an altered body, a delivery over 300 s old, another organisation', async () => {
    const payload = event('evt_refused');
    const cases: [string, () => Promise<{ status: number }>][] = [
      ['another secret', () => deliver(payload, sign(payload, { secret: 'whsec_NotTheOrganisationsSecret0123' }))],
      ['no signature', () => deliver(payload, '')],
      ['an altered body', () => deliver(payload.replace('pi_1', 'pi_2'), sign(payload))],
      ['a replay 301 s late', () => deliver(payload, sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }))],
    ];
    for (const [what, attempt] of cases) expect((await attempt()).status, what).to.equal(400);
    const other = await makeOrg(s); // no signing secret: nothing it could verify
    expect((await deliver(payload, sign(payload), other)).status, 'an organisation without a secret').to.equal(400);
    expect(await recorded('evt_refused')).to.equal(0);
    expect((await fetch(`${s.baseUrl}/no-such-org/stripe/webhook`, { method: 'POST', body: payload })).status).to.equal(404);
  });
});
