// Dates, times and money for bookings, with Intl only. Calendar dates (`YYYY-MM-DD`) are the location's own, so they
// are formatted at noon UTC in UTC (never shifted by the browser's zone); instants are formatted in the location's zone.
import { formatMoney } from '../../shared/money.ts';

const lang = () => document.documentElement.lang || 'en';

/** Today's date (`YYYY-MM-DD`) in an IANA time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b`. */
export const daysBetween = (a: string, b: string): number => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

const noon = (date: string) => new Date(`${date}T12:00:00Z`);

/** "Tuesday 3 December" (with the year when asked). */
export function formatDay(date: string, year = false): string {
  const o: Intl.DateTimeFormatOptions = { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' };
  return new Intl.DateTimeFormat(lang(), year ? { ...o, year: 'numeric' } : o).format(noon(date));
}

/** "3 – 9 Dec 2025" */
export function formatDays(from: string, to: string): string {
  return new Intl.DateTimeFormat(lang(), { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).formatRange(noon(from), noon(to));
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The zone's short name at that instant ("GMT", "BST") when it is not the browser's zone, else ''. */
export function zoneLabel(iso: string, timeZone: string): string {
  if (timeZone === browserZone()) return '';
  const parts = new Intl.DateTimeFormat(lang(), { timeZone, timeZoneName: 'short' }).formatToParts(new Date(iso));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/** "Tuesday 3 December 2025, 10:00 GMT": an instant in a location's zone (zone name only if not the browser's). */
export function formatWhen(iso: string, timeZone: string): string {
  const day = new Intl.DateTimeFormat(lang(), { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso));
  return `${day}, ${formatTime(iso, timeZone)}`;
}

/** "10:15" (plus the zone's name when not the browser's): an instant's time of day in a location's zone. */
export function formatTime(iso: string, timeZone: string): string {
  const time = new Intl.DateTimeFormat(lang(), { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  const zone = zoneLabel(iso, timeZone);
  return `${time}${zone ? ` ${zone}` : ''}`;
}

/** Minor units → "£45.00" (the currency's own number of decimals): one formatter for both browser apps. */
export { formatMoney };

/** `formatMoney` for the money API's shapes, which carry the currency once beside bare amounts. */
export const money = (amount: number, currency: string): string => formatMoney({ amount, currency });

/** "3 December 2025": an instant's date in a zone (the business's for its documents), the browser's without one. */
export const formatDateIn = (iso: string, timeZone?: string): string =>
  new Intl.DateTimeFormat(lang(), { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso));

/** A location's own date and time ("Tuesday 3 December 2025, 10:00"), plus the zone's name if not the browser's. */
export function formatLocal(date: string, time: string, iso: string, timeZone: string): string {
  const zone = zoneLabel(iso, timeZone);
  return `${formatDay(date, true)}, ${time}${zone ? ` ${zone}` : ''}`;
}
