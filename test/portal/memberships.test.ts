// Memberships through the APIs: plans, joining on a saved card, credits used at booking (atomically), returned or
// forfeited on cancellation, renewed and carried over by Stripe's invoices (in any order, once), and freeze, cancel
// and plan-change previews that match what the confirmation then does.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { adminUrl, apiUrl, call, customerToken } from '../support/api.ts';
import { invoiceEvent, MEMBER_SCOPES, member, plan, starts, stored, studio, subscriptionEvent, type Studio } from '../support/memberships.ts';
import { makeClient, makeOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cardSaved, deliver, stripeEvent } from '../support/stripe.ts';

describe('Memberships', function () {
  this.timeout(180_000);
  let s: Stack;
  before(async () => {
    s = await stack();
  });

  const join = async (st: Studio, token: string, planId: string) => {
    const res = await call('POST', `${apiUrl(st.t)}/memberships`, token, { planId });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { membership: { id: string; status: string; periodEnd: string }; payment: { state: string } };
  };
  const credits = async (st: Studio, token: string) =>
    (await call('GET', `${apiUrl(st.t)}/credits`, token)).body.items as {
      id: string;
      name: string;
      remaining: number;
      granted: number;
      expiresAt: string;
    }[];
  /** Each bucket's remaining equals the sum of its ledger entries. */
  const ledgerBalances = async (st: Studio, customerId: string) => {
    const db = mongoose.connection.db!;
    const buckets = await db.collection('credit_buckets').find({ org: st.t.org._id, customerId }).toArray();
    for (const b of buckets) {
      const entries = await db.collection('credit_entries').find({ org: st.t.org._id, bucket: b._id }).toArray();
      expect(
        entries.reduce((n, e) => n + e.delta, 0),
        `ledger of ${b._id}`,
      ).to.equal(b.remaining);
    }
    return buckets;
  };

  it('validates plans, with unlimited as a flag and services of the organisation only', async () => {
    const st = await studio(s);
    const url = `${adminUrl(st.t)}/plans`;
    const bad = await call('POST', url, st.owner, { name: 'X', price: { amount: 100, currency: 'GBP' }, interval: 'fortnight' });
    expect(bad.status).to.equal(400);
    const zero = await call('POST', url, st.owner, {
      name: 'X',
      price: { amount: 100, currency: 'GBP' },
      interval: 'month',
      entitlements: [{ name: 'Yoga', serviceIds: [st.classId], credits: 0 }],
    });
    expect(zero.status).to.equal(400);
    expect(JSON.stringify(zero.body)).to.match(/unlimited/);
    const other = await studio(s);
    const foreign = await call('POST', url, st.owner, {
      name: 'X',
      price: { amount: 100, currency: 'GBP' },
      interval: 'month',
      entitlements: [{ name: 'Yoga', serviceIds: [other.classId], unlimited: true }],
    });
    expect(foreign.status).to.equal(422);
    expect(foreign.body.error).to.equal('invalid_reference');
    const unlimited = await plan(st, { entitlements: [{ name: 'Unlimited yoga', serviceIds: [st.classId], unlimited: true }] });
    const read = await call('GET', `${adminUrl(st.t)}/plans/${unlimited.id}`, st.owner);
    expect(read.body.entitlements[0]).to.include({ unlimited: true, credits: 0, id: 'unlimited-yoga' });
    // Another organisation's staff cannot read it.
    expect((await call('GET', `${adminUrl(other.t)}/plans/${unlimited.id}`, other.owner)).status).to.equal(404);
  });

  it('joins on the saved card, once, with the period’s credits granted', async () => {
    const st = await studio(s);
    const p = await plan(st);
    const c = await customerToken(s, st.app, { scope: MEMBER_SCOPES });
    const noCard = await call('POST', `${apiUrl(st.t)}/memberships`, c.token, { planId: p.id });
    expect(noCard.status).to.equal(422);
    expect(noCard.body.error).to.equal('payment_required');
    const m = await member(s, st);
    const joined = await join(st, m.token, p.id);
    expect(joined.payment.state).to.equal('succeeded');
    expect(joined.membership.status).to.equal('active');
    const [yoga] = await credits(st, m.token);
    expect(yoga).to.include({ name: 'Yoga classes', granted: 8, remaining: 8 });
    expect(Date.parse(yoga!.expiresAt)).to.equal(Date.parse(joined.membership.periodEnd));
    const again = await call('POST', `${apiUrl(st.t)}/memberships`, m.token, { planId: p.id });
    expect(again.status).to.equal(409);
    expect(again.body.error).to.equal('already_member');
    // Not another customer's to see.
    const other = await customerToken(s, st.app, { scope: MEMBER_SCOPES });
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${joined.membership.id}`, other.token)).status).to.equal(404);
    expect((await call('POST', `${apiUrl(st.t)}/memberships/${joined.membership.id}/cancel/preview`, other.token, {})).status).to.equal(404);
  });

  it('spends the last 3 credits on exactly 3 of 20 bookings at once, and refuses the rest as the plan says', async () => {
    const st = await studio(s);
    const p = await plan(st, { entitlements: [{ name: 'Classes', serviceIds: [st.classId], credits: 3, whenOut: 'refuse' }] });
    const m = await member(s, st);
    await join(st, m.token, p.id);
    const times = await starts(st, m.token, st.classId, 20);
    const answers = await Promise.all(times.map((start) => call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start })));
    const booked = answers.filter((a) => a.status === 201);
    expect(booked.length, JSON.stringify(answers.map((a) => [a.status, a.body.error]))).to.equal(3);
    for (const b of booked) expect(b.body.credit).to.include({ name: 'Classes' });
    for (const a of answers.filter((x) => x.status !== 201)) expect([a.status, a.body.error]).to.deep.equal([409, 'no_credits']);
    const [bucket] = await ledgerBalances(st, m.id);
    expect(bucket!.remaining).to.equal(0);
    const history = await call('GET', `${apiUrl(st.t)}/credits/history`, m.token);
    expect(
      history.body.items
        .filter((e: { kind: string }) => e.kind === 'use')
        .map((e: { bookingId: string }) => e.bookingId)
        .sort(),
    ).to.deep.equal(booked.map((b) => b.body.id).sort());
  });

  it('lets a customer out of credits pay instead when the plan allows it, with the member discount', async () => {
    const st = await studio(s);
    const p = await plan(st, {
      entitlements: [{ name: 'Massages', serviceIds: [st.massageId], credits: 1, whenOut: 'pay' }],
      discounts: [{ serviceIds: [st.massageId], percent: 15 }],
    });
    const m = await member(s, st);
    await join(st, m.token, p.id);
    const [a, b] = await starts(st, m.token, st.massageId, 2);
    const cover = await call('GET', `${apiUrl(st.t)}/credits/for?serviceId=${st.massageId}&start=${encodeURIComponent(a!)}`, m.token);
    expect(cover.body).to.deep.include({ whenOut: 'pay' });
    expect(cover.body.use).to.include({ name: 'Massages', remaining: 1, granted: 1 });
    const first = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.massageId, start: a });
    expect(first.body.credit).to.include({ name: 'Massages' });
    expect(first.body.payment).to.equal(undefined);
    const second = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.massageId, start: b });
    expect(second.status).to.equal(201);
    expect(second.body.credit).to.equal(undefined);
    expect(second.body.payment).to.include({ mode: 'prepay', amount: 5100, status: 'due' });
    // At the till too: the service sold on a tab is priced with the discount.
    const tab = await call('POST', `${adminUrl(st.t)}/tabs`, st.owner, { customerId: m.id });
    const line = await call('POST', `${adminUrl(st.t)}/tabs/${tab.body.id}/lines`, st.owner, { serviceId: st.massageId, quantity: 2 });
    expect(line.status, JSON.stringify(line.body)).to.equal(201);
    expect(line.body.lines.at(-1)).to.include({ description: 'Massage (member discount 15 %)', unitAmount: 5100, quantity: 2 });
    const stranger = await customerToken(s, st.app, { scope: MEMBER_SCOPES });
    const theirs = await call('POST', `${adminUrl(st.t)}/tabs`, st.owner, { customerId: stranger.tokens.claims()!.sub });
    const full = await call('POST', `${adminUrl(st.t)}/tabs/${theirs.body.id}/lines`, st.owner, { serviceId: st.massageId, quantity: 1 });
    expect(full.body.lines.at(-1)).to.include({ description: 'Massage', unitAmount: 6000 });
  });

  it('gives a credit back, once, for a cancellation in time', async () => {
    const st = await studio(s, 60 * 24 * 3); // cancel at least 3 days ahead
    const p = await plan(st);
    const m = await member(s, st);
    await join(st, m.token, p.id);
    const [soon] = await starts(st, m.token, st.classId, 1);
    const [later] = await starts(st, m.token, st.classId, 1, 5);
    const late = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start: soon });
    const early = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start: later });
    expect((await credits(st, m.token))[0]!.remaining).to.equal(6);
    // A customer may not cancel inside the window (staff can: the next test).
    expect((await call('POST', `${apiUrl(st.t)}/bookings/${late.body.id}/cancel`, m.token)).status).to.equal(409);
    const cancelled = await call('POST', `${apiUrl(st.t)}/bookings/${early.body.id}/cancel`, m.token);
    expect(cancelled.body.creditReturned).to.equal(true);
    expect((await credits(st, m.token))[0]!.remaining).to.equal(7);
    // Cancelling again (a retry) returns nothing twice.
    expect((await call('POST', `${apiUrl(st.t)}/bookings/${early.body.id}/cancel`, m.token)).status).to.equal(409);
    await ledgerBalances(st, m.id);
    const kinds = (await call('GET', `${apiUrl(st.t)}/credits/history`, m.token)).body.items.map((e: { kind: string }) => e.kind);
    expect(kinds).to.deep.equal(['return', 'use', 'use', 'grant']);
  });

  it("forfeits the credit of a booking cancelled after the deadline (at the desk), or charges the service's late fee instead", async () => {
    const st = await studio(s, 60 * 24 * 3);
    const p = await plan(st);
    const m = await member(s, st);
    await join(st, m.token, p.id);
    const [soon] = await starts(st, m.token, st.classId, 1);
    const b = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start: soon });
    expect((await credits(st, m.token))[0]!.remaining).to.equal(7);
    const cancelled = await call('POST', `${adminUrl(st.t)}/bookings/${b.body.id}/cancel`, st.owner);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(cancelled.body.creditReturned).to.equal(false);
    expect((await credits(st, m.token))[0]!.remaining).to.equal(7);
    await ledgerBalances(st, m.id);
    // A service whose policy is a late fee instead: the credit comes back and the fee is charged on a tab of its own.
    expect(
      (await call('PATCH', `${adminUrl(st.t)}/services/${st.classId}`, st.owner, { payment: { mode: 'none', lateCancelFee: 800 } })).status,
    ).to.equal(200);
    const [other] = await starts(st, m.token, st.classId, 1, 1);
    const b2 = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start: other });
    expect(b2.body.credit).to.include({ lateFee: 800 });
    expect((await credits(st, m.token))[0]!.remaining).to.equal(6);
    const feed = await call('POST', `${adminUrl(st.t)}/bookings/${b2.body.id}/cancel`, st.owner);
    expect(feed.body.creditReturned).to.equal(true);
    expect(feed.body.lateFee).to.include({ amount: 800 });
    expect((await credits(st, m.token))[0]!.remaining).to.equal(7);
    const tab = await call('GET', `${adminUrl(st.t)}/tabs/${feed.body.lateFee.tabId}`, st.owner);
    expect(tab.body.lines.map((l: { description: string; unitAmount: number }) => [l.description, l.unitAmount])).to.deep.equal([
      ['Late cancellation: Yoga', 800],
    ]);
    expect(tab.body.customer.id).to.equal(m.id);
  });

  it('renews on the next period’s paid invoice, carrying credits over, once, whatever the order of Stripe’s events', async () => {
    const st = await studio(s);
    const p = await plan(st, { rollover: { maxCredits: 2, periods: 1 } });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    const [start] = await starts(st, m.token, st.classId, 1);
    await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start });
    const doc = (await stored(st.t, membership.id))!;
    const next = new Date(doc.periodEnd);
    const after = new Date(next.getTime() + 31 * 86_400_000);
    // The failure arrives after the success for the same invoice: it changes nothing.
    expect((await invoiceEvent(st.t, membership.id, next, after)).status).to.equal(200);
    expect((await invoiceEvent(st.t, membership.id, next, after)).status).to.equal(200); // Stripe retried: once only
    expect((await invoiceEvent(st.t, membership.id, next, after, 'invoice.payment_failed')).status).to.equal(200);
    const renewed = (await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body;
    expect(renewed).to.include({ status: 'active', period: 2 });
    expect(Date.parse(renewed.periodStart)).to.equal(next.getTime());
    const open = await credits(st, m.token);
    expect(open.map((c) => [c.name, c.remaining])).to.have.deep.members([
      ['Yoga classes', 8],
      ['Yoga classes (carried over)', 2],
    ]);
    const buckets = await ledgerBalances(st, m.id);
    expect(buckets.filter((b) => b.closed)).to.have.length(1);
    // One invoice of ours for the charge, numbered.
    const docs = (await call('GET', `${apiUrl(st.t)}/documents`, m.token)).body.items.filter((d: { kind: string }) => d.kind === 'invoice');
    expect(docs).to.have.length(1);
    expect(docs[0].total).to.equal(6000);
    // An older subscription state arriving late changes nothing; a newer past_due does.
    expect((await subscriptionEvent(st.t, membership.id, 'updated', { status: 'past_due' }, Math.floor(Date.now() / 1000) - 3600)).status).to.equal(
      200,
    );
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('active');
    await subscriptionEvent(st.t, membership.id, 'updated', { status: 'past_due' }, Math.floor(Date.now() / 1000) + 5);
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('past_due');
  });

  it('freezes exactly as previewed, pausing credits, within the yearly days', async () => {
    const st = await studio(s);
    const p = await plan(st, { freeze: { allowed: true, maxDaysPerYear: 30, fee: 500 } });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    const url = `${apiUrl(st.t)}/memberships/${membership.id}`;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const tooLong = await call('POST', `${url}/freeze/preview`, m.token, { from: today, days: 31 });
    expect([tooLong.status, tooLong.body.error]).to.deep.equal([409, 'freeze_limit']);
    const preview = await call('POST', `${url}/freeze/preview`, m.token, { from: today, days: 10 });
    expect(preview.status, JSON.stringify(preview.body)).to.equal(200);
    expect(preview.body).to.include({ from: today, days: 10, daysLeftThisYear: 20, fee: 500 });
    const done = await call('POST', `${url}/freeze`, m.token, { from: today, days: 10 });
    expect(done.body.preview).to.deep.equal(preview.body);
    expect(done.body.membership.status).to.equal('frozen');
    expect(done.body.membership.freezes[0].until.slice(0, 10) <= preview.body.until).to.equal(true);
    // While frozen, credits are not used: the plan lets the customer pay (the class costs nothing here: no payment).
    const [start] = await starts(st, m.token, st.classId, 1);
    const b = await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start });
    expect(b.body.credit).to.equal(undefined);
    // The fee went on a tab of its own.
    const tabs = (await call('GET', `${apiUrl(st.t)}/tabs?status=open`, m.token)).body.items;
    const allTabs = [...tabs, ...(await call('GET', `${apiUrl(st.t)}/tabs?status=paid`, m.token)).body.items];
    expect(allTabs.some((t: { lines: { description: string }[] }) => t.lines.some((l) => l.description.startsWith('Freeze fee')))).to.equal(true);
    // A second freeze overlapping is refused.
    expect((await call('POST', `${url}/freeze/preview`, m.token, { from: today, days: 2 })).status).to.equal(409);
  });

  it('applies a change that fell due the next time memberships are read, beside members with nothing due', async () => {
    const st = await studio(s);
    const p = await plan(st, { freeze: { allowed: true, maxDaysPerYear: 30, fee: 0 } });
    const a = await member(s, st);
    const { membership } = await join(st, a.token, p.id);
    // Another member with nothing scheduled (no `nextChangeAt`), on a card of their own.
    const b = await customerToken(s, st.app, { scope: MEMBER_SCOPES });
    expect((await call('POST', `${apiUrl(st.t)}/payment-methods/setup`, b.token)).status).to.equal(201);
    expect((await cardSaved(st.t, b.tokens.claims()!.sub as string, 'pm_card_mastercard')).status).to.equal(200);
    await join(st, b.token, p.id);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const frozen = await call('POST', `${apiUrl(st.t)}/memberships/${membership.id}/freeze`, a.token, { from: today, days: 10 });
    expect(frozen.body.membership.status, JSON.stringify(frozen.body)).to.equal('frozen');
    // As if the ten days had passed: the freeze and its scheduled end moved into the past.
    const past = new Date(Date.now() - 1000);
    await mongoose.connection
      .db!.collection('memberships')
      .updateOne({ org: st.t.org._id, _id: membership.id as never }, { $set: { 'freezes.0.until': past, nextChangeAt: past } });
    const read = await call('GET', `${apiUrl(st.t)}/memberships`, a.token);
    expect(read.body.items.map((x: { status: string }) => x.status)).to.deep.equal(['active']);
    expect((await stored(st.t, membership.id))!.nextChangeAt).to.equal(undefined);
    expect((await call('GET', `${apiUrl(st.t)}/memberships`, b.token)).body.items[0].status).to.equal('active');
  });

  it('cancels at the date the preview gave, respecting notice and minimum term; staff may override with a reason', async () => {
    const st = await studio(s);
    const p = await plan(st, { noticeDays: 30, minimumTermPeriods: 3 });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    const url = `${apiUrl(st.t)}/memberships/${membership.id}`;
    const doc = (await stored(st.t, membership.id))!;
    const preview = await call('POST', `${url}/cancel/preview`, m.token, {});
    expect(preview.status, JSON.stringify(preview.body)).to.equal(200);
    expect(Date.parse(preview.body.effective)).to.equal(new Date(doc.minimumTermEnd).getTime());
    expect(preview.body.remainingCharges).to.have.length(2);
    expect(preview.body.lastCharge).to.deep.equal(preview.body.remainingCharges[1]);
    const done = await call('POST', `${url}/cancel`, m.token, {});
    expect(done.body.preview).to.deep.equal(preview.body);
    expect(done.body.membership).to.include({ status: 'cancelling', cancelAt: preview.body.effective });
    expect((await call('POST', `${url}/cancel/preview`, m.token, {})).body.error).to.equal('already_cancelling');
    // Staff: an override needs a reason, and ends it now.
    const staffUrl = `${adminUrl(st.t)}/memberships/${membership.id}`;
    expect((await call('POST', `${staffUrl}/cancel`, st.owner, { override: true })).status).to.equal(400);
    const ended = await call('POST', `${staffUrl}/cancel`, st.owner, { override: true, reason: 'Moved abroad' });
    expect(ended.status, JSON.stringify(ended.body)).to.equal(200);
    expect(ended.body.membership.status).to.equal('ended');
    expect(await credits(st, m.token)).to.deep.equal([]);
    const audit = (await call('GET', `${adminUrl(st.t)}/audit`, st.owner)).body.items;
    expect(audit[0]).to.deep.include({ action: 'membership.cancel', subject: membership.id });
    expect(audit[0].after.reason).to.equal('Moved abroad');
    // Ended: the customer may join again.
    expect((await join(st, m.token, p.id)).membership.status).to.equal('active');
  });

  it('changes plan exactly as previewed, prorated, credits forfeited and granted', async () => {
    const st = await studio(s);
    const basic = await plan(st);
    const premium = await plan(st, {
      name: 'Premium',
      price: { amount: 9000, currency: 'GBP' },
      entitlements: [{ name: 'Unlimited yoga', serviceIds: [st.classId], unlimited: true }],
    });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, basic.id);
    const url = `${apiUrl(st.t)}/memberships/${membership.id}`;
    const preview = await call('POST', `${url}/change/preview`, m.token, { planId: premium.id });
    expect(preview.status, JSON.stringify(preview.body)).to.equal(200);
    expect(preview.body.proration.amount).to.be.within(0, 3000);
    expect(preview.body.creditsForfeited).to.deep.equal([{ name: 'Yoga classes', remaining: 8 }]);
    expect(preview.body.creditsGranted).to.deep.equal([{ name: 'Unlimited yoga', credits: 0, unlimited: true }]);
    const done = await call('POST', `${url}/change`, m.token, { planId: premium.id, at: preview.body.at });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(done.body.preview).to.deep.equal(preview.body);
    expect(done.body.membership.plan.name).to.equal('Premium');
    expect((await credits(st, m.token)).map((c) => c.name)).to.deep.equal(['Unlimited yoga']);
    const [start] = await starts(st, m.token, st.classId, 1);
    expect((await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start })).body.credit).to.include({ unlimited: true });
    await ledgerBalances(st, m.id);
    expect((await call('POST', `${url}/change`, m.token, { planId: basic.id, at: preview.body.at - 7200 })).body.error).to.equal('preview_expired');
  });

  it('applies what was scheduled when its time comes: a freeze begins (Stripe pauses), a cancellation ends it', async () => {
    const st = await studio(s);
    const p = await plan(st, { freeze: { allowed: true, maxDaysPerYear: 30, fee: 0 } });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    const url = `${apiUrl(st.t)}/memberships/${membership.id}`;
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + 86_400_000));
    const frozen = await call('POST', `${url}/freeze`, m.token, { from: tomorrow, days: 5 });
    expect(frozen.body.membership.status).to.equal('active'); // not yet
    const key = { _id: membership.id as never, org: st.t.org._id };
    const memberships = mongoose.connection.db!.collection('memberships');
    // Time passes (stored times moved back a day, as the clock moving on would): the freeze has begun.
    const doc = (await memberships.findOne(key))!;
    const day = 86_400_000;
    await memberships.updateOne(key, {
      $set: {
        nextChangeAt: new Date(doc.nextChangeAt.getTime() - day),
        freezes: doc.freezes.map((f: { from: Date; until: Date }) => ({
          ...f,
          from: new Date(f.from.getTime() - day),
          until: new Date(f.until.getTime() - day),
        })),
      },
    });
    const calls = s.stripeCalls.length;
    const [now] = (await call('GET', `${apiUrl(st.t)}/memberships`, m.token)).body.items;
    expect(now.status).to.equal('frozen');
    expect(
      s.stripeCalls
        .slice(calls)
        .some((c) => c.method === 'POST' && /^\/v1\/subscriptions\/sub_/.test(c.path) && c.idempotencyKey?.startsWith('pause:')),
    ).to.equal(true);
    // Cancelled, and its date comes: it ends and its credits expire.
    await memberships.updateOne(key, { $set: { status: 'active', freezes: [] }, $unset: { nextChangeAt: 1 } });
    const cancelled = await call('POST', `${url}/cancel`, m.token, {});
    expect(cancelled.body.membership.status, JSON.stringify(cancelled.body)).to.equal('cancelling');
    await memberships.updateOne(key, { $set: { cancelAt: new Date(Date.now() - 1000), nextChangeAt: new Date(Date.now() - 1000) } });
    expect((await call('GET', `${apiUrl(st.t)}/memberships`, m.token)).body.items[0].status).to.equal('ended');
    expect(await credits(st, m.token)).to.deep.equal([]);
    const kinds = (await call('GET', `${apiUrl(st.t)}/credits/history`, m.token)).body.items.map((e: { kind: string }) => e.kind);
    expect(kinds[0]).to.equal('expire');
  });

  it('ends with Stripe’s subscription deleted, and stays ended whatever arrives after', async () => {
    const st = await studio(s);
    const p = await plan(st);
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    expect((await subscriptionEvent(st.t, membership.id, 'deleted', { status: 'canceled' })).status).to.equal(200);
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('ended');
    await subscriptionEvent(st.t, membership.id, 'updated', { status: 'active' }, Math.floor(Date.now() / 1000) + 10);
    const doc = (await stored(st.t, membership.id))!;
    await invoiceEvent(st.t, membership.id, new Date(doc.periodEnd), new Date(new Date(doc.periodEnd).getTime() + 30 * 86_400_000));
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('ended');
    expect(await credits(st, m.token)).to.deep.equal([]);
    // A subscription of no membership of this organisation is acknowledged and changes nothing.
    const other = await studio(s);
    const object = {
      id: doc.stripe.subscription,
      object: 'subscription',
      status: 'past_due',
      metadata: { org: st.t.org._id, membership: membership.id },
    };
    const foreign = await deliver(other.t, stripeEvent('customer.subscription.updated', object));
    expect(foreign).to.deep.equal({ status: 200, body: { received: true } });
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('ended');
  });

  it('sells a class pack through a tab, granting its credits once when the tab is paid', async () => {
    const st = await studio(s);
    const pack = await call('POST', `${adminUrl(st.t)}/packs`, st.owner, {
      name: '5 classes',
      price: { amount: 5000, currency: 'GBP' },
      credits: 5,
      serviceIds: [st.classId],
      expiresInDays: 90,
    });
    expect(pack.status, JSON.stringify(pack.body)).to.equal(201);
    const m = await member(s, st);
    const bought = await call('POST', `${apiUrl(st.t)}/packs/${pack.body.id}/buy`, m.token);
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    expect(bought.body.tab.totals.total).to.equal(5000);
    expect(await credits(st, m.token)).to.deep.equal([]); // not before it is paid
    const paid = await call('POST', `${adminUrl(st.t)}/tabs/${bought.body.tab.id}/settle`, st.owner, { method: 'cash' });
    expect(paid.body.payment.state, JSON.stringify(paid.body)).to.equal('succeeded');
    const [c] = await credits(st, m.token);
    expect(c).to.include({ name: '5 classes', granted: 5, remaining: 5 });
    expect(c!.expiresAt > new Date(Date.now() + 89 * 86_400_000).toISOString()).to.equal(true);
    const [start] = await starts(st, m.token, st.classId, 1);
    expect((await call('POST', `${apiUrl(st.t)}/bookings`, m.token, { serviceId: st.classId, start })).body.credit).to.include({ name: '5 classes' });
    // Bought, so it cannot be deleted (made inactive instead), and inactive it is not sold.
    expect((await call('DELETE', `${adminUrl(st.t)}/packs/${pack.body.id}`, st.owner)).status).to.equal(409);
    await call('PATCH', `${adminUrl(st.t)}/packs/${pack.body.id}`, st.owner, { active: false });
    expect((await call('GET', `${apiUrl(st.t)}/packs`, m.token)).body.items).to.deep.equal([]);
    expect((await call('POST', `${apiUrl(st.t)}/packs/${pack.body.id}/buy`, m.token)).status).to.equal(409);
    // Its time up (the stored expiry moved into the past, as the days passing would): the 4 left are written off in the ledger.
    await mongoose.connection
      .db!.collection('credit_buckets')
      .updateOne({ _id: c!.id as never, org: st.t.org._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await credits(st, m.token)).to.deep.equal([]);
    const [last] = (await call('GET', `${apiUrl(st.t)}/credits/history`, m.token)).body.items;
    expect(last).to.include({ kind: 'expire', delta: -4 });
    await ledgerBalances(st, m.id);
  });

  it('starts a membership waiting for 3-D Secure when Stripe says its first payment went through', async () => {
    const st = await studio(s);
    const p = await plan(st);
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    // As if the bank had asked for 3-D Secure (stripe-mock always pays): waiting, with no credits yet.
    const db = mongoose.connection.db!;
    await db.collection('memberships').updateOne({ _id: membership.id as never, org: st.t.org._id }, { $set: { status: 'pending', period: 0 } });
    await db.collection('credit_buckets').deleteMany({ org: st.t.org._id, customerId: m.id });
    await db.collection('credit_entries').deleteMany({ org: st.t.org._id, customerId: m.id });
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.statusText).to.match(/first payment/);
    expect((await subscriptionEvent(st.t, membership.id, 'updated', { status: 'incomplete' })).status).to.equal(200);
    expect((await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body.status).to.equal('pending');
    await subscriptionEvent(st.t, membership.id, 'updated', { status: 'active' }, Math.floor(Date.now() / 1000) + 5);
    const started = (await call('GET', `${apiUrl(st.t)}/memberships/${membership.id}`, m.token)).body;
    expect(started).to.include({ status: 'active', period: 1 });
    expect((await credits(st, m.token)).map((c) => c.remaining)).to.deep.equal([8]);
  });

  it('refuses a freeze beyond the coming year, and cursors past what a date can hold, with a 400', async () => {
    const st = await studio(s);
    const p = await plan(st, { freeze: { allowed: true, maxDaysPerYear: 30 } });
    const m = await member(s, st);
    const { membership } = await join(st, m.token, p.id);
    const url = `${apiUrl(st.t)}/memberships/${membership.id}`;
    // 2999 was previewed and confirmed; 9999 was answered 500 (its charges ran past what dates can hold).
    for (const from of ['2999-01-01', '9999-12-31'])
      for (const path of ['freeze/preview', 'freeze']) {
        const far = await call('POST', `${url}/${path}`, m.token, { from, days: 7 });
        expect([far.status, far.body.details?.[0]?.field], `${path} from ${from}`).to.deep.equal([400, 'from']);
      }
    const staff = await call('POST', `${adminUrl(st.t)}/memberships/${membership.id}/freeze/preview`, st.owner, {
      from: '9999-12-31',
      days: 7,
      override: true,
      reason: 'Sabbatical',
    });
    expect(staff.status).to.equal(400);
    expect((await call('GET', url, m.token)).body.freezes).to.deep.equal([]);
    // Shaped as the cursors these lists give, at a time no database date holds (they were sent on, and answered 500).
    const cursor = '999999999999999_mem_aaaaaaaaaaaa';
    for (const [list, token] of [
      [`${apiUrl(st.t)}/credits/history`, m.token],
      [`${adminUrl(st.t)}/customers/${m.id}/credits/history`, st.owner],
      [`${adminUrl(st.t)}/memberships`, st.owner],
    ] as const)
      expect((await call('GET', `${list}?cursor=${cursor}`, token)).status, list).to.equal(400);
  });

  it('keeps organisations apart', async () => {
    const a = await studio(s);
    const b = await studio(s);
    const p = await plan(a);
    const m = await member(s, a);
    const { membership } = await join(a, m.token, p.id);
    expect((await call('GET', `${adminUrl(b.t)}/memberships/${membership.id}`, b.owner)).status).to.equal(404);
    expect((await call('POST', `${adminUrl(b.t)}/memberships/${membership.id}/cancel`, b.owner, {})).status).to.equal(404);
    expect((await call('GET', `${adminUrl(b.t)}/memberships`, b.owner)).body.items).to.deep.equal([]);
    expect((await call('GET', `${adminUrl(b.t)}/customers/${m.id}/credits`, b.owner)).status).to.equal(404);
    // Their customer joining our plan by id: no such plan there.
    const other = await makeClient(s, b.t);
    const bc = await customerToken(s, other, { scope: MEMBER_SCOPES });
    expect((await call('POST', `${apiUrl(b.t)}/memberships`, bc.token, { planId: p.id })).status).to.equal(404);
    void makeOrg;
  });
});
