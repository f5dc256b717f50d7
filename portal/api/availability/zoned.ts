// Wall-clock time in an IANA time zone, with nothing but Intl: local date + minutes ↔ UTC instants. Daylight-saving
// rules are the runtime's (ICU tz database), so they stay current without a dependency.
export const MINUTE = 60_000;
export const DAY_MS = 24 * 60 * MINUTE;

const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>(); // zone → quarter hour → minutes ahead of UTC

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: string): boolean {
  try {
    format(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Minutes the zone is ahead of UTC at `instant`. Offsets only change on a quarter hour, so they are remembered per
 * zone and quarter hour: a week of availability needs a handful of Intl calls, not one per slot.
 */
export function offsetMinutes(instant: number, timeZone: string): number {
  const quarter = Math.floor(instant / (15 * MINUTE));
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const p = Object.fromEntries(
      format(timeZone)
        .formatToParts(quarter * 15 * MINUTE)
        .map((x) => [x.type, Number(x.value)]),
    );
    offset = Math.round((Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - quarter * 15 * MINUTE) / MINUTE);
    if (zone.size > 100_000) zone.clear();
    zone.set(quarter, offset);
  }
  return offset;
}

const pad = (n: number) => String(n).padStart(2, '0');
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** `YYYY-MM-DD` as midnight UTC, the arithmetic base for local dates. */
export const utcMidnight = (date: string) => Date.parse(`${date}T00:00:00Z`);

export const addDays = (date: string, days: number) => dateOf(utcMidnight(date) + days * DAY_MS);
export const daysBetween = (from: string, to: string) => Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS);
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const weekdayOf = (date: string): Weekday => WEEKDAYS[new Date(utcMidnight(date)).getUTCDay()]!;

export const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/** The local date and time at `instant`. */
export function localAt(instant: number, timeZone: string): { date: string; minutes: number; time: string } {
  const wall = instant + offsetMinutes(instant, timeZone) * MINUTE;
  const minutes = Math.floor((wall % DAY_MS) / MINUTE);
  return { date: dateOf(wall), minutes, time: hhmm(minutes) };
}

/**
 * The instant a local date and time names. Like Temporal's "compatible" choice: a time that happens twice (clocks
 * going back) is its first occurrence; a time that never happens (clocks going forward) is moved forward by the gap,
 * so 01:30 on London's spring-forward day is 02:30 BST.
 */
export function instantOf(date: string, minutes: number, timeZone: string): number {
  return instantAtWall(utcMidnight(date) + minutes * MINUTE, timeZone);
}

/** instantOf for a wall-clock time given as milliseconds from 1970-01-01 00:00 local (so a date is parsed once). */
export function instantAtWall(wall: number, timeZone: string): number {
  const before = wall - offsetMinutes(wall - DAY_MS, timeZone) * MINUTE;
  const after = wall - offsetMinutes(wall + DAY_MS, timeZone) * MINUTE;
  const valid = [before, after].filter((t) => t + offsetMinutes(t, timeZone) * MINUTE === wall);
  return valid.length ? Math.min(...valid) : before;
}

/** Today's date in the zone. */
export const today = (now: number, timeZone: string) => localAt(now, timeZone).date;
