// Query plans of the hot reads, on the database the tests run on (the embedded SecantusDB, or MONGODB_URI): each
// read is run through the real code with realistic volumes seeded (two organisations, thousands of documents each),
// the query it issues is captured as the driver received it, and `explain('executionStats')` of exactly that query
// must show an index scan (no COLLSCAN anywhere in the plan) and no more documents examined than returned, plus a
// small allowance where a filter the index does not hold is applied after it.
//
// On SecantusDB 0.7.0b3 the plan is what this checks: its executionStats are derived from the plan (an index scan
// reports documents examined = returned, a collection scan the size of the collection), not counted. Against
// MongoDB both assertions are measured.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { OidcPayloadModel, mongoAdapter } from '../../idp/provider/adapter.ts';
import { listAudit } from '../../lib/audit.ts';
import { randomId } from '../../lib/crypto.ts';
import { busyBetween } from '../../portal/api/availability/service.ts';
import { BookingModel, type Booking } from '../../portal/api/bookings/model.ts';
import { customerBookings, organisationBookings } from '../../portal/api/bookings/service.ts';
import { ResourceModel } from '../../portal/api/catalogue/model.ts';
import { resourcesByIds } from '../../portal/api/catalogue/service.ts';
import { stack } from '../support/stack.ts';
import { planStages } from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RESOURCES = 20;
const CUSTOMERS = 300;
const BOOKINGS = 3_000; // per organisation: half past, half to come, one in seven cancelled
const PER_COLLECTION = 1_500; // audit entries, events, OIDC artefacts per organisation
/** Stages that read through an index (classic and slot-based engines, MongoDB 7 and 8). */
const INDEX_STAGES = new Set(['IXSCAN', 'IDHACK', 'EXPRESS_IXSCAN', 'EXPRESS_IDHACK', 'COUNT_SCAN', 'DISTINCT_SCAN']);

/**
 * Reads whose query no index serves on the embedded SecantusDB 0.7.0b3, in code others are changing: each is still
 * explained and its plan printed, then the test is reported pending. Once it is served, the test fails until its
 * entry is removed. (Against MONGODB_URI every read is asserted.)
 */
const KNOWN_SCANS: Record<string, string> = process.env.MONGODB_URI
  ? {}
  : {
      "a customer's upcoming bookings, first page and the next":
        'the next page adds the cursor as a top-level $and/$or, which SecantusDB never routes through an index',
      "a customer's history, first page and the next": 'history is an $or (cancelled, or ended), which SecantusDB never routes through an index',
      "the organisation's bookings in a week, first page and the next":
        'the next page adds the cursor as a top-level $and/$or, which SecantusDB never routes through an index',
      "the organisation's confirmed bookings in a week":
        'status and a range need { org, status, start }, an index kept out for one staff filter; and the cursor',
      "one resource's bookings in a week":
        'resourceId and a range on start need { org, resourceId, start }, an index kept out for one staff filter; and the cursor',
    };

type Issued = {
  collection: string;
  method: string;
  filter: Record<string, unknown>;
  options: { sort?: Record<string, 1 | -1>; limit?: number; projection?: Record<string, unknown> };
};

/** The find/findOne queries `run` sends to `collection`, as mongoose hands them to the driver. */
async function issued(collection: string, run: () => Promise<unknown>): Promise<Issued[]> {
  const seen: Issued[] = [];
  const listener = (op: { collectionName: string; method: string; params: unknown[] }) => {
    if (op.collectionName !== collection || (op.method !== 'find' && op.method !== 'findOne')) return;
    const [filter, options = {}] = op.params as [Record<string, unknown>, Issued['options'] | undefined];
    seen.push({ collection, method: op.method, filter, options });
  };
  mongoose.connection.on('operation-start', listener);
  try {
    await run();
  } finally {
    mongoose.connection.off('operation-start', listener);
  }
  expect(seen, `queries on ${collection}`).to.not.be.empty;
  return seen;
}

const note = (msg: string) => console.log(`      ${msg}`);

type Plan = { stages: string[]; stats: { nReturned: number; totalDocsExamined: number }; keys?: Record<string, number>; what: string };

/** Explains exactly the query that was issued; prints the plan in one line. */
async function explain(q: Issued): Promise<Plan> {
  const { sort, limit, projection } = q.options;
  const explained = await mongoose.connection
    .db!.collection(q.collection)
    .find(q.filter, { sort, limit: q.method === 'findOne' ? 1 : limit, projection })
    .explain('executionStats');
  const stages = planStages(explained);
  const stats = explained.executionStats as Plan['stats'];
  const keys = (JSON.stringify(explained.queryPlanner.winningPlan).match(/"keyPattern":(\{[^}]*\})/) ?? [])[1];
  const summary = `${stages.join(' > ')}${keys ? ` ${keys}` : ''}: ${stats.totalDocsExamined} examined, ${stats.nReturned} returned`;
  note(summary);
  const what = `${q.collection}.${q.method}(${JSON.stringify(q.filter)}${sort ? `, sort ${JSON.stringify(sort)}` : ''}${limit ? `, limit ${limit}` : ''}): ${summary}`;
  return { stages, stats, keys: keys ? JSON.parse(keys) : undefined, what };
}

const scans = (p: Plan) => p.stages.includes('COLLSCAN') || !p.stages.some((s) => INDEX_STAGES.has(s));

/**
 * Asserts every query of the test is served by an index (the named one, if given) and examines no more documents
 * than it returns, plus `after` where a filter the index does not hold is applied after it.
 */
async function expectIndexed(
  ctx: Mocha.Context,
  queries: Issued[],
  options: { after?: number; index?: Record<string, 1 | -1> } = {},
): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const q of queries) plans.push(await explain(q));
  const known = KNOWN_SCANS[ctx.test!.title];
  if (known) {
    expect(plans.some(scans), `served by an index now: remove "${ctx.test!.title}" from KNOWN_SCANS`).to.equal(true);
    note(`known scan: ${known}`);
    ctx.skip();
  }
  for (const p of plans) {
    expect(p.stages, p.what).to.not.include('COLLSCAN');
    expect(
      p.stages.some((s) => INDEX_STAGES.has(s)),
      p.what,
    ).to.equal(true);
    if (options.index) expect(p.keys, p.what).to.deep.equal(options.index);
    expect(p.stats.totalDocsExamined, p.what).to.be.at.most(p.stats.nReturned + (options.after ?? 0));
    expect(p.stats.nReturned, `${p.what}: the seeded data should match`).to.be.above(0);
  }
  return plans;
}

describe('query plans of the hot reads (explain on the test database)', function () {
  this.timeout(60_000);
  const run = randomId(4);
  const orgs = [`org_plans_${run}_a`, `org_plans_${run}_b`];
  const [org] = orgs as [string, string];
  const now = Date.now();
  const resourceIds = (o: string) => Array.from({ length: RESOURCES }, (_, i) => `res_${o}_${i}`);
  const customer = (o: string, i: number) => `cus_${o}_${i % CUSTOMERS}`;
  const auditModel = () => mongoose.model('AuditEntry');
  const eventModel = () => mongoose.model('DomainEvent');

  before(async function () {
    this.timeout(300_000);
    await stack();
    const started = Date.now();
    for (const o of orgs) {
      await ResourceModel.insertMany(
        resourceIds(o).map((_id, i) => ({
          _id,
          org: o,
          name: `Therapist ${i}`,
          kind: 'staff',
          locationId: `loc_${o}`,
          weeklyHours: [],
          exceptions: [],
          createdAt: new Date(),
        })),
      );
      const bookings: Partial<Booking>[] = [];
      for (let i = 0; i < BOOKINGS; i++) {
        // In pairs, k hours from now: one past, one to come; round-robin over resources and customers.
        const k = Math.floor(i / 2);
        const start = new Date(now + (i % 2 ? -1 : 1) * (k + 1) * HOUR);
        const end = new Date(start.getTime() + HOUR);
        const resourceId = resourceIds(o)[k % RESOURCES]!;
        bookings.push({
          _id: `bk_${o}_${i}`,
          org: o,
          status: k % 7 === 3 ? 'cancelled' : 'confirmed',
          customerId: customer(o, k),
          createdBy: 'customer',
          serviceId: `svc_${o}`,
          serviceName: 'Massage',
          durationMinutes: 60,
          price: { amount: 6000, currency: 'GBP' },
          capacity: 1,
          resourceId,
          resourceName: 'x',
          locationId: `loc_${o}`,
          locationName: 'x',
          timeZone: 'Europe/London',
          start,
          end,
          busyStart: start,
          busyEnd: end,
          session: `svc_${o}|${resourceId}|${start.getTime()}`,
          seat: 1,
          cancellationWindowMinutes: 0,
          version: 1,
          createdAt: start,
          updatedAt: start,
        });
      }
      for (let i = 0; i < bookings.length; i += 1000) await BookingModel.insertMany(bookings.slice(i, i + 1000));

      const at = (i: number) => new Date(now - (PER_COLLECTION - i) * 60_000);
      await auditModel().insertMany(
        Array.from({ length: PER_COLLECTION }, (_, i) => ({
          _id: `${at(i).getTime().toString(36).padStart(10, '0')}${o.slice(-1)}${String(i).padStart(7, '0')}`,
          org: o,
          at: at(i),
          actor: { sub: 'staff_1', clientId: 'client_1', role: 'admin' },
          action: 'location.update',
          subject: `loc_${i}`,
        })),
      );
      await eventModel().insertMany(
        Array.from({ length: PER_COLLECTION }, (_, i) => ({
          _id: `${o}|${i + 1}`,
          org: o,
          seq: i + 1,
          type: 'booking.created',
          subject: `bk_${i}`,
          data: '{}',
          at: at(i),
        })),
      );
      const models = ['Session', 'Interaction', 'AuthorizationCode', 'Grant'];
      await OidcPayloadModel.insertMany(
        Array.from({ length: PER_COLLECTION }, (_, i) => {
          const model = models[i % models.length]!;
          const withUid = model === 'Session' || model === 'Interaction';
          return {
            _id: `${o}/${model}/${i}`,
            org: o,
            model,
            payload: '{}',
            ...(withUid ? { uid: `uid_${i}` } : {}),
            ...(model === 'Grant'
              ? { grantId: `grant_${i}`, clientId: 'client_1', accountId: customer(o, i) }
              : { grantId: `grant_${i - (i % models.length) + 3}` }),
            // One in three has expired and waits for the clean-up.
            expiresAt: new Date(now + (i % 3 ? 1 : -1) * DAY),
          };
        }),
      );
    }
    const events = mongoose.connection.db!.collection(eventModel().collection.collectionName);
    if (!(await events.indexes()).some((ix) => JSON.stringify(ix.key) === JSON.stringify({ org: 1, seq: 1 })))
      await events.createIndex({ org: 1, seq: 1 });
    note(`seeded ${orgs.length} organisations in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  describe('availability', () => {
    it("reads the resources' confirmed bookings in the range in one query, from {org, status, busyStart}", async function () {
      const ids = resourceIds(org);
      const from = now + 10 * DAY;
      const queries = await issued(BookingModel.collection.collectionName, () => busyBetween(org, ids, from, from + 7 * DAY));
      expect(queries).to.have.length(1);
      await expectIndexed(this, queries, { index: { org: 1, status: 1, busyStart: 1 } });
    });

    it("reads the service's resources by id", async function () {
      await expectIndexed(this, await issued(ResourceModel.collection.collectionName, () => resourcesByIds(org, resourceIds(org))));
    });
  });

  describe('bookings lists (portal/api/bookings/service.ts page())', () => {
    const bookings = BookingModel.collection.collectionName;
    const cases: [string, () => Promise<Issued[]>][] = [
      [
        "a customer's upcoming bookings, first page and the next",
        () =>
          issued(bookings, async () => {
            const page = await customerBookings(org, customer(org, 0), { view: 'upcoming', limit: 3 }, now);
            expect(page.next, 'a next page').to.be.a('string');
            await customerBookings(org, customer(org, 0), { view: 'upcoming', limit: 3, cursor: page.next }, now);
          }),
      ],
      [
        "a customer's history, first page and the next",
        () =>
          issued(bookings, async () => {
            const page = await customerBookings(org, customer(org, 1), { view: 'history', limit: 3 }, now);
            expect(page.next, 'a next page').to.be.a('string');
            await customerBookings(org, customer(org, 1), { view: 'history', limit: 3, cursor: page.next }, now);
          }),
      ],
      [
        "the organisation's bookings in a week, first page and the next",
        () =>
          issued(bookings, async () => {
            const page = await organisationBookings(org, { from: now, to: now + 7 * DAY, limit: 50 }, now);
            expect(page.next, 'a next page').to.be.a('string');
            await organisationBookings(org, { from: now, to: now + 7 * DAY, limit: 50, cursor: page.next }, now);
          }),
      ],
      [
        "the organisation's confirmed bookings in a week",
        () => issued(bookings, () => organisationBookings(org, { from: now, to: now + 7 * DAY, status: 'confirmed', limit: 50 }, now)),
      ],
      [
        "one resource's bookings in a week",
        () => issued(bookings, () => organisationBookings(org, { from: now, to: now + 7 * DAY, resource: resourceIds(org)[0], limit: 50 }, now)),
      ],
    ];
    for (const [name, queries] of cases) {
      it(name, async function () {
        // The status of a booking may be checked after the index (a seventh are cancelled).
        await expectIndexed(this, await queries(), { after: 10 });
      });
    }
  });

  it('finds an OIDC session by uid (idp/provider/adapter.ts findByUid)', async function () {
    const Adapter = mongoAdapter(org, async () => undefined);
    const queries = await issued(OidcPayloadModel.collection.collectionName, async () => {
      expect(await new Adapter('Session').findByUid('uid_4'), 'the session').to.not.equal(undefined);
    });
    await expectIndexed(this, queries);
  });

  it('lists the audit log, newest first, first page and the next (lib/audit.ts listAudit)', async function () {
    const queries = await issued(auditModel().collection.collectionName, async () => {
      const page = await listAudit(org, { limit: 20 });
      expect(page.items).to.have.length(20);
      await listAudit(org, { limit: 20, before: page.next });
    });
    await expectIndexed(this, queries);
  });

  it('reads a range of domain events by sequence number from {org, seq}', async function () {
    const queries = await issued(eventModel().collection.collectionName, () =>
      eventModel()
        .find({ org, seq: { $gt: 1200, $lte: 1300 } })
        .sort({ seq: 1 })
        .lean(),
    );
    const [plan] = await expectIndexed(this, queries, { index: { org: 1, seq: 1 } });
    expect(plan!.stats.nReturned).to.equal(100);
  });
});
