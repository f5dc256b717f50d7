// A studio's year of memberships, written straight into the collections by the bench server (bench/memberships.ts
// asks for it over IPC): members who joined eleven months ago, each with twelve monthly periods of credits in the
// ledger (grant, ~8 uses each with its past booking, the rest expired) and the current period part used. Ids and
// shapes follow portal/api/memberships/ (service.ts bucket ids, ledger.ts entry ids), so the API reads them as its own.
import mongoose from 'mongoose';
import { CustomerModel } from '../idp/customers/model.ts';
import { addDays, instantOf, localAt } from '../portal/api/availability/zoned.ts';
import { BookingModel } from '../portal/api/bookings/model.ts';
import { CreditBucketModel, CreditEntryModel, MembershipModel, PlanModel, type Membership, type Plan } from '../portal/api/memberships/model.ts';
import { addIntervals, periodStart, type Calendar } from '../portal/api/memberships/periods.ts';

export type HistoryRequest = {
  org: string;
  planId: string;
  resourceId: string;
  /** Members' customer ids (created when missing); `plain` customers get no membership. */
  members: string[];
  plain: string[];
  /** Customers with a saved card and no membership yet, to be enrolled through the API. */
  joining: string[];
  periods: number;
  usedNow: number;
};

const ZONE = 'Europe/London';
const HOUR = 3_600_000;
const BATCH = 1_000;

async function insert<T>(model: { insertMany: (docs: T[]) => Promise<unknown> }, docs: T[]) {
  for (let i = 0; i < docs.length; i += BATCH) await model.insertMany(docs.slice(i, i + BATCH));
}

/** Writes the history; answers how many of each document it wrote. */
export async function addMembershipHistory(r: HistoryRequest) {
  const now = Date.now();
  const plan = (await PlanModel.findOne({ org: r.org, _id: r.planId }).lean<Plan>())!;
  const { _id: planId, org: _o, active: _a, createdAt: _c, updatedAt: _u, ...terms } = plan;
  const e = plan.entitlements[0]!;
  const serviceId = e.serviceIds[0]!;
  // Anchored so the current period began five days ago: the coming week's classes fall inside it.
  const today = localAt(now, ZONE).date;
  const anchorDate = addIntervals(addDays(today, -5), 'month', -(r.periods - 1));
  const c: Calendar = { anchor: instantOf(anchorDate, 0, ZONE), interval: 'month', timeZone: ZONE };

  const everyone = [...r.members, ...r.plain, ...r.joining];
  const known = new Set((await CustomerModel.find({ org: r.org, _id: { $in: everyone } }, { _id: 1 }).lean()).map((x) => x._id));
  const customers = everyone
    .filter((id) => !known.has(id))
    .map((id) => ({ _id: id, org: r.org, email: `${id}@example.com`, emailVerified: true, createdAt: new Date(c.anchor) }));

  const memberships: Membership[] = [];
  const buckets: object[] = [];
  const entries: object[] = [];
  const bookings: object[] = [];
  r.members.forEach((customerId, i) => {
    const _id = `mem_bench${String(i).padStart(6, '0')}`;
    const current = { start: periodStart(c, r.periods), end: periodStart(c, r.periods + 1) };
    memberships.push({
      _id,
      org: r.org,
      customerId,
      customerEmail: `${customerId}@example.com`,
      planId,
      plan: terms,
      status: 'active',
      anchor: new Date(c.anchor),
      timeZone: ZONE,
      period: r.periods,
      periodStart: new Date(current.start),
      periodEnd: new Date(current.end),
      minimumTermEnd: new Date(periodStart(c, plan.minimumTermPeriods + 1)),
      freezes: [],
      stripe: { customer: `cus_bench${i}`, subscription: `sub_bench${i}` },
      liveKey: customerId,
      version: r.periods + 1,
      createdAt: new Date(c.anchor - HOUR),
      updatedAt: new Date(current.start),
    });
    for (let n = 1; n <= r.periods; n++) {
      const start = periodStart(c, n);
      const end = periodStart(c, n + 1);
      const past = n < r.periods;
      const used = past ? Math.min(e.credits, 6 + ((i + n) % 5)) : r.usedNow; // 6 to 10, 8 on average
      const bucket = `cr_${_id}_${planId}_${e.id}_${n}`;
      const source = { kind: 'membership', id: _id, name: plan.name };
      buckets.push({
        _id: bucket,
        org: r.org,
        customerId,
        source,
        entitlement: e.id,
        name: e.name,
        serviceIds: e.serviceIds,
        unlimited: false,
        whenOut: e.whenOut,
        granted: e.credits,
        remaining: past ? 0 : e.credits - used,
        startsAt: new Date(start),
        expiresAt: new Date(end),
        closed: past,
        createdAt: new Date(start),
      });
      const entry = (id: string, kind: string, delta: number, at: number, bookingId?: string) =>
        entries.push({ _id: `${bucket}|${id}`, org: r.org, customerId, bucket, kind, delta, at: new Date(at), ...(bookingId ? { bookingId } : {}) });
      entry('grant', 'grant', e.credits, start);
      // Uses spread over the part of the period already past, each a class two hours after it was booked.
      const span = Math.min(end, now - 3 * HOUR) - start;
      for (let u = 0; u < used; u++) {
        const at = start + Math.floor(((u + 0.5) * span) / used);
        const bookingId = `bk_mh${String(i).padStart(4, '0')}_${n}_${u}`;
        const classStart = new Date(Math.floor(at / HOUR) * HOUR + 2 * HOUR);
        entry(`use|${bookingId}`, 'use', -1, at, bookingId);
        bookings.push({
          _id: bookingId,
          org: r.org,
          status: 'confirmed',
          customerId,
          createdBy: 'customer',
          serviceId,
          serviceName: 'Yoga',
          durationMinutes: 60,
          price: { amount: 1500, currency: 'GBP' },
          capacity: 20,
          resourceId: r.resourceId,
          resourceName: 'Studio room',
          locationId: 'loc_history',
          locationName: 'Studio',
          timeZone: ZONE,
          start: classStart,
          end: new Date(classStart.getTime() + HOUR),
          busyStart: classStart,
          busyEnd: new Date(classStart.getTime() + HOUR),
          session: `${serviceId}|${r.resourceId}|${classStart.getTime()}`,
          seat: 1 + (i % 20),
          credit: { id: bucket, name: e.name, unlimited: false },
          cancellationWindowMinutes: 0,
          version: 1,
          createdAt: new Date(at),
          updatedAt: new Date(at),
        });
      }
      if (past && e.credits > used) entry('expire', 'expire', -(e.credits - used), end);
    }
  });
  await insert(CustomerModel, customers);
  await saveCards(r.org, r.joining);
  await insert(MembershipModel, memberships);
  await insert(CreditBucketModel, buckets);
  await insert(CreditEntryModel, entries);
  await insert(BookingModel, bookings);
  return {
    customers: customers.length,
    memberships: memberships.length,
    buckets: buckets.length,
    entries: entries.length,
    bookings: bookings.length,
  };
}

/** A Stripe customer and a default card for each, as Stripe's `setup_intent.succeeded` would leave them (payments/methods.ts). */
async function saveCards(org: string, customerIds: string[]) {
  const db = mongoose.connection.db!;
  const at = new Date();
  if (!customerIds.length) return;
  await db
    .collection('stripe_customers')
    .insertMany(customerIds.map((id) => ({ _id: `${org}|${id}` as never, org, customerId: id, stripeCustomerId: `cus_${id}`, createdAt: at })));
  await db.collection('payment_methods').insertMany(
    customerIds.map((id) => ({
      _id: `${org}|pm_${id}` as never,
      org,
      customerId: id,
      paymentMethodId: `pm_${id}`,
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: new Date().getUTCFullYear() + 3,
      wallet: null,
      isDefault: true,
      createdAt: at,
    })),
  );
}

type Explained = {
  queryPlanner?: { winningPlan?: unknown };
  executionStats?: { nReturned?: number; totalKeysExamined?: number; totalDocsExamined?: number };
};

/** A query plan in a line: its stages (and index) outermost first, keys and documents examined, documents returned. */
function summary(explain: Explained) {
  const stages: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (k === 'stage' && typeof v === 'string') stages.push(v);
        else if (k === 'indexName' && typeof v === 'string') stages.push(`(${v})`);
        else walk(v);
      }
  };
  walk(explain.queryPlanner?.winningPlan);
  const s = explain.executionStats ?? {};
  return { plan: stages.join(' '), returned: s.nReturned, 'keys examined': s.totalKeysExamined, 'docs examined': s.totalDocsExamined };
}

/** How the database answers a member's queries on the booking and read paths (ledger.ts, service.ts), for one member. */
export async function explainMemberQueries({ org, customerId, serviceId }: { org: string; customerId: string; serviceId: string }) {
  const now = new Date();
  const queries = {
    'booking: credit_buckets by customer, service, expiresAt (ledger.ts covering)': CreditBucketModel.find({
      org,
      customerId,
      serviceIds: serviceId,
      expiresAt: { $gt: now },
    }),
    'booking: memberships by customer (memberTerms)': MembershipModel.find({ org, customerId }),
    'GET /credits and /history: credits whose time is up (expireDue)': CreditBucketModel.find(
      { org, closed: false, expiresAt: { $lte: now } },
      { _id: 1 },
    ).limit(100),
    'GET /credits: credit_buckets by customer (openCredits)': CreditBucketModel.find({ org, customerId }),
    'GET /credits/history: credit_entries by customer, newest first': CreditEntryModel.find({ org, customerId }).sort({ at: -1, _id: -1 }).limit(71),
    'GET /memberships: memberships due a change (settleDue)': MembershipModel.find({ org, nextChangeAt: { $gt: new Date(0), $lte: now } }).limit(100),
    'GET /memberships: memberships by customer, newest first': MembershipModel.find({ org, customerId }).sort({ createdAt: -1 }),
  };
  const rows: Record<string, unknown>[] = [];
  for (const [query, q] of Object.entries(queries)) {
    // SecantusDB derives executionStats from the plan (test/db/plans.test.ts): the time it takes alone says the rest.
    const ms: number[] = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      await q.clone().lean();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    rows.push({ query, ...summary((await q.clone().explain('executionStats')) as unknown as Explained), 'alone p50 ms': ms[12]!.toFixed(1) });
  }
  return { rows };
}

/** The ledger's rule over the organisation, after the run: every bucket's `remaining` is the sum of its entries. */
export async function checkLedger({ org }: { org: string }) {
  const sums = new Map<string, number>();
  for await (const e of CreditEntryModel.find({ org }, { bucket: 1, delta: 1 }).lean().cursor())
    sums.set(e.bucket, (sums.get(e.bucket) ?? 0) + e.delta);
  const buckets = await CreditBucketModel.find({ org }, { remaining: 1, unlimited: 1 }).lean();
  const off = buckets.filter((b) => !b.unlimited && (sums.get(b._id) ?? 0) !== b.remaining).map((b) => b._id);
  return { buckets: buckets.length, off: off.slice(0, 5), offCount: off.length };
}
