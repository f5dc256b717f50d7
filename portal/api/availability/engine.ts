// The availability engine: pure functions from a service, who can deliver it, their hours and what they are already
// busy with to the start times a customer may book. No database here; portal/api/availability/service.ts feeds it.
import { addDays, DAY_MS, daysBetween, instantAtWall, localAt, MINUTE, toMinutes, utcMidnight, weekdayOf, type Weekday } from './zoned.ts';

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

/** A start time on offer: `seatsLeft` summed over the resources (`resourceCount` of them) that can take it. */
export type Offer = { start: number; end: number; local: string; seatsLeft: number; resourceCount: number };
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

type Interval = { readonly start: number; readonly end: number };

/**
 * Each schedule's intervals per zone and date, for as long as the schedule object lives: the catalogue is read once
 * and shared (portal/api/availability/service.ts), so a resource's day is worked out once, not on every request.
 */
const intervalsOf = new WeakMap<Schedule, Map<string, readonly Interval[]>>();

/**
 * Working intervals (instants) on a local date, in order, overlapping or touching stretches merged: hours entered
 * twice are one stretch, so they cost nothing twice and a service may run across the join. The schedule must not
 * change once asked about (a changed resource is a new object).
 */
export function workingIntervals(schedule: Schedule, date: string, timeZone: string): readonly Interval[] {
  let days = intervalsOf.get(schedule);
  if (!days) {
    days = new Map();
    intervalsOf.set(schedule, days);
  }
  const key = `${timeZone} ${date}`;
  let intervals = days.get(key);
  if (!intervals) {
    if (days.size >= 1000) days.clear(); // years of dates asked about: start again rather than grow
    intervals = computeIntervals(schedule, date, timeZone);
    days.set(key, intervals);
  }
  return intervals;
}

function computeIntervals(schedule: Schedule, date: string, timeZone: string): Interval[] {
  const midnight = utcMidnight(date);
  const sorted = hoursOn(schedule, date)
    .map((h) => ({
      start: instantAtWall(midnight + toMinutes(h.start) * MINUTE, timeZone),
      end: instantAtWall(midnight + toMinutes(h.end) * MINUTE, timeZone),
    }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const i of sorted) {
    const last = merged.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push(i);
  }
  return merged;
}

/** Every local date from..to, inclusive. */
export const datesIn = (from: string, to: string) => Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));

/**
 * The first and last start a stretch of working hours offers under the service's rules (bookings aside): starts
 * are every interval from the stretch's start, the service must fit before its end, and the minimum notice and the
 * maximum days ahead bound them. `first > last` when it offers none.
 */
function grid(service: ServiceRules, stretch: { start: number; end: number }, now: number): { first: number; last: number; step: number } {
  const step = service.intervalMinutes * MINUTE;
  const earliest = now + service.minNoticeMinutes * MINUTE;
  const first = stretch.start + Math.max(0, Math.ceil((earliest - stretch.start) / step)) * step;
  const fits = stretch.end - service.durationMinutes * MINUTE;
  const last = Math.min(fits, now + service.maxDaysAhead * DAY_MS);
  return { first, last: stretch.start + Math.floor((last - stretch.start) / step) * step, step };
}

/**
 * Free start times per local date, one date at a time (a caller may stop when its answer is full, and let other
 * work run between dates). A start is offered by a resource when the service fits in one stretch of its working
 * hours, the time it would keep the resource busy (buffers included) overlaps none of its other bookings, a class
 * session there still has a seat, and it is no sooner than the minimum notice nor later than the maximum days
 * ahead. Work grows with resources × dates × starts per date (at most a day's worth each, overlapping hours merged)
 * plus the bookings asked about; each start is listed once, with how many resources can take it.
 */
export function* availableDays(input: AvailabilityInput): Generator<Day> {
  const { service, timeZone, now } = input;
  const length = service.durationMinutes * MINUTE;
  const { start: before, end: after } = occupied(service, 0); // a start's busy time, relative to it
  const busyOf = new Map<string, Busy[]>();
  for (const b of input.busy) {
    const list = busyOf.get(b.resourceId);
    if (list) list.push(b);
    else busyOf.set(b.resourceId, [b]);
  }
  const cursors = input.resources.map((r) => ({
    id: r.id,
    schedule: r.schedule,
    busy: (busyOf.get(r.id) ?? []).sort((a, b) => a.start - b.start),
    first: 0,
  }));
  for (const date of datesIn(input.from, input.to)) {
    const offers = new Map<number, Offer>();
    for (const resource of cursors) {
      const { busy } = resource;
      for (const stretch of workingIntervals(resource.schedule, date, timeZone)) {
        const { first, last, step } = grid(service, stretch, now);
        for (let start = first; start <= last; start += step) {
          const session = busy.length ? sessionKey(service.id, resource.id, start) : '';
          const seatsLeft = service.capacity - (busy.length ? (input.seatsTaken.get(session) ?? 0) : 0);
          if (seatsLeft <= 0) continue;
          if (busy.length) {
            const busyStart = start + before;
            const busyEnd = start + after;
            // busy[..first] all end before this start's busy time (starts only grow): never looked at again.
            while (resource.first < busy.length && busy[resource.first]!.end <= busyStart) resource.first++;
            let clash = false;
            for (let i = resource.first; !clash && i < busy.length && busy[i]!.start < busyEnd; i++)
              clash = busy[i]!.end > busyStart && busy[i]!.session !== session;
            if (clash) continue;
          }
          const offer = offers.get(start);
          if (offer) {
            offer.seatsLeft += seatsLeft;
            offer.resourceCount++;
          } else offers.set(start, { start, end: start + length, local: localAt(start, timeZone).time, seatsLeft, resourceCount: 1 });
        }
      }
    }
    yield { date, slots: [...offers.values()].sort((a, b) => a.start - b.start) };
  }
}

export const availability = (input: AvailabilityInput): Day[] => [...availableDays(input)];

/** The resources whose hours and the service's rules alone (bookings aside) offer `start`, in the given order. */
export function offeringAt(input: Pick<AvailabilityInput, 'service' | 'timeZone' | 'resources' | 'now'>, start: number): string[] {
  const date = localAt(start, input.timeZone).date;
  const offers = (stretch: { start: number; end: number }) => {
    const { first, last, step } = grid(input.service, stretch, input.now);
    return start >= first && start <= last && (start - first) % step === 0;
  };
  return input.resources.filter((r) => workingIntervals(r.schedule, date, input.timeZone).some(offers)).map((r) => r.id);
}
