// A studio selling memberships, for tests: Stripe connected, a round-the-clock room and a class, and Stripe's
// subscription webhooks as Stripe would send them about a membership (stripe-mock never calls back).
import { expect } from 'chai';
import mongoose from 'mongoose';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken } from './api.ts';
import { create, everyDay } from './catalogue.ts';
import { makeClient, makeOrg, type TestClient, type TestOrg } from './oidc.ts';
import type { Stack } from './stack.ts';
import { cardSaved, connectStripe, deliver, stripeEvent } from './stripe.ts';

export const MEMBER_SCOPES = 'bookings bookings:write payments payments:write memberships memberships:write';
export const ZONE = 'Europe/London';

export type Studio = { t: TestOrg; app: TestClient; owner: string; classId: string; massageId: string };

/** An organisation taking payments in GBP with a yoga class (no payment) and a prepaid massage, bookable any hour. */
export async function studio(s: Stack, cancellationWindowMinutes = 60): Promise<Studio> {
  const t = await makeOrg(s);
  const app = await makeClient(s, t);
  const owner = await adminToken(s, t, 'owner');
  await connectStripe(t, owner, { currency: 'GBP', taxInclusive: true });
  const location = await create(t, owner, 'locations', { name: 'Studio', timeZone: ZONE });
  const room = await create(t, owner, 'resources', { name: 'Room', locationId: location.id, weeklyHours: everyDay('00:00', '24:00') });
  const base = {
    durationMinutes: 60,
    intervalMinutes: 60,
    resourceIds: [room.id],
    locationId: location.id,
    minNoticeMinutes: 0,
    cancellationWindowMinutes,
  };
  const yoga = await create(t, owner, 'services', { ...base, name: 'Yoga', price: { amount: 1500, currency: 'GBP' }, capacity: 50 });
  const massage = await create(t, owner, 'services', {
    ...base,
    name: 'Massage',
    price: { amount: 6000, currency: 'GBP' },
    capacity: 50,
    payment: { mode: 'prepay' },
  });
  return { t, app, owner, classId: yoga.id, massageId: massage.id };
}

/** A monthly plan with 8 yoga classes (or `entitlement`), created by the owner. */
export async function plan(st: Studio, fields: Record<string, unknown> = {}) {
  const res = await call('POST', `${adminUrl(st.t)}/plans`, st.owner, {
    name: 'Monthly',
    price: { amount: 6000, currency: 'GBP' },
    interval: 'month',
    entitlements: [{ name: 'Yoga classes', serviceIds: [st.classId], credits: 8 }],
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: string; name: string };
}

/** A customer with a saved card (the default one). */
export async function member(s: Stack, st: Studio, email?: string) {
  const c = await customerToken(s, st.app, { scope: MEMBER_SCOPES, ...(email ? { email } : {}) });
  const customer = { token: c.token, id: c.tokens.claims()!.sub as string };
  expect((await call('POST', `${apiUrl(st.t)}/payment-methods/setup`, customer.token)).status).to.equal(201);
  expect((await cardSaved(st.t, customer.id)).status).to.equal(200);
  return customer;
}

/** The next `count` free hourly starts of a service, from an hour from now. */
export async function starts(st: Studio, token: string, serviceId: string, count: number, fromDays = 0) {
  const from = addDays(localAt(Date.now(), ZONE).date, fromDays);
  const res = await call('GET', `${apiUrl(st.t)}/availability?service=${serviceId}&from=${from}&to=${addDays(from, 6)}`, token);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  const all = (res.body.days as { slots: { start: string }[] }[]).flatMap((d) => d.slots.map((x) => x.start));
  expect(all.length).to.be.at.least(count);
  return all.slice(0, count);
}

/** The membership as stored (for its Stripe subscription id and calendar). */
export const stored = (t: TestOrg, id: string) => mongoose.connection.db!.collection('memberships').findOne({ org: t.org._id, _id: id as never });

/** Stripe's `invoice.paid` (or `invoice.payment_failed`) for the membership's period starting at `periodStart`. */
export async function invoiceEvent(
  t: TestOrg,
  membershipId: string,
  periodStart: Date,
  periodEnd: Date,
  type: 'invoice.paid' | 'invoice.payment_failed' = 'invoice.paid',
  invoiceId = `in_test_${membershipId}_${periodStart.getTime()}`,
  amount = 6000,
) {
  const m = await stored(t, membershipId);
  const subscription = m!.stripe.subscription as string;
  return deliver(
    t,
    stripeEvent(type, {
      id: invoiceId,
      object: 'invoice',
      status: type === 'invoice.paid' ? 'paid' : 'open',
      billing_reason: 'subscription_cycle',
      amount_paid: type === 'invoice.paid' ? amount : 0,
      currency: 'gbp',
      parent: { type: 'subscription_details', subscription_details: { subscription, metadata: { org: t.org._id, membership: membershipId } } },
      lines: {
        object: 'list',
        data: [
          {
            id: `il_${invoiceId}`,
            object: 'line_item',
            amount,
            currency: 'gbp',
            description: '1 × Monthly (at £60.00 / month)',
            period: { start: Math.floor(periodStart.getTime() / 1000), end: Math.floor(periodEnd.getTime() / 1000) },
          },
        ],
      },
      status_transitions: { paid_at: Math.floor(Date.now() / 1000) },
    }),
  );
}

/** Stripe's `customer.subscription.<type>` for the membership, with the subscription's `status` and fields, created at `created` (s). */
export async function subscriptionEvent(
  t: TestOrg,
  membershipId: string,
  type: string,
  fields: Record<string, unknown>,
  created = Math.floor(Date.now() / 1000),
) {
  const m = await stored(t, membershipId);
  const payload = JSON.parse(
    stripeEvent(`customer.subscription.${type}`, {
      id: m!.stripe.subscription,
      object: 'subscription',
      metadata: { org: t.org._id, membership: membershipId },
      cancel_at: null,
      ...fields,
    }),
  );
  payload.created = created;
  return deliver(t, JSON.stringify(payload));
}
