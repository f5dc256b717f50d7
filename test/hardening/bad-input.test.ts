// Bad input, generated: every operation of the Client API and the Admin API (from their OpenAPI documents, called
// with tokens and through the portal's and the console's API proxies), every sign-in form, the token endpoint and
// Stripe's webhook get hostile requests from fast-check (bad-input/hostile.ts). Each must be refused with a 4xx and a clear message (JSON for APIs, a page
// for browsers), none may get a 5xx, and the database must be the same afterwards. FC_SEED and FC_RUNS change the
// seed and the number of requests; a failure prints the seed and the request so it can be replayed.
import { expect } from 'chai';
import fc from 'fast-check';
import mongoose from 'mongoose';
import { apiOps, formOps, opName, type Op } from './bad-input/endpoints.ts';
import { differences, fingerprint } from './bad-input/fingerprint.ts';
import { probesFor, type Probe } from './bad-input/hostile.ts';
import { setUpWorld, type World } from './bad-input/world.ts';

const SEED = Number(process.env.FC_SEED ?? 20261129);
const RUNS = Number(process.env.FC_RUNS ?? 1000); // shared out over the operations, rounded up: about 1,080 requests
const PARALLEL = 4;

type Answer = { status: number; type: string; text: string };

/** A real value for each path parameter: the resource named by the segment before it, or the first of an enum. */
const realParams = (w: World) => (op: Op, name: string) => {
  const segments = op.path.split('/');
  const before = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
  const param = op.kind === 'api' ? op.pathParams.find((p) => p.name === name) : undefined;
  return w.ids[before] ?? (param?.schema?.enum?.[0] as string | undefined) ?? 'unknown';
};

/** The same order for the same seed (Fisher-Yates with mulberry32). */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [out[i], out[k]] = [out[k]!, out[i]!];
  }
  return out;
}

let retried = 0;

async function send(w: World, p: Probe): Promise<Answer> {
  const headers: Record<string, string> = { accept: p.accept === 'json' ? 'application/json' : 'text/html' };
  if (p.contentType) headers['content-type'] = p.contentType;
  let url: string;
  if (p.via === 'page') {
    url = `${w.t.issuer}${p.path}`;
    Object.assign(headers, {
      cookie: await w.signIn.browser.jar.getCookieString(url),
      'user-agent': w.signIn.browser.userAgent,
      'x-forwarded-for': w.signIn.browser.ip,
    });
  } else if (p.op.kind === 'api' && p.via === 'bff') {
    const browser = p.op.api === 'client' ? w.portal : w.console;
    url = `${w.t.issuer}/${p.op.api === 'client' ? 'portal' : 'admin'}/bff/api${p.path}`;
    Object.assign(headers, { cookie: await browser.jar.getCookieString(url), 'x-portico-csrf': '1', 'x-forwarded-for': browser.ip });
  } else if (p.op.kind === 'api') {
    url = `${w.t.issuer}/${p.op.api === 'client' ? 'api' : 'admin'}/v1${p.path}`;
    // Admin API reads go as the admin person or the owner machine client (picked by the path, so a replay picks alike);
    // writes as the owner, who may make every one of them.
    const token = p.op.api === 'client' ? w.tokens.customer : p.method === 'GET' && p.path.length % 2 ? w.tokens.admin : w.tokens.owner;
    headers.authorization = `Bearer ${token}`;
  } else throw new Error('a page probe of an API operation');
  if (p.query !== undefined) url += `?${p.query}`;
  let res = await fetch(url, { method: p.method, headers, body: p.body, redirect: 'manual' });
  // Past a caller's fair share of the API (lib/fair-use.ts) the answer says nothing about the input: the request is
  // made again when the server says, as a well-behaved client would, so every input reaches its route.
  while (res.status === 429 && p.via !== 'page' && res.headers.get('retry-after')) {
    await res.body?.cancel();
    retried++;
    await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after')) * 1000));
    res = await fetch(url, { method: p.method, headers, body: p.body, redirect: 'manual' });
  }
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    await res.body?.cancel(); // a live stream: its status is the answer
    return { status: res.status, type, text: '' };
  }
  return { status: res.status, type, text: await res.text() };
}

/** What is wrong with an answer to a hostile request, if anything. */
function problem(p: Probe, a: Answer, clean?: Answer): string | undefined {
  if (a.status >= 500) return `${a.status}: ${a.text.slice(0, 300)}`;
  if (p.expect === 'ignored') {
    if (!clean) return 'no clean answer to compare with';
    if (a.status !== clean.status || a.text !== clean.text)
      return `answered ${a.status} ${a.text.slice(0, 200)}; without the extras ${clean.status} ${clean.text.slice(0, 200)}`;
    return undefined;
  }
  if (a.status < 400) return `accepted: ${a.status} ${a.text.slice(0, 300)}`;
  // The sign-in pages are for browsers: a page saying what is wrong (read out: role=alert) whatever the caller
  // accepts, or JSON for API callers.
  if (p.via === 'page' && a.type.startsWith('text/html'))
    return /role="alert"[^>]*>\s*[^<\s]/.test(a.text) ? undefined : `a page without its error: ${a.status} ${a.text.slice(0, 300)}`;
  if (p.accept === 'html' && p.via === 'page') return `not a page: ${a.status} ${a.type} ${a.text.slice(0, 200)}`;
  let body: { error?: unknown; error_description?: unknown } | undefined;
  try {
    body = JSON.parse(a.text);
  } catch {
    return `not JSON: ${a.status} ${a.type} ${a.text.slice(0, 200)}`;
  }
  if (typeof body?.error !== 'string' || typeof body.error_description !== 'string' || !body.error_description.trim())
    return `no clear message: ${a.status} ${a.text.slice(0, 200)}`;
  return undefined;
}

const describeProbe = (p: Probe) => {
  const body =
    p.body === undefined
      ? ''
      : typeof p.body === 'string'
        ? ` body(${p.contentType}) ${p.body.length > 160 ? `${p.body.slice(0, 160)}… (${p.body.length} chars)` : p.body}`
        : ` body(${p.contentType ?? 'none'}) bytes ${Buffer.from(p.body).toString('hex')}`;
  return `[${p.category} via ${p.via}, accept ${p.accept}] ${p.method} ${p.path.length > 160 ? `${p.path.slice(0, 160)}…` : p.path}${p.query !== undefined ? `?${p.query.length > 160 ? `${p.query.slice(0, 160)}…` : p.query}` : ''}${body}`;
};

describe('Bad input: generated hostile requests to every API operation and sign-in form', function () {
  this.timeout(180_000);
  let w: World;
  let ops: Op[];
  let setUp = 0;

  before(async () => {
    setUp = performance.now();
    w = await setUpWorld();
    ops = [...(await apiOps(w.t.issuer, 'client')), ...(await apiOps(w.t.issuer, 'admin')), ...formOps];
  });

  it('refuses every one with a 4xx and a message, never a 5xx, and changes no document', async () => {
    console.log(`    seed ${SEED} (FC_SEED to replay, FC_RUNS=${RUNS} requests)`);
    const real = realParams(w);
    const aimed = ops.map((op) => ({ op, arb: probesFor(op, real, w.signIn.uid) }));
    const covered = aimed.filter((a) => a.arb);
    // A body or a query has more to get wrong than a path: those operations get more of the requests.
    const weight = (op: Op) =>
      1 + (op.kind === 'api' ? (op.query.length ? 2 : 0) + (op.body ? 4 : 0) : (op.query?.length ? 2 : 0) + (op.fields ? 4 : 0));
    const total = covered.reduce((n, a) => n + weight(a.op), 0);
    // Mixed, so no caller's fair share (lib/fair-use.ts) is spent by one operation's run of requests.
    const probes = shuffled(
      covered.flatMap(({ op, arb }, i) => fc.sample(arb!, { seed: SEED + i, numRuns: Math.ceil((RUNS * weight(op)) / total) })),
      SEED,
    );

    // What operations that read no input answer without hostile extras, to compare with.
    const clean = new Map<string, Answer>();
    for (const p of probes) {
      const key = `${opName(p.op)} ${p.via}`;
      if (p.expect === 'ignored' && !clean.has(key)) clean.set(key, await send(w, { ...p, query: undefined }));
    }

    const started = performance.now();
    const db = mongoose.connection.db!;
    const before = await fingerprint(db);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const categories = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < probes.length) {
        const p = probes[next++]!;
        let answer: Answer;
        try {
          answer = await send(w, p);
        } catch (err) {
          failures.push(`${opName(p.op)} ${describeProbe(p)}: no answer (${(err as Error).message}: ${String((err as Error).cause ?? '')})`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        categories.set(p.category, (categories.get(p.category) ?? 0) + 1);
        const wrong = problem(p, answer, clean.get(`${opName(p.op)} ${p.via}`));
        if (wrong) failures.push(`${opName(p.op)} ${describeProbe(p)}: ${wrong}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const settled = Date.now();
    const changed = differences(before, await fingerprint(db), settled);

    const count = (m: Map<string | number, number>) =>
      [...m]
        .sort(([a], [b]) => String(a).localeCompare(String(b)))
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
    const fiveXX = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.log(
      `    inputs generated: ${probes.length}; endpoints covered: ${covered.length} of ${ops.length} (${ops.filter((o) => o.kind === 'api').length} API operations, ${formOps.length} forms and other endpoints)`,
    );
    console.log(
      `    not covered (they read no input and act): ${
        aimed
          .filter((a) => !a.arb)
          .map((a) => opName(a.op))
          .join(', ') || 'none'
      }`,
    );
    console.log(`    statuses: ${count(statuses)}; 5xx: ${fiveXX}; made again after a 429 of fair use: ${retried}`);
    console.log(`    by kind: ${count(categories)}`);
    console.log(
      `    documents compared before and after: ${[...before.values()].reduce((n, c) => n + c.size, 0)} in ${before.size} collections; changed: ${changed.length}${changed.length ? `\n      ${changed.join('\n      ')}` : ''}`,
    );
    console.log(`    took: setting up ${Math.round(started - setUp)} ms, ${probes.length} requests ${Math.round(performance.now() - started)} ms`);
    expect(failures, `seed ${SEED}: ${failures.length} hostile requests answered wrongly:\n${failures.slice(0, 40).join('\n')}`).to.deep.equal([]);
    expect(changed, `seed ${SEED}: documents changed by hostile requests`).to.deep.equal([]);
  });
});
