// The worst catalogue validation allows, and what it costs everyone else: 100 resources, each with 70 weekly
// stretches of hours (ten a day, all overlapping), a 5-minute service on a 5-minute grid, asked for 31 days through
// the Client API by an ordinary machine token. Printed: one answer's time and size (all its pages), and another
// organisation's latency idle beside the same while that query runs in a loop.
import autocannon from 'autocannon';
import type { Target } from './run.ts';
import { accessToken } from './token.ts';

const RESOURCES = 100;
const DURATION_S = 8;

export async function benchWorstAvailability(target: Target): Promise<void> {
  const adminToken = await accessToken(target.issuer, target.admin!, `${target.issuer}/admin`, 'admin');
  const post = async (path: string, body: object) => {
    const res = await fetch(`${target.issuer}/admin/v1/${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { id: string };
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const location = await post('locations', { name: 'Worst case', timeZone: 'Europe/London' });
  const weeklyHours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].flatMap((day) => Array.from({ length: 10 }, () => ({ day, start: '00:00', end: '24:00' })));
  const resourceIds: string[] = [];
  for (let i = 0; i < RESOURCES; i++) resourceIds.push((await post('resources', { name: `Desk ${i + 1}`, kind: 'room', locationId: location.id, weeklyHours })).id);
  const service = await post('services', { name: 'Five minutes', durationMinutes: 5, intervalMinutes: 5, price: { amount: 0, currency: 'GBP' }, resourceIds, locationId: location.id, minNoticeMinutes: 0, maxDaysAhead: 730 });

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
  const quiet = () => autocannon({ url: `${neighbour.issuer}/api/v1/company`, headers: { authorization: `Bearer ${neighbourToken}` }, connections: 2, overallRate: 50, duration: DURATION_S });
  const idle = await quiet();
  const noisy = autocannon({ url: url(from), headers: { authorization: `Bearer ${token}` }, connections: 4, duration: DURATION_S + 1, timeout: 60 });
  const loaded = await quiet();
  const heavy = await noisy;
  console.log(`Another organisation's GET /api/v1/company (50 requests/s), idle and beside 4 connections asking for the worst availability:`);
  console.table([
    { while: 'idle', 'req/s': Math.round(idle.requests.average), 'p50 ms': idle.latency.p50, 'p99 ms': idle.latency.p99 },
    { while: 'beside the worst availability', 'req/s': Math.round(loaded.requests.average), 'p50 ms': loaded.latency.p50, 'p99 ms': loaded.latency.p99, 'p99 vs idle': `${(loaded.latency.p99 / Math.max(1, idle.latency.p99)).toFixed(1)}x (target <= 2x)` },
  ]);
  console.log(`  (the worst availability meanwhile: ${heavy.requests.total} answers, ${heavy.non2xx} of them not 2xx, p50 ${heavy.latency.p50} ms)\n`);
}
