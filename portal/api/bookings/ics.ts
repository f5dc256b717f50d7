// A booking as an iCalendar file (RFC 5545) for "Add to calendar". Times are UTC, so no VTIMEZONE is needed; UID and
// SEQUENCE stay with the booking, so importing it again after a reschedule or cancellation updates the same event.
import type { Booking } from './model.ts';

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
/**
 * A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line break (CRLF, or a lone CR or LF,
 * which calendar apps also break lines at) written as \n, other control characters but tab dropped: a name can
 * never end the line and start a property of its own.
 */
const text = (s: string) =>
  s
    .replace(/[\\;,]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[^\P{Cc}\t]/gu, '');

/** Lines longer than 75 octets are folded: CRLF and one space, never inside a UTF-8 character. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  for (const ch of line) {
    if (Buffer.byteLength(current + ch) > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = '';
    }
    current += ch;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function bookingCalendar(b: Booking, host: string, organisation: string): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//Portico//${text(organisation)}//EN`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${b._id}@${host}`,
    `DTSTAMP:${stamp(b.updatedAt)}`,
    `SEQUENCE:${b.version - 1}`,
    `DTSTART:${stamp(b.start)}`,
    `DTEND:${stamp(b.end)}`,
    `SUMMARY:${text(`${b.serviceName} at ${organisation}`)}`,
    `LOCATION:${text([b.locationName, b.address].filter(Boolean).join(', '))}`,
    `DESCRIPTION:${text(`With ${b.resourceName}. Booking reference ${b._id}.`)}`,
    `STATUS:${b.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
