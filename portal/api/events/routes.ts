// Live updates as server-sent events, read from the organisation's domain events (lib/events.ts). Staff see every
// event; a customer sees their own bookings in full and, of everyone else's, only that some time was taken or freed,
// and, with the `payments` scope, their own tabs, invoices, receipts and cards; with `memberships`, their own
// memberships and credits; with `forms` (first-party apps only), the forms they send through flows.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import type { DomainEvent, EventHub } from '../../../lib/events.ts';
import { streamEvents, type EventView } from '../../../lib/sse.ts';
import type { customerView, staffView } from '../bookings/service.ts';

type Ctx = Context & { state: BearerState };
type BookingEventData = { booking: ReturnType<typeof staffView>; previous?: { start: string; resourceId: string } };

const isBookingEvent = (e: DomainEvent) => e.type.startsWith('booking.');

/** Money events by what they carry: a tab, a document (invoice, receipt, credit note), a change to saved cards. */
function moneyEvent(e: DomainEvent, customer: boolean): { name: string; data: unknown } | undefined {
  const data = e.data as { tab?: { customer?: unknown } & Record<string, unknown>; document?: unknown };
  if (data.tab) {
    const { customer: _c, ...own } = data.tab;
    return { name: 'tab', data: { type: e.type, tab: customer ? own : data.tab } };
  }
  if (data.document) return { name: 'document', data: { type: e.type, document: data.document } };
  if (e.type.startsWith('payment_method.')) return { name: 'payment-method', data: { type: e.type } };
  return undefined;
}

/** Membership events (`membership`: status, periods, plan) and credit events (`credit`: a balance changed). */
function membershipEvent(e: DomainEvent, customer: boolean): { name: string; data: unknown } | undefined {
  const data = e.data as { membership?: { customer?: unknown } & Record<string, unknown>; credit?: unknown; bookingId?: string };
  if (data.membership) {
    const { customer: _c, ...own } = data.membership;
    return { name: 'membership', data: { type: e.type, membership: customer ? own : data.membership } };
  }
  if (data.credit)
    return {
      name: 'credit',
      data: {
        type: e.type,
        credit: data.credit,
        ...(data.bookingId ? { bookingId: data.bookingId } : {}),
        ...(customer ? {} : { customer: e.customer }),
      },
    };
  return undefined;
}
const isMembershipEvent = (e: DomainEvent) => e.type.startsWith('membership.') || e.type.startsWith('credit.');

const staffEvents: EventView = (e) =>
  isBookingEvent(e)
    ? { name: 'booking', data: { type: e.type, ...(e.data as BookingEventData) } }
    : e.type === 'form.submitted'
      ? { name: 'form', data: { type: e.type, customer: e.customer, ...(e.data as object) } }
      : isMembershipEvent(e)
        ? membershipEvent(e, false)
        : moneyEvent(e, false);

type Scopes = { payments: boolean; bookings: boolean; memberships: boolean; forms: boolean };

function customerEvents(customerId: string, scopes: Scopes): EventView {
  const { payments, bookings, memberships, forms } = scopes;
  return (e) => {
    // Their own forms only, without the customer's id the staff's stream names (it is theirs).
    if (e.type === 'form.submitted')
      return forms && e.customer === customerId ? { name: 'form', data: { type: e.type, ...(e.data as object) } } : undefined;
    if (isMembershipEvent(e)) return memberships && e.customer === customerId ? membershipEvent(e, true) : undefined;
    if (!isBookingEvent(e)) return payments && e.customer === customerId ? moneyEvent(e, true) : undefined;
    if (!bookings) return undefined;
    const { booking } = e.data as BookingEventData;
    if (e.customer === customerId) {
      const { customer: _c, createdBy: _b, seat: _s, ...own } = booking;
      return { name: 'booking', data: { type: e.type, booking: own satisfies ReturnType<typeof customerView> } };
    }
    return { name: 'availability', data: { resourceId: booking.resource.id, start: booking.start, end: booking.end } };
  };
}

export function eventClientRoutes(hub: EventHub) {
  return (router: Router) => {
    router.get('/events', requireScope(['bookings', 'payments', 'memberships', 'forms'], { customer: true }), async (ctx: Ctx) => {
      const { tenant, principal, stands } = ctx.state;
      const has = (scope: string) => principal.scopes.has(scope);
      const view = customerEvents(principal.sub, {
        payments: has('payments'),
        bookings: has('bookings'),
        memberships: has('memberships'),
        forms: has('forms'),
      });
      await streamEvents(ctx, hub, tenant.id, view, { endAt: principal.expiresAt, stands });
    });
  };
}

export function eventAdminRoutes(hub: EventHub) {
  return (router: Router) => {
    router.get('/events', async (ctx: Ctx) => {
      const { tenant, principal, stands } = ctx.state;
      await streamEvents(ctx, hub, tenant.id, staffEvents, { endAt: principal.expiresAt, stands });
    });
  };
}
