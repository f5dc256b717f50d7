// Availability as the APIs serve it: reads the service, its resources and the bookings in the asked range (through
// indexes on what it reads), then lets the pure engine decide.
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { BookingModel, type Booking } from '../bookings/model.ts';
import type { ChangeFeed } from '../../../lib/changes.ts';
import { OrgCache, wholeOrganisation, type Scope } from '../../../lib/org-cache.ts';
import { LocationModel, ResourceModel, ServiceModel } from '../catalogue/model.ts';
import { SITTINGS, sittingOf } from '../bookings/holds.ts';
import { catalogueId, getLocation, getService, resourcesByIds, type ResourceView } from '../catalogue/service.ts';
import { cooperative } from '../../../lib/cooperate.ts';
import { turns } from '../../../lib/turns.ts';
import { availableDays, datesIn, type Busy } from './engine.ts';
import { addDays, DAY_MS, daysBetween, instantOf, MINUTE, today } from './zoned.ts';

export const MAX_RANGE_DAYS = 31;
/** Start times per answer at most (ten full days at 5-minute steps, so a week always fits); `next` asks for more. */
export const MAX_SLOTS = 3000;

export const availabilityQuery = z.strictObject({
  service: catalogueId,
  from: z.iso.date('use YYYY-MM-DD'),
  to: z.iso.date('use YYYY-MM-DD'),
  resource: catalogueId.optional(),
});

type Bookable = {
  service: Awaited<ReturnType<typeof getService>>;
  location: Awaited<ReturnType<typeof getLocation>>;
  timeZone: string;
  resources: ResourceView[];
};

/** An answer's day as the APIs serve it. */
type DayView = { date: string; slots: { start: string; end: string; local: string; seatsLeft: number; resourceCount: number }[] };

/**
 * Bookables are read once per process and kept until the organisation's catalogue changes; answered days until its
 * catalogue or bookings change (or the day comes within the minimum notice). Set by `useAvailabilityCaches`.
 */
let catalogue: OrgCache<Bookable> | undefined;
let answered: OrgCache<{ day: DayView; until: number }> | undefined;

/** Keeps bookables and answered days in memory, dropped by the change feed: the first server in a process sets it, once. */
export function useAvailabilityCaches(feed: ChangeFeed): void {
  const collections = [ServiceModel, ResourceModel, LocationModel].map((m) => m.collection.collectionName);
  catalogue ??= new OrgCache(feed, collections);
  // A booking, cancellation or move takes or gives back a seat of a sitting, whose _id names its start: it drops the
  // days whose starts it may clash with, in any zone (a sitting and a start's busy time each last at most a day and
  // eight hours of buffers; zones are within 14 hours of UTC): two days either side of its start.
  // A day of the worst catalogue is ~60 KB: 2,000 of them bound the memory.
  const touched: Scope = (doc) => {
    const sitting = sittingOf(doc._id);
    if (!sitting) return wholeOrganisation(doc);
    const days = new Set([-2, -1, 0, 1, 2].map((d) => new Date(sitting.start + d * DAY_MS).toISOString().slice(0, 10)));
    return { org: sitting.org, which: (key: string) => days.has(key.slice(key.lastIndexOf('|') + 1)) };
  };
  answered ??= new OrgCache(feed, [...collections, SITTINGS], { maxValues: 2_000, scopes: { [SITTINGS]: touched } });
}

/**
 * A service with its location's time zone and the resources asked about (all who deliver it, or one of them). The
 * answer is shared by every request of the organisation until its catalogue changes: read it, never change it.
 */
export async function bookable(org: string, serviceId: string, resourceId?: string, options: { inactive?: boolean } = {}): Promise<Bookable> {
  const found = await (catalogue ? catalogue.get(org, serviceId, () => readBookable(org, serviceId)) : readBookable(org, serviceId));
  if (!found.service.active && !options.inactive) throw new NotFound('No such service.');
  if (!resourceId) return found;
  if (!found.service.resourceIds.includes(resourceId)) throw new NotFound('That resource does not deliver this service.');
  return { ...found, resources: found.resources.filter((r) => r.id === resourceId) };
}

async function readBookable(org: string, serviceId: string): Promise<Bookable> {
  const service = await getService(org, serviceId);
  const [location, resources] = await Promise.all([getLocation(org, service.locationId), resourcesByIds(org, service.resourceIds)]);
  // Keep the service's order of resources: it is the order "anyone" is tried in.
  const ordered = service.resourceIds.flatMap((id) => resources.filter((r) => r.id === id));
  return { service, location, timeZone: location.timeZone, resources: ordered };
}

/**
 * The filter for an organisation's confirmed bookings that may keep something busy at some time in [start, end),
 * served by the index { org, status, busyStart } (equalities, then the range). A booking is at most a day plus
 * buffers long, so one that overlaps the range started at most two days before.
 */
export const busyFilter = (org: string, start: number, end: number) => ({
  org,
  status: 'confirmed',
  busyStart: { $gte: new Date(start - 2 * DAY_MS), $lt: new Date(end) },
});

type BusyBooking = Pick<Booking, 'resourceId' | 'busyStart' | 'busyEnd' | 'session'>;

/**
 * Confirmed bookings keeping these resources busy at some time in [start, end): what the engine needs of them. One
 * range query whatever the number of resources; the resources are picked here, as SecantusDB plans `resourceId:
 * {$in}` beside the range as a collection scan. What it reads follows the organisation's bookings in the range, never
 * its history.
 */
export async function busyBetween(org: string, resourceIds: string[], start: number, end: number): Promise<BusyBooking[]> {
  const wanted = new Set(resourceIds);
  const all = await BookingModel.find(busyFilter(org, start, end), { _id: 0, resourceId: 1, busyStart: 1, busyEnd: 1, session: 1 }).lean<
    BusyBooking[]
  >();
  return all.filter((b) => wanted.has(b.resourceId));
}

/**
 * An organisation's availability answers, two at a time within this process and at most 20 waiting: a burst of the
 * largest answers queues behind itself while other organisations' requests go on.
 */
const inTurn = turns(2, 20);

export function getAvailability(...args: Parameters<typeof computeAvailability>) {
  return inTurn(args[0], () => computeAvailability(...args));
}

async function computeAvailability(org: string, query: z.infer<typeof availabilityQuery>, options: { inactive?: boolean } = {}, now = Date.now()) {
  if (query.to < query.from) throw new BadRequest('to: must not be before from', [{ field: 'to', message: 'must not be before from' }]);
  if (daysBetween(query.from, query.to) >= MAX_RANGE_DAYS)
    throw new BadRequest(`to: ask for at most ${MAX_RANGE_DAYS} days at a time`, [
      { field: 'to', message: `at most ${MAX_RANGE_DAYS} days after from` },
    ]);
  const found = await bookable(org, query.service, query.resource, options);
  const { service, timeZone, resources } = found;
  const keyOf = (date: string) => `${service.id}|${query.resource ?? ''}|${date}`;
  const dates = datesIn(query.from, query.to);
  const kept = await Promise.all(
    dates.map(async (date) => {
      const hit = await answered?.peek(org, keyOf(date));
      return hit && now < hit.until ? hit.day : undefined;
    }),
  );
  const pause = cooperative();
  const days: DayView[] = [];
  let slots = 0;
  let next: string | undefined;
  let fresh: Iterator<DayView> | undefined; // the days computed for the run of dates nothing was kept for
  for (const [i, date] of dates.entries()) {
    if (!kept[i]) fresh ??= await computeDays(org, found, date, dates[lastMissing(kept, i)]!, now, keyOf);
    const day = kept[i] ?? fresh!.next().value!;
    if (kept[i]) fresh = undefined;
    if (days.length && slots + day.slots.length > MAX_SLOTS) {
      next = date;
      break;
    }
    days.push(day);
    slots += day.slots.length;
    await pause();
  }
  return {
    serviceId: service.id,
    timeZone,
    today: today(now, timeZone),
    from: query.from,
    to: days.at(-1)!.date,
    ...(query.resource ? { resource: { id: query.resource, name: resources[0]!.name } } : {}),
    days,
    ...(next ? { next } : {}),
  };
}

/** The index of the last of the run of missing days that starts at `i`. */
function lastMissing(kept: (DayView | undefined)[], i: number): number {
  let j = i;
  while (j + 1 < kept.length && !kept[j + 1]) j++;
  return j;
}

/**
 * Works out the days from..to (one range read of bookings, then the engine, day by day as they are taken), keeping
 * each day whose answer cannot change with time alone: all of it past the minimum notice (until it comes within
 * it) and before the maximum days ahead.
 */
async function computeDays(
  org: string,
  { service, timeZone, resources }: Bookable,
  from: string,
  to: string,
  now: number,
  keyOf: (date: string) => string,
): Promise<Iterator<DayView>> {
  const mark = answered?.mark() ?? 0;
  // Starts are offered within the asked dates, so a start keeps its resource busy from the first date's midnight less
  // the buffer before, to the day after the last date plus the service's length and buffer after: only bookings
  // overlapping that time matter.
  const start = instantOf(from, 0, timeZone) - service.bufferBeforeMinutes * MINUTE;
  const end = instantOf(addDays(to, 1), 0, timeZone) + (service.durationMinutes + service.bufferAfterMinutes) * MINUTE;
  const bookings = await busyBetween(
    org,
    resources.map((r) => r.id),
    start,
    end,
  );
  const busy: Busy[] = bookings.map((b) => ({
    resourceId: b.resourceId,
    start: b.busyStart.getTime(),
    end: b.busyEnd.getTime(),
    session: b.session,
  }));
  const seatsTaken = new Map<string, number>();
  for (const b of bookings) seatsTaken.set(b.session, (seatsTaken.get(b.session) ?? 0) + 1);
  const engine = availableDays({ service, timeZone, resources: resources.map((r) => ({ id: r.id, schedule: r })), busy, seatsTaken, from, to, now });
  return (function* () {
    for (const d of engine) {
      const day: DayView = {
        date: d.date,
        slots: d.slots.map((s) => ({
          start: new Date(s.start).toISOString(),
          end: new Date(s.end).toISOString(),
          local: s.local,
          seatsLeft: s.seatsLeft,
          resourceCount: s.resourceCount,
        })),
      };
      const until = instantOf(d.date, 0, timeZone) - service.minNoticeMinutes * MINUTE;
      const settled = instantOf(addDays(d.date, 1), 0, timeZone) <= now + service.maxDaysAhead * DAY_MS;
      if (answered && settled && now < until) void answered.set(org, keyOf(d.date), { day, until }, mark);
      yield day;
    }
  })();
}
