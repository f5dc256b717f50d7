// The worst catalogue validation allows, and what it costs everyone else: 100 resources, each with 70 weekly
// stretches of hours (ten a day, all overlapping), a 5-minute service on a 5-minute grid, asked for 31 days through
// the Client API by an ordinary machine token. Printed: one answer's time and size (all its pages), and another
// organisation's latency idle beside the same while that query runs in a loop.
import autocannon from 'autocannon';
import type { Target } from './run.ts';
import { accessToken, adminPost } from './token.ts';

const RESOURCES = 100;
const DURATION_S = 8;

export async function benchWorstAvailability(target: Target): Promise<void> {
  const adminToken = await accessToken(target.issuer, target.admin!, `${target.issuer}/admin`, 'admin');
  const post = adminPost(target.issuer, adminToken);
  const location = await post('locations', { name: 'Worst case', timeZone: 'Europe/London' });
  const weeklyHours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].flatMap((day) =>
    Array.from({ length: 10 }, () => ({ day, start: '00:00', end: '24:00' })),
  );
  const resourceIds: string[] = [];
  for (let i = 0; i < RESOURCES; i++)
    resourceIds.push((await post('resources', { name: `Desk ${i + 1}`, kind: 'room', locationId: location.id, weeklyHours })).id);
  const service = await post('services', {
    name: 'Five minutes',
    durationMinutes: 5,
    intervalMinutes: 5,
    price: { amount: 0, currency: 'GBP' },
    resourceIds,
    locationId: location.id,
    minNoticeMinutes: 0,
    maxDaysAhead: 730,
  });

  const token = await accessToken(target.issuer, target, target.resource);
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.parse(from) + 30 * 86_400_000).toISOString().slice(0, 10);
  const url = (start: string) => `${target.issuer}/api/v1/availability?service=${service.id}&from=${start}&to=${to}`;

  // One 31-day answer, page by page.
  const pages: { ms: number; bytes: number; slots: number }[] = [];
  let next: string | undefined = from;
  while (next) {
    const t0 = performance.now();
    const res = await fetch(url(next), { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`availability: ${res.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { days: { slots: unknown[] }[]; next?: string };
    pages.push({ ms: performance.now() - t0, bytes: Buffer.byteLength(text), slots: body.days.reduce((n, d) => n + d.slots.length, 0) });
    next = body.next;
  }
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(2)} MB`;
  console.log(`Worst catalogue: ${RESOURCES} resources x 70 weekly stretches, 5-minute grid, 31 days (target: <= 1 s and <= 2 MB):`);
  console.table([
    {
      pages: pages.length,
      'first page ms': Math.round(pages[0]!.ms),
      'largest page': mb(Math.max(...pages.map((p) => p.bytes))),
      'all pages ms': Math.round(pages.reduce((n, p) => n + p.ms, 0)),
      'all pages': mb(pages.reduce((n, p) => n + p.bytes, 0)),
      slots: pages.reduce((n, p) => n + p.slots, 0),
    },
  ]);

  // Another organisation's request, idle and while this organisation asks for the worst answer over and over.
  const neighbour = target.neighbour!;
  const neighbourToken = await accessToken(neighbour.issuer, neighbour, `${neighbour.issuer}/api`);
  // A steady 50 requests/s, as a busy organisation's customers make: latency, not the most the server could take.
  const quiet = () =>
    autocannon({
      url: `${neighbour.issuer}/api/v1/company`,
      headers: { authorization: `Bearer ${neighbourToken}` },
      connections: 2,
      overallRate: 50,
      duration: DURATION_S,
    });
  await autocannon({
    url: `${neighbour.issuer}/api/v1/company`,
    headers: { authorization: `Bearer ${neighbourToken}` },
    connections: 2,
    duration: 3,
  }); // warm-up
  const idle = await quiet();
  const beside = async (noise: () => Promise<{ answers: number; refused: number; p50: number }>) => {
    const noisy = noise();
    const loaded = await quiet();
    return { loaded, heavy: await noisy };
  };
  // The same worst query over and over: after the first, kept answers and fair use (429) carry it.
  const repeated = await beside(async () => {
    const r = await autocannon({
      url: url(from),
      headers: { authorization: `Bearer ${token}` },
      connections: 4,
      duration: DURATION_S + 1,
      timeout: 60,
    });
    return { answers: r.requests.total - r.non2xx, refused: r.non2xx, p50: r.latency.p50 };
  });
  // Every answer worked out afresh: each of 4 callers books a time (which drops the organisation's kept answers),
  // then asks for the worst availability again.
  let booked = 0;
  const fresh = await beside(async () => {
    const latencies: number[] = [];
    let refused = 0;
    const until = performance.now() + (DURATION_S + 1) * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async (_, caller) => {
        while (performance.now() < until) {
          const start = new Date(Date.parse(`${from}T00:00:00Z`) + booked++ * 5 * 60_000).toISOString();
          const made = await fetch(`${target.issuer}/admin/v1/bookings`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ serviceId: service.id, start, resourceId: resourceIds[caller], customerId: target.customerId }),
          });
          await made.arrayBuffer();
          const t0 = performance.now();
          const res = await fetch(url(from), { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
          if (res.status === 200) latencies.push(performance.now() - t0);
          else refused++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { answers: latencies.length, refused, p50: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0) };
  });
  const row = (name: string, r: autocannon.Result, heavy?: { answers: number; refused: number; p50: number }) => ({
    while: name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    'p99 vs idle': heavy ? `${(r.latency.p99 / Math.max(1, idle.latency.p99)).toFixed(1)}x (target <= 2x)` : '',
    'worst answers': heavy ? `${heavy.answers} (+${heavy.refused} refused), p50 ${heavy.p50} ms` : '',
  });
  console.log(`Another organisation's GET /api/v1/company (50 requests/s), idle and beside 4 callers asking for the worst availability:`);
  console.table([
    row('idle', idle),
    row('the same query, repeated', repeated.loaded, repeated.heavy),
    row('each answer afresh (a booking between)', fresh.loaded, fresh.heavy),
  ]);
  console.log();
}
