// Live updates as server-sent events, read from the organisation's domain events (lib/events.ts). Staff see every
// event; a customer sees their own bookings in full and, of everyone else's, only that some time was taken or freed.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import type { DomainEvent, EventHub } from '../../../lib/events.ts';
import { streamEvents, type EventView } from '../../../lib/sse.ts';
import { customerView, type staffView } from '../bookings/service.ts';

type Ctx = Context & { state: BearerState };
type BookingEventData = { booking: ReturnType<typeof staffView>; previous?: { start: string; resourceId: string } };

const isBookingEvent = (e: DomainEvent) => e.type.startsWith('booking.');

const staffEvents: EventView = (e) => (isBookingEvent(e) ? { name: 'booking', data: { type: e.type, ...(e.data as BookingEventData) } } : undefined);

function customerEvents(customerId: string): EventView {
  return (e) => {
    if (!isBookingEvent(e)) return undefined;
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
    router.get('/events', requireScope('bookings', { customer: true }), async (ctx: Ctx) => {
      const { tenant, principal } = ctx.state;
      await streamEvents(ctx, hub, tenant.id, customerEvents(principal.sub), principal.expiresAt);
    });
  };
}

export function eventAdminRoutes(hub: EventHub) {
  return (router: Router) => {
    router.get('/events', async (ctx: Ctx) => {
      await streamEvents(ctx, hub, ctx.state.tenant.id, staffEvents, ctx.state.principal.expiresAt);
    });
  };
}
