// The availability engine: pure functions from a service, who can deliver it, their hours and what they are already
// busy with to the start times a customer may book. No database here; portal/api/availability/service.ts feeds it.
import { addDays, DAY_MS, daysBetween, instantOf, localAt, MINUTE, toMinutes, weekdayOf, type Weekday } from './zoned.ts';

export type Hours = { start: string; end: string }; // local HH:MM, end after start
export type Schedule = {
  weeklyHours: (Hours & { day: Weekday })[];
  /** Replace the weekly hours on dates from..to (inclusive): no hours = closed (holidays, time off). */
  exceptions: { from: string; to: string; hours: Hours[] }[];
};

export type ServiceRules = {
  id: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  capacity: number;
  /** Start times are every this many minutes from the start of each stretch of working hours. */
  intervalMinutes: number;
  minNoticeMinutes: number;
  maxDaysAhead: number;
};

/** Time a confirmed booking keeps a resource busy, buffers included. Seats of one session share it. */
export type Busy = { resourceId: string; start: number; end: number; session: string };

export type Offer = { start: number; end: number; local: string; resources: { id: string; seatsLeft: number }[] };
export type Day = { date: string; slots: Offer[] };

export type AvailabilityInput = {
  service: ServiceRules;
  timeZone: string;
  resources: { id: string; schedule: Schedule }[];
  busy: Busy[];
  /** Seats already taken per session (sessionKey). */
  seatsTaken: ReadonlyMap<string, number>;
  from: string; // local dates, inclusive
  to: string;
  now: number;
};

/** One sitting of a service: everyone booked on it shares the resource's time (a class), up to its capacity. */
export const sessionKey = (serviceId: string, resourceId: string, start: number) => `${serviceId}|${resourceId}|${start}`;

/** The time a booking starting at `start` keeps its resource busy. */
export function occupied(service: ServiceRules, start: number): { start: number; end: number } {
  return { start: start - service.bufferBeforeMinutes * MINUTE, end: start + (service.durationMinutes + service.bufferAfterMinutes) * MINUTE };
}

export function hoursOn(schedule: Schedule, date: string): Hours[] {
  const exception = schedule.exceptions.findLast((e) => e.from <= date && date <= e.to);
  if (exception) return exception.hours;
  const day = weekdayOf(date);
  return schedule.weeklyHours.filter((h) => h.day === day);
}

/** Working intervals (instants) on a local date, in order. */
export function workingIntervals(schedule: Schedule, date: string, timeZone: string): { start: number; end: number }[] {
  return hoursOn(schedule, date)
    .map((h) => ({ start: instantOf(date, toMinutes(h.start), timeZone), end: instantOf(date, toMinutes(h.end), timeZone) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
}

/** Every local date from..to, inclusive. */
export const datesIn = (from: string, to: string) => Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));

/**
 * Free start times per local date. A start is offered by a resource when the service fits in one stretch of its
 * working hours, the time it would keep the resource busy (buffers included) overlaps none of its other bookings,
 * a class session there still has a seat, and it is no sooner than the minimum notice nor later than the maximum
 * days ahead. Work grows with the resources, days and bookings asked about, nothing else.
 */
export function availability(input: AvailabilityInput): Day[] {
  const { service, timeZone, now } = input;
  const earliest = now + service.minNoticeMinutes * MINUTE;
  const latest = now + service.maxDaysAhead * DAY_MS;
  const step = service.intervalMinutes * MINUTE;
  const length = service.durationMinutes * MINUTE;
  const byDate = new Map<string, Map<number, Offer>>(datesIn(input.from, input.to).map((d) => [d, new Map()]));

  for (const resource of input.resources) {
    const busy = input.busy.filter((b) => b.resourceId === resource.id).sort((a, b) => a.start - b.start);
    let first = 0; // busy[..first] all end before the current candidate's busy time starts
    for (const [date, offers] of byDate) {
      for (const stretch of workingIntervals(resource.schedule, date, timeZone)) {
        for (let start = stretch.start; start + length <= stretch.end; start += step) {
          if (start < earliest || start > latest) continue;
          const session = sessionKey(service.id, resource.id, start);
          const seatsLeft = service.capacity - (input.seatsTaken.get(session) ?? 0);
          if (seatsLeft <= 0) continue;
          const busyTime = occupied(service, start);
          while (first < busy.length && busy[first]!.end <= busyTime.start) first++;
          let clash = false;
          for (let i = first; i < busy.length && busy[i]!.start < busyTime.end; i++) {
            if (busy[i]!.end > busyTime.start && busy[i]!.session !== session) clash = true;
          }
          if (clash) continue;
          let offer = offers.get(start);
          if (!offer) offers.set(start, (offer = { start, end: start + length, local: localAt(start, timeZone).time, resources: [] }));
          offer.resources.push({ id: resource.id, seatsLeft });
        }
      }
    }
  }
  return [...byDate].map(([date, offers]) => ({ date, slots: [...offers.values()].sort((a, b) => a.start - b.start) }));
}

/** The resources whose hours and the service's rules alone (bookings aside) offer `start`, in the given order. */
export function offeringAt(input: Omit<AvailabilityInput, 'busy' | 'seatsTaken' | 'from' | 'to'>, start: number): string[] {
  const date = localAt(start, input.timeZone).date;
  // A stretch may start the evening before (past midnight), so the day before is asked too.
  const days = availability({ ...input, busy: [], seatsTaken: new Map(), from: addDays(date, -1), to: date });
  const ids = new Set(days.flatMap((d) => d.slots.filter((s) => s.start === start).flatMap((s) => s.resources.map((r) => r.id))));
  return input.resources.map((r) => r.id).filter((id) => ids.has(id));
}
