// A membership's calendar: period n runs from the anchor plus n-1 intervals to the anchor plus n, counted on the
// organisation's wall clock (a monthly period starting at local midnight on the 31st ends at local midnight on the
// last day of a shorter month, and a period crossing a daylight-saving change is an hour shorter or longer).
import { DAY_MS, instantOf, localAt, utcMidnight } from '../availability/zoned.ts';
import type { Interval } from './model.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** The local date `count` intervals after `date` (day of month clamped to the month's last day). */
export function addIntervals(date: string, interval: Interval, count: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (interval === 'week') return new Date(utcMidnight(date) + count * 7 * DAY_MS).toISOString().slice(0, 10);
  const months = interval === 'month' ? count : count * 12;
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}-${pad(Math.min(d, last))}`;
}

/** Local midnight of the day `instant` falls on. */
export const startOfDay = (instant: number, timeZone: string) => instantOf(localAt(instant, timeZone).date, 0, timeZone);

/** Local midnight `days` days after the day of `instant`. */
export const daysAfter = (instant: number, days: number, timeZone: string) => {
  const date = new Date(utcMidnight(localAt(instant, timeZone).date) + days * DAY_MS).toISOString().slice(0, 10);
  return instantOf(date, 0, timeZone);
};

export type Calendar = { anchor: number; interval: Interval; timeZone: string };

/** Where period n begins (period n ends where n+1 begins). */
export function periodStart(c: Calendar, n: number): number {
  const anchor = localAt(c.anchor, c.timeZone);
  return instantOf(addIntervals(anchor.date, c.interval, n - 1), anchor.minutes, c.timeZone);
}

/** The period `instant` falls in (0 before the anchor: a trial). */
export function periodAt(c: Calendar, instant: number): number {
  if (instant < c.anchor) return 0;
  // Estimate from the interval's rough length, then step to the exact period.
  const rough = { week: 7, month: 30.44, year: 365.25 }[c.interval] * DAY_MS;
  let n = Math.max(1, Math.floor((instant - c.anchor) / rough) + 1);
  while (n > 1 && periodStart(c, n) > instant) n--;
  while (periodStart(c, n + 1) <= instant) n++;
  return n;
}

/** The period nearest to `instant` by its start: which period a Stripe invoice for a period starting then pays. */
export function periodStartingNear(c: Calendar, instant: number): number {
  const n = Math.max(1, periodAt(c, instant));
  return Math.abs(periodStart(c, n + 1) - instant) < Math.abs(periodStart(c, n) - instant) ? n + 1 : n;
}
