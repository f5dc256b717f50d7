// Domain events: every state change appends one (organisation, type, subject, data, time), numbered 1, 2, 3, … per
// organisation with no gaps. Live views (server-sent events), webhooks and analytics read them by sequence, which
// works on MongoDB and FerretDB alike and across server instances (no change streams).
//
// The sequence is kept without transactions or counters (lib/sequence.ts): event n is inserted with `_id`
// "<org>|<n>", and readers need nothing but `_id` lookups (served by the `_id` index on MongoDB; on FerretDB v1
// SQLite every read scans the collection, see README "Running on FerretDB").
import mongoose from 'mongoose';
import type { Logger } from './log.ts';
import { appendNext, inTurn, newest } from './sequence.ts';
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

const find = (org: string, seq: number) => EventModel.findOne({ _id: idOf(org, seq), org }).lean<Stored>().exec();

/** The newest sequence number of the organisation's events. */
export async function latestSeq(org: string, hint = 0): Promise<number> {
  return (await newest((n) => find(org, n), hint)).n;
}

const lastKnown = new Map<string, number>(); // per process: where the newest usually is

/** Appends an event and returns it with its sequence number. Appends of one organisation take turns in a process. */
export function appendEvent(org: string, event: NewEvent): Promise<DomainEvent> {
  return inTurn(`events|${org}`, () => append(org, event));
}

async function append(org: string, event: NewEvent): Promise<DomainEvent> {
  const at = new Date();
  const seq = await appendNext(
    (n) => find(org, n),
    (n) => EventModel.create({ _id: idOf(org, n), org, seq: n, ...event, data: JSON.stringify(event.data), at }),
    lastKnown.get(org),
  );
  lastKnown.set(org, Math.max(seq, lastKnown.get(org) ?? 0));
  return { seq, ...event, at };
}

/** Events after `seq`, oldest first, at most `limit`. */
export async function eventsAfter(org: string, seq: number, limit = 100): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  while (out.length < limit) {
    const doc = await find(org, seq + out.length + 1);
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
