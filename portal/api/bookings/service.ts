// Booking rules: create on an offered slot, cancel and reschedule within the business's policy, list a customer's or
// the organisation's bookings. Each change is one transaction: the booking, its hold on the time (holds.ts) and its
// domain event are committed together or not at all.
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { timeCursor } from '../../../lib/cursor.ts';
import { BadRequest, Conflict, HttpError, NotFound } from '../../../lib/errors.ts';
import { bookings as bookingsMade } from '../../../lib/metrics.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { bookable } from '../availability/service.ts';
import { occupied, offeringAt, sessionKey } from '../availability/engine.ts';
import { localAt, MINUTE } from '../availability/zoned.ts';
import { catalogueId } from '../catalogue/service.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import { releaseHold, takeHold, type Hold } from './holds.ts';
import { attachPayment, connectBookingMoney, lapseUnpaid, paymentTerms, settleCancelled } from './payment.ts';
import { BOOKING_STATUSES, BookingModel, type Booking } from './model.ts';
import { creditFor, giveBack, useCredit } from '../memberships/ledger.ts';
import { memberTerms } from '../memberships/service.ts';
import { chargeOnFile } from '../tabs/settle.ts';

export class SlotTaken extends HttpError {
  constructor() {
    super(409, 'slot_taken', 'This time has just been taken. Choose another.');
  }
}
export class SlotNotOffered extends HttpError {
  constructor(why = 'This time is not offered for this service: choose one of the available times.') {
    super(422, 'slot_not_offered', why);
  }
}
export class CancellationClosed extends HttpError {
  constructor(b: Booking) {
    super(409, 'cancellation_closed', `This booking can no longer be changed online.${b.lateCancellationNote ? ` ${b.lateCancellationNote}` : ''}`);
  }
}

const instant = z.iso.datetime({ offset: true, message: 'use an ISO 8601 date and time, e.g. 2026-12-01T09:00:00Z' }).transform((s) => Date.parse(s));
export const bookingId = z.string().regex(/^bk_[A-Za-z0-9_-]{10,30}$/, 'is not a booking id');
export const slotInput = z.strictObject({ start: instant, resourceId: catalogueId.optional() });
export const createInput = slotInput.extend({ serviceId: catalogueId });
export const staffCreateInput = createInput.extend({ customerId: z.string().min(1).max(100) });
export const listQuery = z.strictObject({
  view: z.enum(['upcoming', 'history']).default('upcoming'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).optional(),
});
export const staffListQuery = z
  .strictObject({
    from: instant,
    to: instant,
    status: z.enum(BOOKING_STATUSES).optional(),
    resource: catalogueId.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
    cursor: z.string().max(100).optional(),
  })
  .refine((q) => q.to > q.from && q.to - q.from <= 62 * 24 * 60 * MINUTE, { message: 'must be after from, at most 62 days', path: ['to'] });

export type Actor = { kind: 'customer'; customerId: string } | { kind: 'staff' };
const iso = (d: Date | number) => new Date(d).toISOString();
const holdOf = (b: Pick<Booking, 'org' | 'resourceId' | 'session' | 'capacity' | 'busyStart' | 'busyEnd'>): Hold => ({
  org: b.org,
  resourceId: b.resourceId,
  session: b.session,
  capacity: b.capacity,
  busyStart: b.busyStart.getTime(),
  busyEnd: b.busyEnd.getTime(),
});

/** When a customer may no longer cancel or move the booking themselves. */
const deadline = (b: Booking) => b.start.getTime() - b.cancellationWindowMinutes * MINUTE;
const customerMayChange = (b: Booking, now: number) => b.status === 'confirmed' && now < deadline(b) && now < b.start.getTime();

export function customerView(b: Booking, now = Date.now()) {
  const local = localAt(b.start.getTime(), b.timeZone);
  return {
    id: b._id,
    status: b.status,
    start: iso(b.start),
    end: iso(b.end),
    local: { date: local.date, time: local.time },
    timeZone: b.timeZone,
    service: { id: b.serviceId, name: b.serviceName, durationMinutes: b.durationMinutes, price: b.price },
    resource: { id: b.resourceId, name: b.resourceName },
    location: { id: b.locationId, name: b.locationName, timeZone: b.timeZone, address: b.address },
    canCancel: customerMayChange(b, now),
    cancelDeadline: b.status === 'confirmed' ? iso(deadline(b)) : null,
    lateCancellationNote: b.lateCancellationNote,
    createdAt: iso(b.createdAt),
    ...(b.cancelledAt ? { cancelledAt: iso(b.cancelledAt) } : {}),
    ...(b.payment ? { payment: paymentView(b.payment) } : {}),
    ...(b.credit ? { credit: b.credit } : {}),
  };
}

const paymentView = (p: NonNullable<Booking['payment']>) => ({
  mode: p.mode,
  status: p.status,
  amount: p.amount,
  currency: p.currency,
  ...(p.tabId ? { tabId: p.tabId } : {}),
  ...(p.dueBy ? { dueBy: iso(p.dueBy) } : {}),
  ...(p.invoiceId ? { invoiceId: p.invoiceId } : {}),
  ...(p.refunded !== undefined ? { refunded: p.refunded } : {}),
});

export const staffView = (b: Booking, now = Date.now()) => ({
  ...customerView(b, now),
  customer: { id: b.customerId, email: b.customerEmail },
  createdBy: b.createdBy,
  seat: b.seat,
});

export type CustomerBooking = ReturnType<typeof customerView>;

/** The booking's event: staff streams see all of it, a customer's stream only their own (lib/sse.ts). */
function emitEvent(tx: Tx, type: string, b: Booking, previous?: { start: Date; resourceId: string }) {
  tx.emit({
    type,
    subject: b._id,
    customer: b.customerId,
    data: { booking: staffView(b), ...(previous ? { previous: { start: iso(previous.start), resourceId: previous.resourceId } } : {}) },
  });
}

/** What the service offers at `start`: the resources to try, in order, each with the hold it would take. */
async function offered(org: string, serviceId: string, start: number, resourceId: string | undefined, now: number, inactive = false) {
  const { service, location, timeZone, resources } = await bookable(org, serviceId, resourceId, { inactive });
  const offering = offeringAt({ service, timeZone, resources: resources.map((r) => ({ id: r.id, schedule: r })), now }, start);
  const busy = occupied(service, start);
  const candidates = resources
    .filter((r) => offering.includes(r.id))
    .map((resource) => ({
      resource,
      hold: {
        org,
        resourceId: resource.id,
        session: sessionKey(service.id, resource.id, start),
        capacity: service.capacity,
        busyStart: busy.start,
        busyEnd: busy.end,
      } satisfies Hold,
    }));
  if (!candidates.length) throw new SlotNotOffered();
  return { service, location, candidates };
}

type Candidate = { resource: { id: string; name: string }; hold: Hold };

/**
 * Tries each candidate in its own transaction (a refused write ends a transaction) until one is taken, running
 * `before` first and `write` after the hold is taken, in the same transaction. Throws SlotTaken when every
 * candidate is booked.
 */
async function withSlot<T>(
  org: string,
  candidates: Candidate[],
  write: (tx: Tx, taken: Candidate & { seat: number }) => Promise<T>,
  before?: (tx: Tx) => Promise<void>,
) {
  for (const c of candidates) {
    const taken = await inTransaction(org, async (tx) => {
      await before?.(tx);
      const seat = await takeHold(tx.session, c.hold);
      if (!seat) throw new SlotTaken();
      return { result: await write(tx, { ...c, seat }) };
    }).catch((err) => {
      if (err instanceof SlotTaken) return undefined;
      throw err;
    });
    if (taken) return taken.result;
  }
  throw new SlotTaken();
}

/**
 * `actor.email`: the customer's address as idp/ knows it now (staff views show the one they had when booking).
 * `also` writes what goes with the booking in its transaction (a finished flow's form), so both are made or neither.
 */
export async function createBooking(
  deps: PaymentDeps,
  org: string,
  input: z.infer<typeof createInput>,
  actor: Actor & { customerId: string; email: string | undefined },
  now = Date.now(),
  also?: (tx: Tx, booking: Booking) => Promise<void>,
) {
  const { email } = actor;
  if (actor.kind === 'staff' && !email)
    throw new HttpError(422, 'invalid_reference', 'customerId: no such customer', [{ field: 'customerId', message: 'no such customer' }]);
  const { service, location, candidates } = await offered(org, input.serviceId, input.start, input.resourceId, now, actor.kind === 'staff');
  // A member's credit covering the service at that time is used instead of a payment; the terms are needed only
  // without one (or when the last credit goes to someone faster, and the plan lets the customer pay instead).
  const member = await memberTerms(org, actor.customerId);
  const usable = member.usable(input.start);
  const cover = await creditFor(org, actor.customerId, service.id, new Date(input.start), usable);
  const discount = member.discount(service.id);
  let money = cover.use ? undefined : await paymentTerms(deps, org, service, actor.customerId);
  const booked = await withSlot(org, candidates, async (tx, { resource, hold, seat }) => {
    const at = new Date();
    const booking: Booking = {
      _id: `bk_${randomId(12)}`,
      org,
      status: 'confirmed',
      customerId: actor.customerId,
      customerEmail: email,
      createdBy: actor.kind,
      serviceId: service.id,
      serviceName: service.name,
      durationMinutes: service.durationMinutes,
      price: service.price,
      capacity: service.capacity,
      resourceId: resource.id,
      resourceName: resource.name,
      locationId: location.id,
      locationName: location.name,
      address: location.address ?? undefined,
      timeZone: location.timeZone,
      start: new Date(input.start),
      end: new Date(input.start + service.durationMinutes * MINUTE),
      busyStart: new Date(hold.busyStart),
      busyEnd: new Date(hold.busyEnd),
      session: hold.session,
      seat,
      cancellationWindowMinutes: service.cancellationWindowMinutes,
      lateCancellationNote: service.lateCancellationNote ?? undefined,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    const credit = cover.whenOut ? await useCredit(tx, org, actor.customerId, service.id, booking.start, booking._id, usable) : undefined;
    const lateFee = service.payment?.lateCancelFee;
    if (credit) booking.credit = { ...credit, ...(lateFee ? { lateFee } : {}) };
    else {
      money ??= await paymentTerms(deps, org, service, actor.customerId);
      const payment = await attachPayment(tx, money, service, booking, discount);
      if (payment) booking.payment = payment;
    }
    await BookingModel.create([booking], { session: tx.session });
    emitEvent(tx, 'booking.created', booking);
    await also?.(tx, booking);
    return booking;
  });
  bookingsMade.inc({ by: actor.kind });
  return booked;
}

/** One booking, only the customer's own for a customer (another's is "not found", never "forbidden"). */
export async function findBooking(org: string, bookingId: string, actor: Actor): Promise<Booking> {
  const b = await BookingModel.findOne({
    _id: bookingId,
    org,
    ...(actor.kind === 'customer' ? { customerId: actor.customerId } : {}),
  }).lean<Booking>();
  if (!b) throw new NotFound('No such booking.');
  return b;
}

/** Whether the actor may change the booking as read. */
function mayChange(b: Booking, actor: Actor, now: number) {
  if (b.status !== 'confirmed') throw new Conflict('This booking is already cancelled.');
  if (actor.kind === 'customer' && !customerMayChange(b, now)) throw new CancellationClosed(b);
}

/** Writes a change to the booking as read, in the transaction; refused when another change landed since the read. */
async function update(tx: Tx, b: Booking, set: Partial<Booking>) {
  const { modifiedCount } = await BookingModel.updateOne(
    { _id: b._id, org: b.org, version: b.version },
    { $set: { ...set, version: b.version + 1 } },
    { session: tx.session },
  );
  if (!modifiedCount) throw new Conflict('This booking was changed a moment ago: reload it and try again.');
}

/** Cancels the booking as read, in the transaction: its time given back, with its event. */
async function cancelIn(tx: Tx, b: Booking, set: Partial<Booking> = {}): Promise<Booking> {
  const at = new Date();
  const change = { status: 'cancelled' as const, cancelledAt: at, updatedAt: at, ...set };
  await update(tx, b, change);
  await releaseHold(tx.session, holdOf(b));
  const after: Booking = { ...b, ...change, version: b.version + 1 };
  emitEvent(tx, 'booking.cancelled', after);
  return after;
}

/**
 * Cancels, then settles the money: an unpaid booking's tab is voided; a paid one refunded, in part when late. A
 * credit used comes back in the cancellation's transaction, unless it is cancelled late (at the desk: customers may
 * not online): then, as the service says, it is forfeited, or it comes back and the service's late fee is charged.
 */
export async function cancelBooking(deps: PaymentDeps, org: string, bookingId: string, actor: Actor & { timeZone: string }, now = Date.now()) {
  const b = await findBooking(org, bookingId, actor);
  mayChange(b, actor, now);
  const late = now >= deadline(b);
  const { after, creditReturned } = await inTransaction(org, async (tx) => ({
    after: await cancelIn(tx, b),
    creditReturned: b.credit && (!late || b.credit.lateFee) ? await giveBack(tx, org, b.credit, b._id) : false,
  }));
  const money = await settleCancelled(deps, after, late, actor.timeZone);
  const lateFee = late && creditReturned && b.credit?.lateFee;
  const feeTab = lateFee
    ? await chargeOnFile(
        deps,
        org,
        { id: b.customerId, email: b.customerEmail },
        { description: `Late cancellation: ${b.serviceName}`, amount: lateFee },
        actor.timeZone,
      )
    : undefined;
  return {
    before: b,
    after: await findBooking(org, bookingId, actor),
    ...(money ? { money } : {}),
    ...(b.credit ? { credit: { returned: creditReturned, ...(feeTab ? { lateFee: { amount: lateFee as number, tabId: feeTab } } : {}) } } : {}),
  };
}

/** Gives back the time of the organisation's prepaid bookings not paid in time (payment.ts). */
export const lapseOverdue = (org: string) =>
  lapseUnpaid(org, (tx, b) => cancelIn(tx, b, { payment: { ...b.payment!, status: 'lapsed', dueBy: undefined } }));

connectBookingMoney((tx, type, b) => emitEvent(tx, type, b));

/** Moves the booking to a new time (and perhaps resource), keeping its id; its old time is free to overlap the new. */
export async function rescheduleBooking(org: string, bookingId: string, input: z.infer<typeof slotInput>, actor: Actor, now = Date.now()) {
  const b = await findBooking(org, bookingId, actor);
  if (input.start === b.start.getTime() && (!input.resourceId || input.resourceId === b.resourceId))
    throw new BadRequest('start: the booking is already at this time');
  mayChange(b, actor, now);
  const { candidates } = await offered(org, b.serviceId, input.start, input.resourceId, now, actor.kind === 'staff');
  const after = await withSlot(
    org,
    candidates,
    async (tx, { resource, hold, seat }) => {
      const moved = {
        resourceId: resource.id,
        resourceName: resource.name,
        start: new Date(input.start),
        end: new Date(input.start + b.durationMinutes * MINUTE),
        busyStart: new Date(hold.busyStart),
        busyEnd: new Date(hold.busyEnd),
        session: hold.session,
        seat,
        updatedAt: new Date(),
      };
      await update(tx, b, moved);
      const after: Booking = { ...b, ...moved, version: b.version + 1 };
      emitEvent(tx, 'booking.rescheduled', after, b);
      return after;
    },
    (tx) => releaseHold(tx.session, holdOf(b)),
  ); // the old time goes first, so the new one may overlap it
  return { before: b, after };
}

// Cursors are "<start ms>_<id>": the last item's position in the list's order.
const cursorOf = (b: Booking) => `${b.start.getTime()}_${b._id}`;
const BOOKING_CURSOR = timeCursor(/[A-Za-z0-9_-]{1,60}/);
function afterCursor(cursor: string | undefined, direction: 1 | -1) {
  if (!cursor) return {};
  const m = BOOKING_CURSOR.exec(cursor);
  if (!m) throw new BadRequest('cursor: use the `next` value of the previous page', [{ field: 'cursor', message: 'is not a cursor this API gave' }]);
  const start = new Date(Number(m[1]));
  const op = direction === 1 ? '$gt' : '$lt';
  return { $or: [{ start: { [op]: start } }, { start, _id: { [op]: m[2] } }] };
}

async function page(filter: { org: string }, direction: 1 | -1, limit: number, cursor?: string) {
  // $and: the filter and the cursor may each hold an $or. A first page asks the filter alone (SecantusDB plans any
  // top-level $and as a collection scan: test/db/plans.test.ts).
  const docs = await BookingModel.find(cursor ? { org: filter.org, $and: [filter, afterCursor(cursor, direction)] } : filter)
    .sort({ start: direction, _id: direction })
    .limit(limit + 1)
    .lean<Booking[]>();
  const items = docs.slice(0, limit);
  return { items, next: docs.length > limit ? cursorOf(items.at(-1)!) : undefined };
}

/** Upcoming: confirmed and not yet ended, soonest first. History: ended or cancelled, latest first. */
export async function customerBookings(org: string, customerId: string, q: z.infer<typeof listQuery>, now = Date.now()) {
  const upcoming = q.view === 'upcoming';
  const filter = upcoming
    ? { org, customerId, status: 'confirmed', end: { $gt: new Date(now) } }
    : { org, customerId, $or: [{ status: 'cancelled' }, { end: { $lte: new Date(now) } }] };
  const { items, next } = await page(filter, upcoming ? 1 : -1, q.limit, q.cursor);
  return { items: items.map((b) => customerView(b, now)), next };
}

export async function organisationBookings(org: string, q: z.infer<typeof staffListQuery>, now = Date.now()) {
  const filter = {
    org,
    start: { $gte: new Date(q.from), $lt: new Date(q.to) },
    ...(q.status ? { status: q.status } : {}),
    ...(q.resource ? { resourceId: q.resource } : {}),
  };
  const { items, next } = await page(filter, 1, q.limit, q.cursor);
  return { items: items.map((b) => staffView(b, now)), next };
}
