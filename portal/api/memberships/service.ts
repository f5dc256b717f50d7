// A customer's membership from joining to its end: joining (a Stripe subscription on their saved card), periods and
// their credits, freezing, cancelling and changing plan, each with a preview that the confirmation then does exactly.
// Stripe's webhooks (stripe-events.ts) move status and renew periods; the rules for every change live here.
import type Stripe from 'stripe';
import type { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { isDuplicateKey } from '../../../lib/db.ts';
import { BadRequest, Conflict, HttpError, NotFound } from '../../../lib/errors.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { DAY_MS, instantOf, localAt } from '../availability/zoned.ts';
import { PaymentRequired } from '../bookings/payment.ts';
import { defaultMethod, findMethod, stripeCustomerOf } from '../payments/methods.ts';
import { connectedStripe, StripeRefused } from '../payments/settings.ts';
import { chargeOnFile } from '../tabs/settle.ts';
import { stripeProblem, type PaymentDeps } from '../payments/stripe.ts';
import { close, grant } from './ledger.ts';
import type { changeInput, freezeInput, joinInput, listQuery } from './inputs.ts';
import {
  CreditBucketModel,
  MembershipModel,
  type CreditBucket,
  type Entitlement,
  type Membership,
  type MembershipStatus,
  type Plan,
} from './model.ts';
import { daysAfter, periodAt, periodStart, startOfDay, type Calendar } from './periods.ts';
import { findPlan } from './plans.ts';

const iso = (d: Date | number) => new Date(d).toISOString();
const unix = (ms: number) => Math.floor(ms / 1000);
/** Statuses in which a membership still runs (one such per customer). */
const LIVE: MembershipStatus[] = ['pending', 'trialing', 'active', 'past_due', 'frozen', 'cancelling'];

export class NotAllowed extends HttpError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export const calendarOf = (m: Pick<Membership, 'anchor' | 'plan' | 'timeZone'>): Calendar => ({
  anchor: m.anchor.getTime(),
  interval: m.plan.interval,
  timeZone: m.timeZone,
});
const localDate = (m: Pick<Membership, 'timeZone'>, at: number) => localAt(at, m.timeZone).date;
const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
/** A local date in words, for sentences: "29 December 2026". */
const spoken = (m: Pick<Membership, 'timeZone'>, at: number) => longDate.format(Date.parse(`${localDate(m, at)}T12:00:00Z`));
const money = (m: Membership, amount: number, at: number) => ({ date: localDate(m, at), amount, currency: m.plan.price.currency });

/** The freeze covering `at`, if any. */
export const freezeAt = (m: Pick<Membership, 'freezes'>, at: number) => m.freezes.find((f) => f.from.getTime() <= at && at < f.until.getTime());

const STATUS_TEXT: Record<MembershipStatus, (m: Membership) => string> = {
  pending: () => 'Waiting for your first payment. Your membership starts as soon as it goes through.',
  trialing: (m) => `Your free trial runs until ${spoken(m, m.trialEnd!.getTime())}; your first payment is taken then.`,
  active: (m) => `Active. It renews on ${spoken(m, m.periodEnd.getTime())}.`,
  past_due: () => 'Your last payment did not go through. Update your card to keep your membership; your credits are paused until it is paid.',
  frozen: (m) => {
    const f = m.freezes.at(-1);
    return `Frozen${f ? ` until ${spoken(m, f.until.getTime())}` : ''}: no payments are taken and credits cannot be used meanwhile.`;
  },
  cancelling: (m) => `Cancelled: it ends on ${spoken(m, m.cancelAt!.getTime())}. You can use it until then.`,
  ended: () => 'Ended. You can join again at any time.',
};

export function membershipView(m: Membership, now = Date.now()) {
  const charging = ['trialing', 'active', 'past_due', 'cancelling'].includes(m.status);
  const next = m.status === 'trialing' && m.trialEnd ? m.trialEnd.getTime() : m.periodEnd.getTime();
  const renews = charging && (!m.cancelAt || next < m.cancelAt.getTime());
  const { name, description, price, interval, perks, entitlements, discounts, freeze, noticeDays, minimumTermPeriods } = m.plan;
  return {
    id: m._id,
    status: m.status,
    statusText: STATUS_TEXT[m.status](m),
    plan: { id: m.planId, name, description, price, interval, perks, entitlements, discounts, freeze, noticeDays, minimumTermPeriods },
    /** The business's zone, which its periods, renewals and freezes follow: the apps show those instants' dates in it. */
    timeZone: m.timeZone,
    period: m.period,
    periodStart: iso(m.periodStart),
    periodEnd: iso(m.periodEnd),
    renewal: renews ? { date: iso(next), amount: price.amount, currency: price.currency } : null,
    ...(m.trialEnd ? { trialEnd: iso(m.trialEnd) } : {}),
    minimumTermEnd: iso(m.minimumTermEnd),
    ...(m.cancelAt ? { cancelAt: iso(m.cancelAt) } : {}),
    ...(m.endedAt ? { endedAt: iso(m.endedAt) } : {}),
    freezes: m.freezes.map((f) => ({ from: iso(f.from), until: iso(f.until), fee: f.fee })),
    can: {
      freeze: m.plan.freeze.allowed && ['trialing', 'active'].includes(m.status) && !m.freezes.some((f) => f.until.getTime() > now),
      cancel: LIVE.includes(m.status) && m.status !== 'cancelling',
      change: ['trialing', 'active'].includes(m.status),
    },
    createdAt: iso(m.createdAt),
  };
}
export const staffMembershipView = (m: Membership, now = Date.now()) => ({
  ...membershipView(m, now),
  customer: { id: m.customerId, email: m.customerEmail },
});

export function emit(tx: Tx, type: string, m: Membership, extra: Record<string, unknown> = {}) {
  tx.emit({ type, subject: m._id, customer: m.customerId, data: { membership: staffMembershipView(m), ...extra } });
}

// ---- reads

export async function findMembership(org: string, id: string, customerId?: string): Promise<Membership> {
  const m = await MembershipModel.findOne({ org, _id: id }).lean<Membership>();
  if (!m || (customerId && m.customerId !== customerId)) throw new NotFound('No such membership.');
  return m;
}

export async function customerMemberships(deps: PaymentDeps, org: string, customerId: string, now = Date.now()) {
  await settleDue(org, now, deps);
  const found = await MembershipModel.find({ org, customerId }).sort({ createdAt: -1 }).lean<Membership[]>();
  return found.map((m) => membershipView(m, now));
}

export async function listMemberships(deps: PaymentDeps, org: string, q: z.infer<typeof listQuery>, now = Date.now()) {
  await settleDue(org, now, deps);
  const m = q.cursor ? /^(\d+)_(.+)$/.exec(q.cursor) : null;
  const filter = {
    org,
    ...(q.status ? { status: q.status } : {}),
    ...(q.customerId ? { customerId: q.customerId } : {}),
    ...(m ? { createdAt: { $lte: new Date(Number(m[1])) } } : {}),
  };
  const found = (
    await MembershipModel.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(q.limit + 51)
      .lean<Membership[]>()
  ).filter((x) => !m || x.createdAt.getTime() < Number(m[1]) || x._id < m[2]!);
  const page = found.slice(0, q.limit);
  return {
    items: page.map((x) => staffMembershipView(x, now)),
    ...(found.length > q.limit ? { next: `${page.at(-1)!.createdAt.getTime()}_${page.at(-1)!._id}` } : {}),
  };
}

/** Whether any customer ever joined the plan (a plan with members is made inactive, not deleted). */
export const planInUse = async (org: string, planId: string) => !!(await MembershipModel.exists({ org, planId }));

/**
 * What the customer's memberships mean at booking, from one read: which of their credits a booking at `at` may use
 * (packs always; a membership's while it runs unfrozen and paid) and their best member discount on a service.
 */
export async function memberTerms(org: string, customerId: string) {
  const all = await MembershipModel.find({ org, customerId }).lean<Membership[]>();
  const members = new Map(all.map((m) => [m._id, m]));
  const discounting = all.filter((m) => ['trialing', 'active', 'cancelling'].includes(m.status));
  return {
    usable: (at: number) => (b: CreditBucket) => {
      if (b.source.kind === 'pack') return true;
      const m = members.get(b.source.id);
      return !!m && ['trialing', 'active', 'cancelling', 'frozen'].includes(m.status) && !freezeAt(m, at);
    },
    /** In percent, 0 without one. */
    discount: (serviceId: string) =>
      Math.max(0, ...discounting.flatMap((m) => m.plan.discounts.filter((d) => d.serviceIds.includes(serviceId)).map((d) => d.percent))),
  };
}

/** The customer's best member discount on a service, in percent (0 without one). */
export const memberDiscount = async (org: string, customerId: string, serviceId: string) => (await memberTerms(org, customerId)).discount(serviceId);

// ---- periods and credits

const bucketId = (m: Pick<Membership, '_id' | 'planId'>, e: Entitlement, n: number) => `cr_${m._id}_${m.planId}_${e.id}_${n}`;

function periodBounds(m: Membership, n: number) {
  if (n === 0) return { start: m.createdAt.getTime(), end: m.anchor.getTime() };
  const c = calendarOf(m);
  return { start: periodStart(c, n), end: periodStart(c, n + 1) };
}

/** The period's credits, each entitlement a bucket (`scale` < 1 for the rest of a period joined by a plan change). */
async function grantPeriod(tx: Tx, m: Membership, n: number, from?: number, scale = 1) {
  const { start, end } = periodBounds(m, n);
  for (const e of m.plan.entitlements)
    await grant(tx, {
      _id: bucketId(m, e, n),
      org: m.org,
      customerId: m.customerId,
      source: { kind: 'membership', id: m._id, name: m.plan.name },
      entitlement: e.id,
      name: e.name,
      serviceIds: e.serviceIds,
      unlimited: e.unlimited,
      whenOut: e.whenOut,
      granted: e.unlimited ? 0 : Math.floor(e.credits * scale),
      startsAt: new Date(from ?? start),
      expiresAt: new Date(end),
    });
}

/** Writes a change over the version read; a change landed meanwhile makes the transaction run again. */
export async function update(tx: Tx, m: Membership, set: Partial<Membership>, unset: (keyof Membership)[] = []): Promise<Membership> {
  const at = new Date();
  const { modifiedCount } = await MembershipModel.updateOne(
    { org: m.org, _id: m._id, version: m.version },
    { $set: { ...set, updatedAt: at, version: m.version + 1 }, ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, 1])) } : {}) },
    { session: tx.session },
  );
  if (!modifiedCount) throw new Conflict('This membership was changed a moment ago: reload it and try again.');
  const after = { ...m, ...set, updatedAt: at, version: m.version + 1 };
  for (const k of unset) delete after[k];
  return after;
}

export const reread = (tx: Tx, m: Pick<Membership, 'org' | '_id'>) =>
  MembershipModel.findOne({ org: m.org, _id: m._id }).session(tx.session).lean<Membership>();

/**
 * Moves the membership into period `to` (a paid renewal): the ending period's credits expire, up to the plan's
 * rollover carried into a bucket that lasts `rollover.periods` more periods; then period `to`'s credits are granted.
 */
export async function renewIn(tx: Tx, m: Membership, to: number): Promise<Membership> {
  if (to <= m.period) return m;
  const { start, end } = periodBounds(m, to);
  const rollover = m.plan.rollover;
  for (const e of m.plan.entitlements) {
    const carry =
      rollover && !e.unlimited && to === m.period + 1
        ? {
            count: rollover.maxCredits,
            into: {
              _id: `${bucketId(m, e, to)}_carry`,
              org: m.org,
              customerId: m.customerId,
              source: { kind: 'membership' as const, id: m._id, name: m.plan.name },
              entitlement: e.id,
              name: `${e.name} (carried over)`,
              serviceIds: e.serviceIds,
              unlimited: false,
              whenOut: e.whenOut,
              startsAt: new Date(start),
              expiresAt: new Date(periodBounds(m, to + rollover.periods - 1).end),
            },
          }
        : undefined;
    await close(tx, m.org, bucketId(m, e, m.period), 'expire', carry);
  }
  // Earlier carry-overs are written off when their own time is up (ledger.ts expireDue), not here.
  const paid = ['pending', 'trialing', 'past_due'].includes(m.status) ? { status: 'active' as const } : {};
  const after = await update(tx, m, { period: to, periodStart: new Date(start), periodEnd: new Date(end), ...paid });
  await grantPeriod(tx, after, to);
  emit(tx, m.status === 'pending' ? 'membership.started' : 'membership.renewed', after);
  return after;
}

/** Ends the membership: its open credits expire (or are forfeited, when it ends early), and the customer may join again. */
export async function endIn(tx: Tx, m: Membership, kind: 'expire' | 'forfeit', at = Date.now()): Promise<Membership> {
  if (m.status === 'ended') return m;
  const open = await CreditBucketModel.find({ org: m.org, 'source.id': m._id }).session(tx.session).lean<CreditBucket[]>();
  for (const b of open.filter((x) => !x.closed)) await close(tx, m.org, b._id, kind);
  const after = await update(tx, m, { status: 'ended', endedAt: new Date(at), liveKey: `${m.customerId}|ended|${m._id}` }, ['nextChangeAt']);
  emit(tx, 'membership.ended', after);
  return after;
}

// ---- joining

export type PaymentAnswer = { state: 'succeeded' | 'requires_action' | 'failed'; clientSecret?: string; publishableKey?: string; failure?: string };

/** Staff enrol a customer on any plan (inactive ones too); customers join active plans. */
export async function join(
  deps: PaymentDeps,
  tenant: { id: string; timeZone: string },
  who: { customerId: string; email: string | undefined; staff: boolean },
  input: z.infer<typeof joinInput>,
  now = Date.now(),
): Promise<{ membership: Membership; payment: PaymentAnswer }> {
  const org = tenant.id;
  const plan = await findPlan(org, input.planId);
  if (!plan.active && !who.staff) throw new NotFound('No such plan.');
  if (!who.email)
    throw new HttpError(422, 'invalid_reference', 'customerId: no such customer', [{ field: 'customerId', message: 'no such customer' }]);
  const { settings, stripe } = await connectedStripe(deps, org);
  if (plan.price.currency !== settings.currency)
    throw new PaymentRequired(`This plan is priced in ${plan.price.currency} but the business takes payments in ${settings.currency}.`);
  const card = input.paymentMethod ? await findMethod(org, who.customerId, input.paymentMethod) : await defaultMethod(org, who.customerId);
  if (!card) throw new PaymentRequired('Add a card under Payment methods first: the membership is paid with it.');

  const m = await startPending(org, tenant.timeZone, who, plan, now);
  let sub: Stripe.Subscription;
  try {
    const customer = await stripeCustomerOf(stripe, org, who.customerId, who.email);
    const price = await stripePrice(stripe, org, plan);
    sub = await stripe.subscriptions.create(
      {
        customer,
        items: [{ price: price.id }],
        default_payment_method: card.paymentMethodId,
        payment_behavior: 'allow_incomplete',
        metadata: { org, membership: m._id },
        ...(m.trialEnd ? { trial_end: unix(m.trialEnd.getTime()) } : {}),
        ...(plan.joiningFee
          ? {
              add_invoice_items: [
                { price_data: { currency: plan.price.currency.toLowerCase(), product: String(price.product), unit_amount: plan.joiningFee } },
              ],
            }
          : {}),
        expand: ['latest_invoice.confirmation_secret'],
      },
      { idempotencyKey: `membership:${org}:${m._id}` },
    );
  } catch (err) {
    await inTransaction(org, async (tx) => endIn(tx, (await reread(tx, m))!, 'forfeit'));
    const problem = stripeProblem(err);
    if (problem) throw new StripeRefused(problem);
    throw err;
  }
  const after = await subscriptionStarted(org, m, sub);
  const invoice = typeof sub.latest_invoice === 'object' ? sub.latest_invoice : null;
  const secret = invoice?.confirmation_secret?.client_secret;
  const payment: PaymentAnswer =
    after.status === 'pending'
      ? secret
        ? { state: 'requires_action', clientSecret: secret, publishableKey: settings.publishableKey }
        : { state: 'failed', failure: 'The card was declined. Try another card.' }
      : { state: 'succeeded' };
  return { membership: after, payment };
}

/** The plan's Stripe Price, one per version of its price (an idempotency key keeps a version to one). */
function stripePrice(stripe: Stripe, org: string, plan: Plan) {
  return stripe.prices.create(
    {
      currency: plan.price.currency.toLowerCase(),
      unit_amount: plan.price.amount,
      recurring: { interval: plan.interval },
      product_data: { name: plan.name, metadata: { org, plan: plan._id } },
      metadata: { org, plan: plan._id },
    },
    { idempotencyKey: `price:${org}:${plan._id}:${plan.price.amount}:${plan.price.currency}:${plan.interval}` },
  );
}

/** The membership, before Stripe is asked: one running membership per customer (a unique key while it runs). */
async function startPending(org: string, timeZone: string, who: { customerId: string; email: string | undefined }, plan: Plan, now: number) {
  const { _id: planId, org: _org, active: _active, createdAt: _c, updatedAt: _u, ...terms } = plan;
  const trialEnd = plan.trialDays ? daysAfter(now, plan.trialDays, timeZone) : undefined;
  const anchor = trialEnd ?? startOfDay(now, timeZone);
  const c: Calendar = { anchor, interval: plan.interval, timeZone };
  const at = new Date(now);
  const m: Membership = {
    _id: `mem_${randomId(12)}`,
    org,
    customerId: who.customerId,
    customerEmail: who.email,
    planId,
    plan: terms,
    status: 'pending',
    anchor: new Date(anchor),
    timeZone,
    period: 0,
    periodStart: at,
    periodEnd: new Date(trialEnd ?? periodStart(c, 2)),
    ...(trialEnd ? { trialEnd: new Date(trialEnd) } : {}),
    minimumTermEnd: new Date(periodStart(c, plan.minimumTermPeriods + 1)),
    freezes: [],
    liveKey: who.customerId,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await inTransaction(org, async (tx) => {
      await MembershipModel.create([m], { session: tx.session });
      emit(tx, 'membership.pending', m);
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new NotAllowed('already_member', 'You already have a membership: change its plan instead of joining another.');
    throw err;
  }
  return m;
}

/** What Stripe said when the subscription was made: trialing or active (its credits granted), or still waiting. */
async function subscriptionStarted(org: string, pending: Membership, sub: Stripe.Subscription): Promise<Membership> {
  return inTransaction(org, async (tx) => {
    let m = (await reread(tx, pending))!;
    m = await update(tx, m, { stripe: { customer: String(sub.customer), subscription: sub.id } });
    return startedIn(tx, m, sub.status);
  });
}

/** Moves a pending membership on by the subscription's status (the first payment made, or a trial begun). */
export async function startedIn(tx: Tx, m: Membership, status: Stripe.Subscription.Status): Promise<Membership> {
  if (m.status !== 'pending') return m;
  if (status === 'trialing') {
    const after = await update(tx, m, { status: 'trialing' });
    await grantPeriod(tx, after, 0);
    emit(tx, 'membership.started', after);
    return after;
  }
  if (status === 'active') return renewIn(tx, m, Math.max(1, periodAt(calendarOf(m), Date.now())));
  return m;
}

/** After the page confirmed the first payment (3-D Secure): asks Stripe where the subscription stands. */
export async function refreshJoin(deps: PaymentDeps, org: string, id: string, customerId?: string) {
  const m = await findMembership(org, id, customerId);
  if (m.status !== 'pending' || !m.stripe)
    return { membership: m, payment: { state: m.status === 'ended' ? 'failed' : 'succeeded' } as PaymentAnswer };
  const { stripe } = await connectedStripe(deps, org);
  const sub = await stripe.subscriptions.retrieve(m.stripe.subscription);
  const after = await inTransaction(org, async (tx) => startedIn(tx, (await reread(tx, m))!, sub.status));
  return { membership: after, payment: { state: after.status === 'pending' ? 'requires_action' : 'succeeded' } as PaymentAnswer };
}

// ---- previews and changes

/** The period starts after `after` and before `before` that are charged (not inside a freeze). */
function chargesBetween(m: Membership, after: number, before: number, freezes = m.freezes) {
  const c = calendarOf(m);
  const out: { date: string; amount: number; currency: string; at: number }[] = [];
  for (let n = Math.max(1, periodAt(c, after) + 1); out.length < 60; n++) {
    const s = periodStart(c, n);
    if (s >= before) break;
    if (s > after && !freezes.some((f) => f.from.getTime() <= s && s < f.until.getTime())) out.push({ ...money(m, m.plan.price.amount, s), at: s });
  }
  return out;
}
const noAt = ({ at: _at, ...rest }: { at: number; date: string; amount: number; currency: string }) => rest;

/** How far ahead a freeze may begin: within the coming year (a date in 9999 would reach past what dates can hold). */
const FREEZE_AHEAD_DAYS = 366;

export function freezePreview(m: Membership, input: z.infer<typeof freezeInput>, now: number, override = false) {
  if (!m.plan.freeze.allowed && !override) throw new NotAllowed('freeze_not_allowed', 'Your plan does not allow freezing.');
  if (!['trialing', 'active'].includes(m.status)) throw new NotAllowed('not_freezable', 'Only a running membership can be frozen.');
  const from = instantOf(input.from, 0, m.timeZone);
  if (from < startOfDay(now, m.timeZone)) throw new BadRequest('from: cannot be in the past', [{ field: 'from', message: 'cannot be in the past' }]);
  if (from > daysAfter(now, FREEZE_AHEAD_DAYS, m.timeZone))
    throw new BadRequest('from: at most a year ahead', [{ field: 'from', message: 'at most a year ahead' }]);
  if (m.cancelAt && from >= m.cancelAt.getTime()) throw new NotAllowed('not_freezable', 'The membership ends before then.');
  const until = daysAfter(from, input.days, m.timeZone);
  if (m.freezes.some((f) => f.until.getTime() > from && f.from.getTime() < until))
    throw new NotAllowed('already_frozen', 'The membership is already frozen for some of those days.');
  const year = input.from.slice(0, 4);
  const used = m.freezes
    .filter((f) => localDate(m, f.from.getTime()).startsWith(year))
    .reduce((n, f) => n + Math.round((f.until.getTime() - f.from.getTime()) / DAY_MS), 0);
  const left = Math.max(0, m.plan.freeze.maxDaysPerYear - used);
  if (input.days > left && !override)
    throw new NotAllowed('freeze_limit', `Your plan allows ${m.plan.freeze.maxDaysPerYear} days of freezing a year; ${left} are left for ${year}.`);
  const freezes = [...m.freezes, { from: new Date(from), until: new Date(until), fee: m.plan.freeze.fee }];
  const horizon = m.cancelAt?.getTime() ?? until + 400 * DAY_MS;
  const skipped = chargesBetween(m, Math.max(now, from - 1), until, []).filter((c) => c.at >= from);
  const next = chargesBetween(m, until - 1, horizon, freezes)[0];
  const names = m.plan.entitlements.map((e) => e.name).join(', ');
  return {
    from: input.from,
    until: localDate(m, until),
    days: input.days,
    daysLeftThisYear: Math.max(0, left - input.days),
    fee: m.plan.freeze.fee,
    currency: m.plan.price.currency,
    chargesSkipped: skipped.map(noAt),
    nextCharge: next ? noAt(next) : null,
    credits: names
      ? `Your ${names} cannot be used from ${spoken(m, from)} until ${spoken(m, until)}; they keep their usual expiry.`
      : 'Your plan has no credits to pause.',
    fromAt: from,
    untilAt: until,
  };
}
export type FreezePreview = ReturnType<typeof freezePreview>;

export async function cancelPreview(m: Membership, now: number, override = false) {
  if (!LIVE.includes(m.status)) throw new NotAllowed('not_cancellable', 'This membership has already ended.');
  if (m.status === 'cancelling' && !override)
    throw new NotAllowed('already_cancelling', `This membership already ends on ${spoken(m, m.cancelAt!.getTime())}.`);
  const c = calendarOf(m);
  let effective: number;
  let reason: string;
  if (override || m.status === 'pending') {
    effective = now;
    reason = m.status === 'pending' ? 'It has not started, so it ends now.' : 'Ended now by staff, without notice or minimum term.';
  } else {
    const earliest = now + m.plan.noticeDays * DAY_MS;
    const endOfPeriod = earliest < m.anchor.getTime() ? m.anchor.getTime() : periodStart(c, periodAt(c, earliest) + 1);
    effective = Math.max(endOfPeriod, m.minimumTermEnd.getTime());
    const parts = [
      m.plan.noticeDays ? `${m.plan.noticeDays} days' notice takes it to ${spoken(m, earliest)}` : '',
      `it ends with the ${earliest < m.anchor.getTime() ? 'trial' : 'period'} then running`,
      effective === m.minimumTermEnd.getTime() && m.minimumTermEnd.getTime() > endOfPeriod
        ? `your minimum term of ${m.plan.minimumTermPeriods} ${m.plan.interval}s runs to ${spoken(m, effective)}`
        : '',
    ].filter(Boolean);
    reason = `${parts.join('; ')}.`.replace(/^./, (x) => x.toUpperCase());
  }
  const remaining = chargesBetween(m, now, effective).map(noAt);
  // Credits still unused when it ends: those of its last period, and any carried over beyond it.
  const forfeited = (await CreditBucketModel.find({ org: m.org, 'source.id': m._id }).lean<CreditBucket[]>())
    .filter((b) => !b.closed && !b.unlimited && b.remaining > 0 && b.expiresAt.getTime() > effective - 1)
    .map((b) => ({ name: b.name, remaining: b.remaining, expiresAt: iso(b.expiresAt) }));
  return {
    effective: iso(effective),
    effectiveDate: localDate(m, effective),
    reason,
    remainingCharges: remaining,
    lastCharge: remaining.at(-1) ?? null,
    fee: 0,
    currency: m.plan.price.currency,
    creditsForfeited: forfeited,
    effectiveAt: effective,
  };
}

export async function changePreview(org: string, m: Membership, input: z.infer<typeof changeInput>, now: number, staff = false) {
  if (!['trialing', 'active'].includes(m.status)) throw new NotAllowed('not_changeable', 'Only a running membership can change plan.');
  const to = await findPlan(org, input.planId);
  if (!to.active && !staff) throw new NotFound('No such plan.');
  if (to._id === m.planId) throw new NotAllowed('same_plan', 'This is already your plan.');
  if (to.interval !== m.plan.interval || to.price.currency !== m.plan.price.currency)
    throw new NotAllowed('plan_mismatch', `Choose a plan billed every ${m.plan.interval} in ${m.plan.price.currency}.`);
  const atMs = (input.at ?? unix(now)) * 1000;
  if (input.at !== undefined && (atMs > now || now - atMs > 3_600_000 || atMs < m.periodStart.getTime()))
    throw new NotAllowed('preview_expired', 'The preview is out of date: preview the change again.');
  const span = m.periodEnd.getTime() - m.periodStart.getTime();
  const left = m.status === 'trialing' ? 0 : Math.max(0, Math.min(1, (m.periodEnd.getTime() - atMs) / span));
  // As Stripe prorates: the unused time of the old price credited, the rest of the period at the new one charged.
  const amount = Math.round(to.price.amount * left) - Math.round(m.plan.price.amount * left);
  const current = (await CreditBucketModel.find({ org, 'source.id': m._id }).lean<CreditBucket[]>()).filter(
    (b) => !b.closed && b.expiresAt.getTime() <= m.periodEnd.getTime() && b.expiresAt.getTime() > atMs,
  );
  const scale = m.status === 'trialing' ? 1 : left;
  return {
    at: atMs / 1000,
    from: { planId: m.planId, name: m.plan.name, price: m.plan.price },
    to: { planId: to._id, name: to.name, price: to.price },
    proration: {
      amount,
      currency: to.price.currency,
      description:
        amount > 0
          ? `Charged now for the rest of this ${m.plan.interval} on the new plan, less what is left of the old one.`
          : amount < 0
            ? 'Credited to your next payment: what is left of this period on the old plan, less the new one.'
            : 'Nothing to pay now.',
    },
    nextCharge: money(m, to.price.amount, m.status === 'trialing' ? m.anchor.getTime() : m.periodEnd.getTime()),
    creditsForfeited: current.filter((b) => !b.unlimited && b.remaining > 0).map((b) => ({ name: b.name, remaining: b.remaining })),
    creditsGranted: to.entitlements.map((e) => ({ name: e.name, credits: e.unlimited ? 0 : Math.floor(e.credits * scale), unlimited: e.unlimited })),
    plan: to,
    scale,
    currentBuckets: current.map((b) => b._id),
  };
}

/** Freezes as previewed: Stripe pauses collection when the freeze begins (the sweep, for a later start); the fee is charged now. */
export async function freeze(deps: PaymentDeps, m: Membership, p: FreezePreview, now: number, reason?: string) {
  const after = await inTransaction(m.org, async (tx) => {
    const cur = (await reread(tx, m))!;
    const freezes = [...cur.freezes, { from: new Date(p.fromAt), until: new Date(p.untilAt), fee: p.fee, ...(reason ? { reason } : {}) }];
    const set = { freezes, nextChangeAt: new Date(p.fromAt <= now ? p.untilAt : p.fromAt) };
    const next = await update(tx, cur, { ...set, ...(p.fromAt <= now ? { status: 'frozen' as const } : {}) });
    emit(tx, 'membership.frozen', next, { freeze: { from: p.from, until: p.until, fee: p.fee } });
    return next;
  });
  if (after.status === 'frozen') await pauseAtStripe(deps, after, p.untilAt);
  if (p.fee)
    await chargeOnFile(
      deps,
      m.org,
      { id: m.customerId, email: m.customerEmail },
      { description: `Freeze fee, ${p.from} to ${p.until}`, amount: p.fee },
      m.timeZone,
    );
  return after;
}

async function pauseAtStripe(deps: PaymentDeps, m: Membership, until: number) {
  if (!m.stripe) return;
  const { stripe } = await connectedStripe(deps, m.org);
  await stripe.subscriptions.update(
    m.stripe.subscription,
    { pause_collection: { behavior: 'void', resumes_at: unix(until) } },
    { idempotencyKey: `pause:${m._id}:${until}` },
  );
}

/** Cancels as previewed: at the effective date (Stripe's `cancel_at`), or now for a staff override. */
export async function cancel(deps: PaymentDeps, m: Membership, p: Awaited<ReturnType<typeof cancelPreview>>, now: number) {
  if (m.stripe) {
    const { stripe } = await connectedStripe(deps, m.org);
    if (p.effectiveAt <= now) await stripe.subscriptions.cancel(m.stripe.subscription, {}, { idempotencyKey: `cancel:${m._id}` });
    else
      await stripe.subscriptions.update(
        m.stripe.subscription,
        { cancel_at: unix(p.effectiveAt) },
        { idempotencyKey: `cancel-at:${m._id}:${p.effectiveAt}` },
      );
  }
  return inTransaction(m.org, async (tx) => {
    const cur = (await reread(tx, m))!;
    if (p.effectiveAt <= now) {
      const cancelled = await update(tx, cur, { cancelAt: new Date(now) });
      emit(tx, 'membership.cancelled', cancelled, { effective: p.effective });
      return endIn(tx, cancelled, 'forfeit', now);
    }
    const after = await update(tx, cur, { status: 'cancelling', cancelAt: new Date(p.effectiveAt), nextChangeAt: new Date(p.effectiveAt) });
    emit(tx, 'membership.cancelled', after, { effective: p.effective });
    return after;
  });
}

/** Changes plan as previewed, prorated at the preview's time: this period's credits of the old plan forfeited, the new plan's granted for the rest of it. */
export async function changePlan(deps: PaymentDeps, m: Membership, p: Awaited<ReturnType<typeof changePreview>>) {
  const { _id: planId, org: _o, active: _a, createdAt: _c, updatedAt: _u, ...terms } = p.plan;
  if (m.stripe) {
    const { stripe } = await connectedStripe(deps, m.org);
    const sub = await stripe.subscriptions.retrieve(m.stripe.subscription);
    const price = await stripePrice(stripe, m.org, p.plan);
    await stripe.subscriptions.update(
      m.stripe.subscription,
      {
        items: [{ id: sub.items.data[0]!.id, price: price.id }],
        proration_behavior: m.status === 'trialing' ? 'none' : 'always_invoice',
        proration_date: Math.floor(p.at),
      },
      { idempotencyKey: `change:${m._id}:${planId}:${p.at}` },
    );
  }
  return inTransaction(m.org, async (tx) => {
    const cur = (await reread(tx, m))!;
    for (const id of p.currentBuckets) await close(tx, m.org, id, 'forfeit');
    const after = await update(tx, cur, { planId, plan: { ...terms, description: terms.description ?? undefined } });
    await grantPeriod(tx, after, after.period, p.at * 1000, p.scale);
    emit(tx, 'membership.plan_changed', after, { from: p.from, to: { planId, name: p.to.name, price: p.to.price }, proration: p.proration });
    return after;
  });
}

// ---- what happens by the calendar

/**
 * Applies what was scheduled and is now due: freezes beginning and ending, cancellations taking effect. Asked for
 * where memberships are read, so it needs no timer; each change is over the version read, so instances sweeping at
 * once apply it once.
 */
export async function settleDue(org: string, now = Date.now(), deps?: PaymentDeps): Promise<number> {
  // The lower bound keeps the index range to dates: SecantusDB otherwise walks every membership without a change
  // due (no `nextChangeAt`, most of them) on each read; bench/memberships.ts times the query.
  const due = await MembershipModel.find({ org, nextChangeAt: { $gt: new Date(0), $lte: new Date(now) } })
    .limit(100)
    .lean<Membership[]>();
  for (const m of due) {
    const frozen = await inTransaction(org, async (tx) => {
      const cur = (await reread(tx, m))!;
      if (cur.status === 'ended') return undefined;
      if (cur.cancelAt && cur.cancelAt.getTime() <= now) return void (await endIn(tx, cur, 'expire', cur.cancelAt.getTime()));
      const freeze = freezeAt(cur, now);
      const next = Math.min(
        ...[freeze?.until.getTime(), ...cur.freezes.map((f) => f.from.getTime()).filter((t) => t > now), cur.cancelAt?.getTime()].filter(
          (t): t is number => t !== undefined,
        ),
      );
      const set = Number.isFinite(next) ? { nextChangeAt: new Date(next) } : {};
      const unset: (keyof Membership)[] = Number.isFinite(next) ? [] : ['nextChangeAt'];
      if (freeze && cur.status !== 'frozen') {
        emit(tx, 'membership.frozen', await update(tx, cur, { ...set, status: 'frozen' }, unset));
        return { m: cur, until: freeze.until.getTime() };
      }
      if (!freeze && cur.status === 'frozen')
        emit(tx, 'membership.unfrozen', await update(tx, cur, { ...set, status: cur.cancelAt ? 'cancelling' : 'active' }, unset));
      else await update(tx, cur, set, unset);
      return undefined;
    }).catch((err) => {
      if (!(err instanceof Conflict)) throw err;
      return undefined;
    });
    // A freeze that began: Stripe stops collecting until it ends (after the commit: a transaction may run twice).
    if (frozen && deps) await pauseAtStripe(deps, frozen.m, frozen.until).catch(() => undefined);
  }
  return due.length;
}
