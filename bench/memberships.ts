// Memberships under load, over a studio's year (bench/membership-history.ts: 200 members, 12 monthly periods each in
// the credit ledger, their past bookings): booking a class on a credit (the booking's transaction plus the credit
// lookup, guarded decrement, ledger entry and credit.used event) beside plain booking of the same class by customers
// without a membership (the baseline), through the Admin API in the same run at the same concurrency, alternating in
// rounds so neither gets the warmer server; staff enrolling customers on their saved cards; then a member's own
// reads: memberships, open credits, credit history, and the member's queries explained and timed alone.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Mailbox } from '../test/support/mailbox.ts';
import { relyingParty, signIn, uniqueEmail } from '../test/support/oidc.ts';
import { figures, pool } from './measure.ts';
import type { Target } from './run.ts';
import { accessToken, adminPost } from './token.ts';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
const PERIODS = 12;
const CREDITS = 10;
/** Credits already used in the current period (the history has ~8 a period in the others). */
const USED_NOW = 3;
/** Bookings of each kind, in ROUNDS alternating rounds; each customer books BOOKINGS / MEMBERS classes. */
const BOOKINGS = 2 * MEMBERS;
const ROUNDS = 2;
const READS = 200;
/** Customers with a saved card enrolled by staff (Stripe customer, price and subscription on stripe-mock). */
const JOINS = 40;
const CONCURRENCY = 8;

/** BENCH_PROFILE=1: where each booking's database time goes, by command and collection (bench/server.ts). */
const PROFILE = process.env.BENCH_PROFILE === '1';
type DbTime = { count: number; ms: number };
type Stats = (child: ChildProcess) => Promise<{ rss: string; dbOps: number }>;
type Pooled = Awaited<ReturnType<typeof pool>>;

/** Asks the bench server to do something (bench/server.ts) and returns its answer. */
async function ask<T>(child: ChildProcess, msg: object | string): Promise<T> {
  child.send(msg);
  const [answer] = (await once(child, 'message')) as [T & { error?: string }];
  if (answer.error) throw new Error(answer.error);
  return answer;
}

export async function benchMemberships(target: Target, child: ChildProcess, stats: Stats, mailbox: Mailbox): Promise<void> {
  const token = await accessToken(target.issuer, target.admin!, `${target.issuer}/admin`, 'admin');
  const post = adminPost(target.issuer, token);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const api = `${target.issuer}/admin/v1`;

  // A studio: one room, a yoga class of 20 every hour from 06:00 to 22:00, and a plan of 10 classes a month.
  const location = await post('locations', { name: 'Bench Studio', timeZone: 'Europe/London' });
  const weeklyHours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '06:00', end: '22:00' }));
  const room = await post('resources', { name: 'Studio room', locationId: location.id, weeklyHours });
  const yoga = await post('services', {
    name: 'Yoga',
    durationMinutes: 60,
    intervalMinutes: 60,
    price: { amount: 1500, currency: 'GBP' },
    capacity: 20,
    resourceIds: [room.id],
    locationId: location.id,
    minNoticeMinutes: 0,
    maxDaysAhead: 30,
  });
  const plan = await post('plans', {
    name: 'Monthly yoga',
    price: { amount: 6000, currency: 'GBP' },
    interval: 'month',
    entitlements: [{ name: 'Yoga classes', serviceIds: [yoga.id], credits: CREDITS, whenOut: 'pay' }],
  });

  // The first member signs in for real (the portal's reads need their token); the others exist only in the database.
  const web = target.web!;
  const signedIn = await signIn(
    { baseUrl: new URL(target.issuer).origin, mailbox },
    {
      clientId: web.clientId,
      clientSecret: web.clientSecret,
      redirectUri: 'http://localhost:8080/callback',
      config: await relyingParty(target.issuer, web.clientId, web.clientSecret),
    },
    { email: uniqueEmail('member'), params: { scope: 'openid email memberships', resource: target.resource } },
  );
  const memberToken = signedIn.tokens.access_token;
  const members = [String(signedIn.tokens.claims()!.sub), ...Array.from({ length: MEMBERS - 1 }, (_, i) => `c_benchmember${i}`)];
  const plain = Array.from({ length: MEMBERS }, (_, i) => `c_benchplain${i}`);
  const joining = Array.from({ length: JOINS }, (_, i) => `c_benchjoin${i}`);
  const seeded = await ask<Record<string, number>>(child, {
    membershipHistory: { org: target.org, planId: plan.id, resourceId: room.id, members, plain, joining, periods: PERIODS, usedNow: USED_NOW },
  });

  // The coming week's classes. Booking k goes to class k mod their count (one that does not divide 2 * MEMBERS, so a
  // customer's bookings, 2 * MEMBERS apart, never share a class); plain and credit bookings alternate, so both fill
  // the same classes alike.
  const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const offered = (await (await fetch(`${api}/availability?service=${yoga.id}&from=${from}&to=${to}`, { headers })).json()) as {
    days: { slots: { start: string }[] }[];
  };
  const all = offered.days.flatMap((d) => d.slots.map((s) => s.start));
  const warmSessions = all.slice(-8);
  let count = all.length - warmSessions.length;
  while (count > 1 && (2 * MEMBERS) % count === 0) count--;
  const sessions = all.slice(0, count);
  if (sessions.length * 20 < 2 * BOOKINGS) throw new Error(`only ${all.length} classes on offer`);

  let wrong = 0;
  const book = (customerId: string, start: string, onCredit: boolean) => async () => {
    const res = await fetch(`${api}/bookings`, { method: 'POST', headers, body: JSON.stringify({ serviceId: yoga.id, customerId, start }) });
    const body = (await res.json()) as { credit?: object };
    // A credit booking must use a credit, a plain one must not: otherwise the figures measure something else.
    if (res.status !== 201 || !!body.credit !== onCredit) {
      if (++wrong <= 3) console.error(`!! booking (${onCredit ? 'credit' : 'plain'}): ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  };
  // Warm the paths (JIT, connection pools, caches) on classes not measured.
  await pool(
    warmSessions.flatMap((start, i) => [book(plain[i]!, start, false), book(members[i]!, start, true)]),
    CONCURRENCY,
  );

  // Each kind of request's runs, database operations and (BENCH_PROFILE=1) database time by command.
  type Phase = { runs: Pooled[]; ops: number; time: Map<string, DbTime> };
  const phases = new Map<string, Phase>();
  const measure = async (kind: string, work: (() => Promise<void>)[]) => {
    const phase: Phase = phases.get(kind) ?? { runs: [], ops: 0, time: new Map() };
    phases.set(kind, phase);
    const before = (await stats(child)).dbOps;
    if (PROFILE) await ask(child, 'dbTime'); // clears what came before
    phase.runs.push(await pool(work, CONCURRENCY));
    phase.ops += (await stats(child)).dbOps - before;
    if (PROFILE)
      for (const [command, t] of Object.entries(await ask<Record<string, DbTime>>(child, 'dbTime'))) {
        const sum = phase.time.get(command) ?? { count: 0, ms: 0 };
        phase.time.set(command, { count: sum.count + t.count, ms: sum.ms + t.ms });
      }
  };
  const merged = (kind: string): Pooled => {
    const runs = phases.get(kind)!.runs;
    return { latencies: runs.flatMap((x) => x.latencies).sort((a, b) => a - b), wall: runs.reduce((n, x) => n + x.wall, 0) };
  };
  const done = (kind: string) => phases.get(kind)!.runs.reduce((n, x) => n + x.latencies.length, 0);
  const opsEach = (kind: string) => phases.get(kind)!.ops / done(kind);

  const jobs = { plain: [] as (() => Promise<void>)[], credit: [] as (() => Promise<void>)[] };
  for (let k = 0; k < 2 * BOOKINGS; k++) {
    const j = k >> 1;
    const start = sessions[k % sessions.length]!;
    if (k % 2 === 0) jobs.plain.push(book(plain[j % MEMBERS]!, start, false));
    else jobs.credit.push(book(members[j % MEMBERS]!, start, true));
  }
  const per = BOOKINGS / ROUNDS;
  for (let r = 0; r < ROUNDS; r++) for (const kind of ['plain', 'credit'] as const) await measure(kind, jobs[kind].slice(r * per, (r + 1) * per));
  const bookingRow = (booking: string, kind: string) => ({ booking, ...figures(merged(kind)), 'db ops/booking': opsEach(kind) });
  const plainRow = bookingRow('plain: customer without membership (baseline)', 'plain');
  const creditRow = bookingRow('on credit: member with a year of ledger', 'credit');
  const rss = (await stats(child)).rss;

  await measure(
    'enrol',
    joining.map((customerId) => async () => {
      const res = await fetch(`${api}/memberships`, { method: 'POST', headers, body: JSON.stringify({ customerId, planId: plan.id }) });
      const body = (await res.json()) as { membership?: { status: string }; payment?: { state: string } };
      if (res.status !== 201 || body.membership?.status !== 'active' || body.payment?.state !== 'succeeded')
        throw new Error(`enrol: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }),
  );
  const enrolRow = {
    write: 'POST /admin/v1/memberships (enrol on the saved card: Stripe subscription, membership, first credits)',
    ...figures(merged('enrol')),
    'db ops each': opsEach('enrol').toFixed(1),
  };

  // A member's own reads through the Client API, with their year of history.
  const read = async (name: string, path: string) => {
    await measure(
      path,
      Array.from({ length: READS }, () => async () => {
        const res = await fetch(`${target.issuer}/api/v1/${path}`, { headers: { authorization: `Bearer ${memberToken}` } });
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status !== 200 || !body.items?.length) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      }),
    );
    return { read: name, ...figures(merged(path)), 'db ops/read': opsEach(path).toFixed(1) };
  };
  const reads = [
    await read('GET /api/v1/memberships (baseline)', 'memberships'),
    await read('GET /api/v1/credits (open credits)', 'credits'),
    await read('GET /api/v1/credits/history (newest 20 of the ledger)', 'credits/history'),
  ];
  // The history written straight into the collections and the bookings on top of it keep the ledger's rule.
  const ledger = await ask<{ buckets: number; offCount: number; off: string[] }>(child, { checkLedger: { org: target.org } });
  if (ledger.offCount) throw new Error(`${ledger.offCount} credit buckets differ from the sum of their entries, e.g. ${ledger.off.join(', ')}`);
  const explained = await ask<{ rows: object[] }>(child, { explainQueries: { org: target.org, customerId: members[0], serviceId: yoga.id } });

  console.log(
    `Memberships: a studio's year (${seeded.memberships} members x ${PERIODS} monthly periods: ${seeded.buckets!.toLocaleString('en')} credit buckets, ${seeded.entries!.toLocaleString('en')} ledger entries, ${seeded.bookings!.toLocaleString('en')} past bookings); POST /admin/v1/bookings of a 20-seat class, ${BOOKINGS} of each kind in ${ROUNDS} alternating rounds, ${CONCURRENCY} in flight:`,
  );
  console.table([plainRow, creditRow].map((r) => ({ ...r, 'db ops/booking': r['db ops/booking'].toFixed(1), rss })));
  if (wrong) console.error(`!! ${wrong} bookings were refused or used (or did not use) a credit: their figures are not valid`);
  const rate = (kind: string) => done(kind) / merged(kind).wall; // unrounded, unlike the table's
  const ratio = rate('credit') / rate('plain');
  console.log(
    `Booking on a credit runs at ${(ratio * 100).toFixed(0)}% of plain booking's throughput (credit / plain ${ratio.toFixed(2)}), p50 ${(creditRow['p50 ms'] / plainRow['p50 ms']).toFixed(2)}x, ${(creditRow['db ops/booking'] - plainRow['db ops/booking']).toFixed(1)} more db ops each.`,
  );
  console.log(`  ledger after the run: all ${ledger.buckets.toLocaleString('en')} credit buckets hold the sum of their entries`);
  console.log(`Joining, ${JOINS} customers, ${CONCURRENCY} in flight (Stripe = stripe-mock on this machine):`);
  console.table([enrolRow]);
  if (PROFILE) {
    const commands = [...new Set([...phases.values()].flatMap((p) => [...p.time.keys()]))].sort();
    console.log('Database time per request, by command (count per request x mean ms, as the driver saw it; BENCH_PROFILE=1):');
    console.table(
      commands.map((command) => ({
        command,
        ...Object.fromEntries(
          [...phases].map(([kind, p]) => {
            const t = p.time.get(command);
            return [kind, t ? `${(t.count / done(kind)).toFixed(2)} x ${(t.ms / t.count).toFixed(1)}` : '-'];
          }),
        ),
      })),
    );
  }
  console.log(`A member's reads (Client API, their own token), ${READS} each, ${CONCURRENCY} in flight:`);
  console.table(reads);
  console.log("The member's queries as the database answers them (explain, executionStats):");
  console.table(explained.rows);
}
