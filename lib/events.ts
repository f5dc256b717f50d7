// Domain events: every state change records one (organisation, type, subject, data, time) in the same transaction
// as the change (lib/transaction.ts), numbered 1, 2, 3, … per organisation with no gaps. Live views read them from
// the change feed as they commit, on every instance; a reconnecting browser, webhooks and analytics read them by
// number.
import mongoose, { type mongo } from 'mongoose';
import type { Change, ChangeFeed } from './changes.ts';
import type { Logger } from './log.ts';
import { lastNumber, takeNumbers } from './sequence.ts';
import { orgScopedSchema } from './tenancy.ts';

export type DomainEvent = { seq: number; type: string; subject: string; customer?: string; data: unknown; at: Date };
export type NewEvent = Omit<DomainEvent, 'seq' | 'at'>;

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
schema.index({ org: 1, seq: 1 }, { unique: true });
const EventModel = mongoose.model<Stored>('DomainEvent', schema, 'events');
const COLLECTION = 'events';
const SEQUENCE = 'events';

const fromStored = (d: Stored): DomainEvent => ({
  seq: d.seq,
  type: d.type,
  subject: d.subject,
  customer: d.customer,
  data: JSON.parse(d.data),
  at: d.at,
});

/** Numbers and writes a transaction's events (called by lib/transaction.ts just before it commits). */
export async function writeEvents(session: mongo.ClientSession, org: string, events: NewEvent[]): Promise<void> {
  const first = await takeNumbers(session, org, SEQUENCE, events.length);
  const at = new Date();
  const docs = events.map((e, i) => ({ _id: `${org}|${first + i}`, org, seq: first + i, ...e, data: JSON.stringify(e.data), at }));
  await EventModel.insertMany(docs, { session });
}

/** The newest sequence number of the organisation's events. */
export const latestSeq = (org: string) => lastNumber(org, SEQUENCE);

/** Events after `seq`, oldest first, at most `limit`. */
export async function eventsAfter(org: string, seq: number, limit = 100): Promise<DomainEvent[]> {
  // Numbers have no gaps, so the range itself bounds what is read (an engine may read the whole range before a limit).
  const docs = await EventModel.find({ org, seq: { $gt: seq, $lte: seq + limit } })
    .sort({ seq: 1 })
    .lean<Stored[]>();
  return docs.map(fromStored);
}

type Listener = (events: DomainEvent[]) => void;
type OrgState = { seq: number; listeners: Set<Listener>; queue: Promise<unknown> };

/**
 * Hands each organisation's events, in order and without gaps, to the streams open on this instance. Events come
 * from the change feed as they commit; should the feed skip (it could not resume), the gap is read by number.
 */
export class EventHub {
  private readonly orgs = new Map<string, OrgState>();
  private readonly feed: ChangeFeed;
  private readonly log: Logger;

  constructor(feed: ChangeFeed, log: Logger) {
    this.feed = feed;
    this.log = log;
    feed.on(COLLECTION, (change) => this.received(change));
    feed.onReset(() => {
      for (const org of this.orgs.keys()) this.deliver(org, []);
    });
  }

  /** Calls `listener` with every event after the returned sequence number, until `unsubscribe` is called. */
  async subscribe(org: string, listener: Listener): Promise<{ seq: number; unsubscribe: () => void }> {
    await this.feed.start();
    let state = this.orgs.get(org);
    if (!state) {
      const created: OrgState = { seq: 0, listeners: new Set(), queue: Promise.resolve() };
      created.queue = latestSeq(org).then((n) => {
        created.seq = n;
      });
      state = created;
      this.orgs.set(org, state);
    }
    const s = state;
    try {
      await s.queue; // only its first step, reading where the organisation's events stand, can fail
    } catch (err) {
      if (this.orgs.get(org) === s && !s.listeners.size) this.orgs.delete(org); // the next subscriber reads it again
      throw err;
    }
    s.listeners.add(listener);
    return {
      seq: s.seq, // read with the listener added, in one step: every later event reaches it
      unsubscribe: () => {
        s.listeners.delete(listener);
        if (!s.listeners.size && this.orgs.get(org) === s) this.orgs.delete(org);
      },
    };
  }

  private received(change: Change): void {
    if (change.operationType !== 'insert') return;
    const doc = change.fullDocument as Stored;
    if (this.orgs.has(doc.org)) this.deliver(doc.org, [fromStored(doc)]);
  }

  /** Delivers events after the organisation's last one, reading any that the feed did not bring. Deliveries take turns. */
  private deliver(org: string, events: DomainEvent[]): void {
    const s = this.orgs.get(org);
    if (!s) return;
    s.queue = s.queue
      .then(async () => {
        let fresh = events.filter((e) => e.seq > s.seq);
        if (!events.length || (fresh.length && fresh[0]!.seq > s.seq + 1)) {
          const missed = await eventsAfter(org, s.seq, 500);
          fresh = [...missed, ...fresh.filter((e) => e.seq > (missed.at(-1)?.seq ?? s.seq))];
        }
        if (!fresh.length) return;
        s.seq = fresh.at(-1)!.seq;
        for (const l of [...s.listeners]) l(fresh);
      })
      .catch((err) => this.log.warn('event delivery failed; the next event reads what was missed', { org, err }));
  }
}
