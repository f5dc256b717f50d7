// Bookings under load, through the Admin API: 20 staff, one service, 30 days. Availability is measured with no
// bookings (the baseline), with 2,000 bookings in the 30 days, and again after 20,000 past bookings are added
// (its cost must follow the bookings in the asked range, not the whole history). Booking throughput on distinct
// slots (each one transaction: booking, hold, event) is set beside the simplest audited write (creating a location)
// at the same concurrency. Set MONGODB_URI to measure MongoDB instead of the embedded SecantusDB.
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { Target } from './run.ts';
import { percentile, pool } from './measure.ts';
import { accessToken, adminPost } from './token.ts';

const STAFF = 20;
const DAYS = 30;
const BOOKINGS = 2_000;
const HISTORY = 20_000;
const CONCURRENCY = 8;
const DURATION_S = 8;

type Stats = (child: ChildProcess) => Promise<{ rss: string; dbOps: number }>;

export async function benchBookings(target: Target, child: ChildProcess, stats: Stats): Promise<void> {
  const admin = target.admin!;
  const token = await accessToken(target.issuer, admin, `${target.issuer}/admin`, 'admin');
  const api = `${target.issuer}/admin/v1`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = adminPost(target.issuer, token);

  const location = await post('locations', { name: 'Bench Spa', timeZone: 'Europe/London' });
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '08:00', end: '20:00' }));
  const staff: { id: string }[] = [];
  for (let i = 0; i < STAFF; i++) staff.push(await post('resources', { name: `Therapist ${i + 1}`, locationId: location.id, weeklyHours: everyDay }));
  const service = await post('services', {
    name: 'Massage',
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 6000, currency: 'GBP' },
    resourceIds: staff.map((s) => s.id),
    locationId: location.id,
    minNoticeMinutes: 0,
    maxDaysAhead: DAYS + 5,
  });

  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const plus = (days: number) => new Date(Date.parse(`${tomorrow}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const weekUrl = `${api}/availability?service=${service.id}&from=${plus(10)}&to=${plus(16)}`;
  const monthUrl = `${api}/availability?service=${service.id}&from=${tomorrow}&to=${plus(DAYS - 1)}`;

  // Answered days are kept until the organisation's catalogue changes, or a booking near them, so each query is
  // measured three ways: worked out afresh (a catalogue edit just before each: every day recomputed), after a
  // booking on one of its days (that day recomputed), and kept (the same query over and over).
  const rows: Record<string, string | number>[] = [];
  const fresh: Record<string, number> = {};
  let edits = 0;
  const editCatalogue = async () => {
    const res = await fetch(`${api}/locations/${location.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ address: `${++edits} Harbour Street` }),
    });
    if (res.status !== 200) throw new Error(`catalogue edit: ${res.status} ${await res.text()}`);
  };
  let held: string | undefined;
  const bookOrCancel = async () => {
    if (held) {
      const res = await fetch(`${api}/bookings/${held}/cancel`, { method: 'POST', headers });
      await res.arrayBuffer();
      held = undefined;
      return;
    }
    // Day 13 is in every measured range; the first free time of the last therapist (the 2,000 took some).
    for (let hour = 8; hour < 20 && !held; hour++) {
      const start = `${plus(13)}T${String(hour).padStart(2, '0')}:00:00.000Z`;
      const res = await fetch(`${api}/bookings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ serviceId: service.id, customerId: target.customerId, resourceId: staff.at(-1)!.id, start }),
      });
      const body = (await res.json()) as { id?: string };
      if (res.status === 201) held = body.id;
    }
    if (!held) throw new Error('no free time left on day 13 to book');
  };
  const timed = async (url: string, before: () => Promise<void>) => {
    const ms: number[] = [];
    for (let i = 0; i < 12; i++) {
      await before();
      const t0 = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b);
  };
  const measure = async (name: string, url: string) => {
    const afresh = await timed(url, editCatalogue);
    const afterBooking = await timed(url, bookOrCancel);
    if (held) await bookOrCancel(); // leave the bookings as they were
    fresh[name] = percentile(afresh, 50);
    const body = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as { days?: { slots: unknown[] }[] };
    const before = await stats(child);
    const r = await autocannon({ url, headers: { authorization: `Bearer ${token}` }, connections: CONCURRENCY, duration: DURATION_S, timeout: 60 });
    const after = await stats(child);
    rows.push({
      query: name,
      'afresh p50 ms': Math.round(percentile(afresh, 50)),
      'afresh p99 ms': Math.round(percentile(afresh, 99)),
      'after a booking p50 ms': Math.round(percentile(afterBooking, 50)),
      // Requests that did not finish within the run are not in autocannon's latencies: say so, never print 0 ms.
      'kept req/s': r.requests.total ? Math.round(r.requests.average) : `none in ${DURATION_S} s`,
      'kept p50 ms': r.requests.total ? r.latency.p50 : '-',
      'kept p99 ms': r.requests.total ? r.latency.p99 : '-',
      'non-2xx': r.non2xx,
      'slots offered': body.days ? body.days.reduce((n, d) => n + d.slots.length, 0) : 'error',
      'db ops/req (kept)': ((after.dbOps - before.dbOps) / Math.max(1, r.requests.total)).toFixed(1),
      rss: after.rss,
    });
  };

  await measure('7 days, no bookings (baseline)', weekUrl);

  // 2,000 bookings on distinct slots: every (therapist, day, hour) once at most, spread over the 30 days and the staff.
  const slots: { resourceId: string; start: string }[] = [];
  for (const member of staff) {
    const offered = (await (await fetch(`${monthUrl}&resource=${member.id}`, { headers })).json()) as { days: { slots: { start: string }[] }[] };
    for (const d of offered.days) for (const s of d.slots) slots.push({ resourceId: member.id, start: s.start });
  }
  const step = slots.length / BOOKINGS; // evenly spread, deterministic
  const chosen = Array.from({ length: BOOKINGS }, (_, i) => slots[Math.floor(i * step)]!);
  let refused = 0;
  const opsBefore = (await stats(child)).dbOps;
  const booked = await pool(
    chosen.map((s) => async () => {
      const res = await fetch(`${api}/bookings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ serviceId: service.id, customerId: target.customerId, ...s }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) refused++;
    }),
    CONCURRENCY,
  );
  const opsPerBooking = ((await stats(child)).dbOps - opsBefore) / BOOKINGS;
  const locations = await pool(
    Array.from({ length: 300 }, (_, i) => async () => void (await post('locations', { name: `Branch ${i}`, timeZone: 'Europe/London' }))),
    CONCURRENCY,
  );

  await measure(`7 days, ${BOOKINGS.toLocaleString('en')} bookings in 30 days`, weekUrl);
  await measure(`30 days, ${BOOKINGS.toLocaleString('en')} bookings in 30 days`, monthUrl);
  child.send({ history: HISTORY, org: target.org, resourceIds: staff.map((s) => s.id), serviceId: service.id });
  await once(child, 'message');
  await measure(`7 days, same + ${HISTORY.toLocaleString('en')} past bookings`, weekUrl);

  console.log(
    `Availability (GET /admin/v1/availability), ${STAFF} staff, one service; afresh and after a booking: 12 one at a time; kept: ${CONCURRENCY} connections x ${DURATION_S} s:`,
  );
  console.table(rows);
  const [base, busy, , history] = Object.values(fresh) as [number, number, number, number];
  console.log(
    `  afresh, 7 days: ${BOOKINGS.toLocaleString('en')} bookings / none ${(busy / base).toFixed(2)}x (target <= 1.5x); + ${HISTORY.toLocaleString('en')} past / ${BOOKINGS.toLocaleString('en')} bookings ${(history / busy).toFixed(2)}x (target <= 1.2x); p50 ${Math.round(busy)} ms (target <= 50 ms)\n`,
  );
  console.log(`Writes through the Admin API, ${CONCURRENCY} in flight:`);
  console.table([
    {
      write: 'POST /locations (baseline: token, role re-read, insert, audit)',
      done: locations.latencies.length,
      'per s': (locations.latencies.length / locations.wall).toFixed(0),
      'p50 ms': Math.round(percentile(locations.latencies, 50)),
      'p99 ms': Math.round(percentile(locations.latencies, 99)),
    },
    {
      write: `POST /bookings on distinct slots (seat claim, 12 time blocks, booking, event, audit)`,
      done: BOOKINGS - refused,
      refused,
      'per s': ((BOOKINGS - refused) / booked.wall).toFixed(0),
      'p50 ms': Math.round(percentile(booked.latencies, 50)),
      'p99 ms': Math.round(percentile(booked.latencies, 99)),
      'db ops/booking': opsPerBooking.toFixed(0),
    },
  ]);
}
