// Domain events: every state change appends one (organisation, type, subject, data, time), numbered 1, 2, 3, … per
// organisation with no gaps. Live views (server-sent events), webhooks and analytics read them by sequence, which
// works on MongoDB and FerretDB alike and across server instances (no change streams).
//
// The sequence is kept without transactions or counters: event n is inserted with `_id` "<org>|<n>", so of two
// writers trying the same n exactly one wins and the other moves on; n + 1 is only tried once n exists, so there
// are never gaps. Readers then need nothing but `_id` lookups, which stay fast on FerretDB however many events
// there are (it does not push ranges or sorts on `_id` down to SQLite, but it does push equality).
import mongoose from 'mongoose';
import { isDuplicateKey } from './db.ts';
import type { Logger } from './log.ts';
import { orgScopedSchema } from './tenancy.ts';

export type DomainEvent = { seq: number; type: string; subject: string; customer?: string; data: unknown; at: Date };
type NewEvent = Omit<DomainEvent, 'seq' | 'at'>;

// data is stored as JSON text: payloads may hold keys MongoDB field names may not.
type Stored = { _id: string; org: string; seq: number; type: string; subject: string; customer?: string; data: string; at: Date };

const schema = orgScopedSchema<Stored>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    subject: { type: String, required: true },
    customer: String,
    data: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
const EventModel = mongoose.model<Stored>('DomainEvent', schema, 'events');

const idOf = (org: string, seq: number) => `${org}|${seq}`;
const fromStored = (d: Stored): DomainEvent => ({ seq: d.seq, type: d.type, subject: d.subject, customer: d.customer, data: JSON.parse(d.data), at: d.at });

async function exists(org: string, seq: number): Promise<boolean> {
  return seq <= 0 || (await EventModel.exists({ _id: idOf(org, seq), org })) !== null;
}

/** The newest sequence number: gallop forward from a hint, then binary-search, all by `_id` (O(log n) lookups). */
export async function latestSeq(org: string, hint = 0): Promise<number> {
  if (!(await exists(org, hint))) hint = 0;
  let [low, step] = [hint, 1];
  while (await exists(org, low + step)) [low, step] = [low + step, step * 2];
  let high = low + step - 1; // low exists, low + step does not
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await exists(org, mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

const lastKnown = new Map<string, number>(); // per process: the next append usually succeeds on its first try
const queues = new Map<string, Promise<unknown>>();

/**
 * Appends an event and returns it with its sequence number. Appends of one organisation take turns within a process:
 * measured on FerretDB, 8 concurrent writers racing for each next number spent 180 ms per append on lost inserts
 * (and got slower as they piled up); taking turns costs one insert each. Other instances still race, and lose rarely.
 */
export function appendEvent(org: string, event: NewEvent): Promise<DomainEvent> {
  const turn = (queues.get(org) ?? Promise.resolve()).then(() => append(org, event));
  const tail = turn.catch(() => undefined);
  queues.set(org, tail);
  void tail.then(() => queues.get(org) === tail && queues.delete(org));
  return turn;
}

async function append(org: string, event: NewEvent): Promise<DomainEvent> {
  let seq = (lastKnown.get(org) ?? (await latestSeq(org))) + 1;
  const at = new Date();
  for (;;) {
    try {
      await EventModel.create({ _id: idOf(org, seq), org, seq, ...event, data: JSON.stringify(event.data), at });
      lastKnown.set(org, Math.max(seq, lastKnown.get(org) ?? 0));
      return { seq, ...event, at };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      seq = (await latestSeq(org, seq)) + 1; // another writer took it: skip to the end
    }
  }
}

/** Events after `seq`, oldest first, at most `limit`. */
export async function eventsAfter(org: string, seq: number, limit = 100): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  while (out.length < limit) {
    const doc = await EventModel.findOne({ _id: idOf(org, seq + out.length + 1), org }).lean<Stored>();
    if (!doc) break;
    out.push(fromStored(doc));
  }
  return out;
}

type Listener = (events: DomainEvent[]) => void;

/**
 * One poller per organisation per process, shared by every open stream of that organisation, and only while some
 * stream is open: idle cost is one `_id` lookup per organisation per tick, whatever the number of listeners.
 */
export class EventHub {
  private readonly orgs = new Map<string, { seq: number; listeners: Set<Listener>; timer: NodeJS.Timeout; busy: boolean }>();
  private readonly log: Logger;
  private readonly pollMs: number;
  constructor(log: Logger, pollMs = 250) {
    this.log = log;
    this.pollMs = pollMs;
  }

  /** Calls `listener` with every event after the returned sequence number, until the returned function is called. */
  async subscribe(org: string, listener: Listener): Promise<{ seq: number; unsubscribe: () => void }> {
    let state = this.orgs.get(org);
    if (!state) {
      const seq = await latestSeq(org, lastKnown.get(org));
      state = this.orgs.get(org); // another subscriber may have started it meanwhile
      if (!state) {
        const created = { seq, listeners: new Set<Listener>(), busy: false, timer: setInterval(() => void this.poll(org), this.pollMs) };
        created.timer.unref();
        this.orgs.set(org, (state = created));
      }
    }
    state.listeners.add(listener);
    const s = state;
    return {
      seq: s.seq,
      unsubscribe: () => {
        s.listeners.delete(listener);
        if (!s.listeners.size && this.orgs.get(org) === s) {
          clearInterval(s.timer);
          this.orgs.delete(org);
        }
      },
    };
  }

  private async poll(org: string): Promise<void> {
    const s = this.orgs.get(org);
    if (!s || s.busy) return;
    s.busy = true;
    try {
      const events = await eventsAfter(org, s.seq);
      if (!events.length) return;
      s.seq = events.at(-1)!.seq;
      for (const l of [...s.listeners]) l(events);
    } catch (err) {
      this.log.warn('event poll failed; retrying from the same sequence', { org, err }); // nothing is skipped
    } finally {
      s.busy = false;
    }
  }

  close(): void {
    for (const s of this.orgs.values()) clearInterval(s.timer);
    this.orgs.clear();
  }
}
