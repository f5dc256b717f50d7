// Server-sent events over an organisation's domain events. Each message's id is the event's sequence number, so a
// browser that reconnects (EventSource sends Last-Event-ID) gets what it missed, up to MAX_REPLAY events.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { eventsAfter, type DomainEvent, type EventHub } from './events.ts';

/** What one listener may see of an event: a named message, or nothing. */
export type EventView = (event: DomainEvent) => { name: string; data: unknown } | undefined;

const MAX_REPLAY = 500;
/** The event streams this process is serving, so a shutdown can end them with a reconnect hint. */
const open = new Set<PassThrough>();

/** How many event streams are open on this instance. */
export const openEventStreams = () => open.size;

/**
 * Ends every event stream with a short reconnect hint (the browser comes back, to another instance, and resumes from
 * its Last-Event-ID: it misses nothing). Returns how many were open.
 */
export function endEventStreams(): number {
  const n = open.size;
  for (const out of open) {
    out.write('retry: 500\n\n');
    out.end();
  }
  return n;
}
const KEEPALIVE_MS = 20_000;

/** When a stream must end: at its access token's expiry, or sooner once what the token was issued under is revoked. */
export type StreamLease = { endAt: number; stands: () => Promise<boolean> };

/**
 * Turns the response into an event stream of `org`'s events as `view` shows them. The stream ends when its lease
 * does: at the access token's expiry, or at the first keep-alive after the token is revoked (the app, the consent,
 * the sign-in); the browser reconnects with a new token.
 */
export async function streamEvents(ctx: Context, hub: EventHub, org: string, view: EventView, lease: StreamLease): Promise<void> {
  const out = new PassThrough();
  const write = (text: string) => out.writable && out.write(text);
  let cursor = 0;
  let buffered: DomainEvent[] | null = []; // hub deliveries wait here while the replay is read
  const send = (events: DomainEvent[]) => {
    if (buffered) return void buffered.push(...events);
    for (const e of events) {
      if (e.seq <= cursor) continue;
      cursor = e.seq;
      const shown = view(e);
      if (shown) write(`id: ${e.seq}\nevent: ${shown.name}\ndata: ${JSON.stringify(shown.data)}\n\n`);
      else write(`id: ${e.seq}\n\n`); // moves the browser's Last-Event-ID on without a message
    }
  };

  const { seq, unsubscribe } = await hub.subscribe(org, send);
  const lastId = Number(ctx.get('last-event-id'));
  const from = Number.isSafeInteger(lastId) && lastId > 0 && seq - lastId <= MAX_REPLAY ? lastId : seq;
  let replay: DomainEvent[] = [];
  try {
    replay = from < seq ? await eventsAfter(org, from, seq - from) : [];
  } catch (err) {
    unsubscribe();
    throw err;
  }
  cursor = from;
  const pending = buffered;
  buffered = null;
  send([...replay, ...pending]);

  const keepalive = setInterval(() => {
    write(': keep-alive\n\n');
    lease.stands().then(
      (stands) => stands || out.end(),
      () => undefined, // the database not answering is not a revocation: the next keep-alive asks again
    );
  }, KEEPALIVE_MS);
  const end = setTimeout(() => out.end(), Math.max(0, lease.endAt - Date.now()));
  const stop = () => {
    clearInterval(keepalive);
    clearTimeout(end);
    unsubscribe();
  };
  out.on('close', stop); // Koa destroys the body when the client goes away
  open.add(out);
  out.on('close', () => open.delete(out));
  out.on('finish', () => open.delete(out));

  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('X-Accel-Buffering', 'no'); // never cached, as every answer (security-headers.ts); nor buffered by a proxy
  write(`retry: 2000\n\n`);
  ctx.body = out;
}
