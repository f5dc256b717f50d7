import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { requireRole, type CustomerLookup } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { availabilityQuery, getAvailability } from '../availability/service.ts';
import { bookingCalendar } from './ics.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import * as bookings from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };

const idOf = (ctx: Ctx) => validate(bookings.bookingId, ctx.params.id);
const customer = (ctx: Ctx): bookings.Actor => ({ kind: 'customer', customerId: ctx.state.principal.sub });
const STAFF: bookings.Actor = { kind: 'staff' };

/** Staff see inactive services' availability too (to book on the customer's behalf); customers only active ones. */
function availabilityRoute(router: Router, staff: boolean) {
  router.get('/availability', async (ctx: Ctx) => {
    await bookings.lapseOverdue(ctx.state.tenant.id); // unpaid prepaid bookings give their time back first
    ctx.body = await getAvailability(ctx.state.tenant.id, validate(availabilityQuery, ctx.query), { inactive: staff });
  });
}

function calendarRoute(router: Router, actorOf: (ctx: Ctx) => bookings.Actor, ...guards: Middleware[]) {
  router.get('/bookings/:id/calendar.ics', ...guards, async (ctx: Ctx) => {
    const b = await bookings.findBooking(ctx.state.tenant.id, idOf(ctx), actorOf(ctx));
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.attachment(`booking-${b._id}.ics`);
    ctx.body = bookingCalendar(b, new URL(ctx.state.tenant.issuer).host, ctx.state.tenant.name);
  });
}

/** Customers' apps: the signed-in customer's own bookings (scopes `bookings` to read, `bookings:write` to change). */
export const bookingClientRoutes = (customers: CustomerLookup, deps: PaymentDeps) => (router: Router) => {
  const read = requireScope('bookings', { customer: true });
  const write = requireScope('bookings:write', { customer: true });
  availabilityRoute(router, false);
  router.get('/bookings', read, async (ctx: Ctx) => {
    ctx.body = await bookings.customerBookings(ctx.state.tenant.id, ctx.state.principal.sub, validate(bookings.listQuery, ctx.query));
  });
  router.post('/bookings', write, async (ctx: Ctx) => {
    const input = validate(bookings.createInput, await readBody(ctx));
    const { id: org } = ctx.state.tenant;
    const customerId = ctx.state.principal.sub;
    const created = await bookings.createBooking(deps, org, input, {
      kind: 'customer',
      customerId,
      email: (await customers.find(org, customerId))?.email,
    });
    ctx.status = 201;
    ctx.body = bookings.customerView(created);
  });
  router.get('/bookings/:id', read, async (ctx: Ctx) => {
    ctx.body = bookings.customerView(await bookings.findBooking(ctx.state.tenant.id, idOf(ctx), customer(ctx)));
  });
  calendarRoute(router, customer, read);
  router.post('/bookings/:id/cancel', write, async (ctx: Ctx) => {
    const { after, money, credit } = await bookings.cancelBooking(deps, ctx.state.tenant.id, idOf(ctx), {
      ...customer(ctx),
      timeZone: ctx.state.tenant.timeZone,
    });
    ctx.body = {
      ...bookings.customerView(after),
      ...(money ? { money } : {}),
      ...(credit ? { creditReturned: credit.returned, ...(credit.lateFee ? { lateFee: credit.lateFee } : {}) } : {}),
    };
  });
  router.post('/bookings/:id/reschedule', write, async (ctx: Ctx) => {
    const input = validate(bookings.slotInput, await readBody(ctx));
    const { after } = await bookings.rescheduleBooking(ctx.state.tenant.id, idOf(ctx), input, customer(ctx));
    ctx.body = bookings.customerView(after);
  });
};

/** Staff: every booking of the organisation; they may book for a customer and are not bound by the cancellation window. */
export const bookingAdminRoutes = (customers: CustomerLookup, deps: PaymentDeps) => (router: Router) => {
  const write = requireRole('admin');
  availabilityRoute(router, true);
  router.get('/bookings', async (ctx: Ctx) => {
    ctx.body = await bookings.organisationBookings(ctx.state.tenant.id, validate(bookings.staffListQuery, ctx.query));
  });
  router.post('/bookings', write, async (ctx: Ctx) => {
    const { customerId, ...input } = validate(bookings.staffCreateInput, await readBody(ctx));
    const { id: org } = ctx.state.tenant;
    const created = bookings.staffView(
      await bookings.createBooking(deps, org, input, { kind: 'staff', customerId, email: (await customers.find(org, customerId))?.email }),
    );
    await audit(ctx, 'booking.create', created.id, { after: created });
    ctx.status = 201;
    ctx.body = created;
  });
  router.get('/bookings/:id', async (ctx: Ctx) => {
    ctx.body = bookings.staffView(await bookings.findBooking(ctx.state.tenant.id, idOf(ctx), STAFF));
  });
  calendarRoute(router, () => STAFF);
  router.post('/bookings/:id/cancel', write, async (ctx: Ctx) => {
    const { before, after, money, credit } = await bookings.cancelBooking(deps, ctx.state.tenant.id, idOf(ctx), {
      ...STAFF,
      timeZone: ctx.state.tenant.timeZone,
    });
    ctx.body = {
      ...bookings.staffView(after),
      ...(money ? { money } : {}),
      ...(credit ? { creditReturned: credit.returned, ...(credit.lateFee ? { lateFee: credit.lateFee } : {}) } : {}),
    };
    await audit(ctx, 'booking.cancel', after._id, { before: bookings.staffView(before), after: ctx.body });
  });
  router.post('/bookings/:id/reschedule', write, async (ctx: Ctx) => {
    const input = validate(bookings.slotInput, await readBody(ctx));
    const { before, after } = await bookings.rescheduleBooking(ctx.state.tenant.id, idOf(ctx), input, STAFF);
    ctx.body = bookings.staffView(after);
    await audit(ctx, 'booking.reschedule', after._id, { before: bookings.staffView(before), after: ctx.body });
  });
};
