// A booking's change, its hold on the resource's time and its domain event are one transaction: a write that fails
// half-way leaves nothing behind. Failures are injected in the database itself (MongoDB's `failCommand` fail point,
// which the embedded server enables for tests; on a MONGODB_URI without test commands these tests are skipped).
import { expect } from 'chai';
import mongoose from 'mongoose';
import { CustomerModel } from '../../idp/customers/model.ts';
import { ensureCustomer } from '../../idp/customers/service.ts';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import { makeOrg, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { openStream } from '../support/sse.ts';
import { secondInstance, stack, type Stack } from '../support/stack.ts';

type Slot = { start: string };
const ZONE = 'Europe/London'; // the test catalogue's location

/** Makes the next `command` sent to the database fail (after `skip` of them), as a lost write would. */
const failNext = (command: string, skip = 0) =>
  mongoose.connection
    .db!.admin()
    .command({ configureFailPoint: 'failCommand', mode: { skip, times: 1 }, data: { failCommands: [command], errorCode: 8 } });

describe('A booking change is one transaction: the booking, its hold and its event commit together', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let admin: string;
  let cat: Awaited<ReturnType<typeof seedCatalogue>>;
  let customerId: string;

  /** The first therapist's massage starts on the day `days` ahead (each test takes its own day, so their bookings never meet). */
  const day = (days: number) => dayOf(addDays(localAt(Date.now(), ZONE).date, days), cat.therapists[0].id);
  const dayOf = async (from: string, resourceId: string) => {
    const res = await call('GET', `${adminUrl(t)}/availability?service=${cat.massage.id}&from=${from}&to=${from}&resource=${resourceId}`, admin);
    expect(res.status).to.equal(200);
    return res.body.days.flatMap((d: { slots: Slot[] }) => d.slots) as Slot[];
  };
  /** Whether the therapist is offered at `start`. */
  const offered = async (start: string, resourceId: string) =>
    (await dayOf(localAt(Date.parse(start), ZONE).date, resourceId)).some((x) => x.start === start);
  const book = (start: string, resourceId: string, base = adminUrl(t)) =>
    call('POST', `${base}/bookings`, admin, { serviceId: cat.massage.id, start, resourceId, customerId });
  const bookingEvents = (stream: Awaited<ReturnType<typeof openStream>>) => stream.messages.filter((m) => m.event === 'booking');

  before(async function () {
    s = await stack();
    const refused = await mongoose.connection
      .db!.admin()
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .then(
        () => false,
        (err: Error) => err.message,
      );
    if (refused) return this.skip(); // a server without test commands: nothing can be injected
    t = await makeOrg(s);
    admin = await adminToken(s, t, 'admin');
    cat = await seedCatalogue(t, admin);
    const email = uniqueEmail('tx');
    await ensureCustomer(t.org._id, email);
    customerId = (await CustomerModel.findOne({ org: t.org._id, email }).lean())!._id;
  });

  afterEach(async () => {
    await mongoose.connection
      .db!.admin()
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => undefined);
  });

  it('a booking whose write fails leaves no booking, no hold and no event', async () => {
    const stream = await openStream(`${adminUrl(t)}/events`, { authorization: `Bearer ${admin}` });
    try {
      const slot = (await day(2))[3]!;
      const resourceId = cat.therapists[0].id;
      await failNext('insert', 1); // the booking itself, after the time's blocks
      const failed = await book(slot.start, resourceId);
      expect(failed.status).to.equal(500);
      expect(await offered(slot.start, resourceId), 'the time is still offered').to.equal(true);
      const made = await book(slot.start, resourceId);
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      const event = await stream.next((m) => m.event === 'booking');
      expect(event.data.booking.id).to.equal(made.body.id);
      expect(bookingEvents(stream)).to.have.length(1);
    } finally {
      await stream.close();
    }
  });

  it('a cancellation whose event cannot be written changes nothing, and the booking can still be cancelled', async () => {
    const slot = (await day(3))[4]!;
    const resourceId = cat.therapists[0].id;
    const made = await book(slot.start, resourceId);
    expect(made.status).to.equal(201);
    await failNext('insert'); // the only insert of a cancellation: its event
    expect((await call('POST', `${adminUrl(t)}/bookings/${made.body.id}/cancel`, admin)).status).to.equal(500);
    const kept = await call('GET', `${adminUrl(t)}/bookings/${made.body.id}`, admin);
    expect(kept.body.status).to.equal('confirmed');
    expect(await offered(slot.start, resourceId), 'the time is still held').to.equal(false);
    const cancelled = await call('POST', `${adminUrl(t)}/bookings/${made.body.id}/cancel`, admin);
    expect(cancelled.status, 'not locked by the failed attempt').to.equal(200);
    expect(await offered(slot.start, resourceId), 'the time is free again').to.equal(true);
  });

  it('a reschedule that fails half-way keeps the old time and leaks no hold on the new one', async () => {
    const slots = await day(4);
    const [from, to] = [slots[5]!, slots[7]!];
    const resourceId = cat.therapists[0].id;
    const made = await book(from.start, resourceId);
    expect(made.status).to.equal(201);
    await failNext('insert'); // the new time's blocks, after the old time was given back in the same transaction
    const move = () => call('POST', `${adminUrl(t)}/bookings/${made.body.id}/reschedule`, admin, { start: to.start, resourceId });
    expect((await move()).status).to.equal(500);
    expect((await call('GET', `${adminUrl(t)}/bookings/${made.body.id}`, admin)).body.start).to.equal(from.start);
    expect(await offered(from.start, resourceId), 'the old time is still held').to.equal(false);
    expect(await offered(to.start, resourceId), 'the new time is still free').to.equal(true);
    const moved = await move();
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    expect(await offered(from.start, resourceId)).to.equal(true);
    expect(await offered(to.start, resourceId)).to.equal(false);
  });

  it('moves a booking to a time that overlaps its own old one', async () => {
    const at = (await day(5))[4]!;
    const resourceId = cat.therapists[0].id;
    const made = await book(at.start, resourceId);
    expect(made.status).to.equal(201);
    // The massage and its 15-minute buffer run to +75 minutes: a start at +60 overlaps the booking's own time.
    const later = new Date(Date.parse(at.start) + 60 * 60_000).toISOString();
    const moved = await call('POST', `${adminUrl(t)}/bookings/${made.body.id}/reschedule`, admin, { start: later, resourceId });
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    expect(moved.body.start).to.equal(later);
  });

  it("streams a change made on another instance at once, numbered after this instance's", async () => {
    const other = await secondInstance(s);
    const stream = await openStream(`${adminUrl(t)}/events`, { authorization: `Bearer ${admin}` });
    try {
      const slots = await day(6);
      const here = await book(slots[2]!.start, cat.therapists[0].id);
      const there = await book(slots[8]!.start, cat.therapists[0].id, other.adminUrl(t));
      expect([here.status, there.status]).to.deep.equal([201, 201]);
      const first = await stream.next((m) => m.data?.booking?.id === here.body.id);
      const second = await stream.next((m) => m.data?.booking?.id === there.body.id);
      expect(Number(second.id)).to.equal(Number(first.id) + 1);
    } finally {
      await stream.close();
      await other.stop();
    }
  });
});
