// One change stream per process over the collections whose writes every instance must notice at once: domain
// events (live views) and the records each instance caches (organisations, clients, keys). It resumes after the
// last change it saw; when it cannot (the server no longer has that point), listeners are told to catch up.
import type { mongo } from 'mongoose';
import type { Logger } from './log.ts';

export type Change = mongo.ChangeStreamDocument<mongo.Document>;
type ChangeStream = mongo.ChangeStream;
type Listener = (change: Change) => void;
type Operation = Change['operationType'];

const RETRY_MS = 1000;

export class ChangeFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The operations asked for, by collection: every one, or only some (sessions: only their deletion). */
  private readonly wanted = new Map<string, Set<Operation> | 'all'>();
  private readonly resets = new Set<() => void>();
  private stream?: ChangeStream;
  private token?: mongo.ResumeToken;
  private closed = false;
  private opened?: Promise<void>;
  private readonly db: () => mongo.Db;
  private readonly log: Logger;

  constructor(db: () => mongo.Db, log: Logger) {
    this.db = db;
    this.log = log;
  }

  /**
   * Calls `listener` with every change to `collection` made after the feed is open (on any instance), in commit
   * order, or only with the operations in `only`: the stream then carries no other, so the writes a listener does
   * not need (every session refresh, say) do not travel to every instance. Returns a function that stops it.
   */
  on(collection: string, listener: Listener, only?: Operation[]): () => void {
    const set = this.listeners.get(collection) ?? new Set();
    this.listeners.set(collection, set.add(listener));
    const before = JSON.stringify(this.pipeline());
    const had = this.wanted.get(collection);
    this.wanted.set(collection, !only || had === 'all' ? 'all' : new Set([...(had ?? []), ...only]));
    if (this.stream && JSON.stringify(this.pipeline()) !== before) void this.reopen(); // widen the stream's filter
    return () => set.delete(listener);
  }

  private pipeline(): mongo.Document[] {
    const all = [...this.wanted].filter(([, ops]) => ops === 'all').map(([c]) => c);
    const some = [...this.wanted].flatMap(([c, ops]) => (ops === 'all' ? [] : [{ 'ns.coll': c, operationType: { $in: [...ops] } }]));
    const clauses = [{ 'ns.coll': { $in: all } }, ...some];
    return [{ $match: clauses.length === 1 ? clauses[0] : { $or: clauses } }];
  }

  /** Calls `listener` when changes may have been missed (the stream could not resume): caches drop, readers re-read. */
  onReset(listener: () => void): () => void {
    this.resets.add(listener);
    return () => this.resets.delete(listener);
  }

  /** Opens the stream; resolves once changes made from now on are sure to be delivered. A failed start is tried again by the next call. */
  start(): Promise<void> {
    this.opened ??= this.open().catch((err: unknown) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /** Whether changes are being delivered (starting the feed if need be): what a cache may keep depends on it. */
  running(): Promise<boolean> {
    return this.start().then(
      () => true,
      () => false,
    );
  }

  private async open(): Promise<void> {
    const stream = this.db().watch(this.pipeline(), { fullDocument: 'updateLookup', ...(this.token ? { resumeAfter: this.token } : {}) });
    this.stream = stream;
    const first = await stream.tryNext().catch(async (err: unknown) => {
      this.stream = undefined;
      await stream.close().catch(() => undefined);
      throw err;
    }); // the cursor exists on the server from here on
    if (first) this.dispatch(first);
    void this.pump(stream);
  }

  private async pump(stream: ChangeStream): Promise<void> {
    try {
      for (;;) {
        const change = await stream.next(); // resumable errors are retried inside the driver
        this.dispatch(change);
      }
    } catch (err) {
      if (this.closed || stream !== this.stream) return;
      const lost = (err as { code?: number }).code === 286; // ChangeStreamHistoryLost: the resume point is gone
      this.log.warn('change stream interrupted; reopening', { err: (err as Error).message, lost });
      if (lost) this.token = undefined;
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      await this.reopen(lost);
    }
  }

  private async reopen(reset = false): Promise<void> {
    const old = this.stream;
    this.stream = undefined;
    await old?.close().catch(() => undefined);
    if (this.closed) return;
    try {
      await this.open();
    } catch (err) {
      this.log.warn('change stream could not be opened; retrying', { err: (err as Error).message });
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      return this.reopen(true);
    }
    if (reset) for (const r of this.resets) r();
  }

  private dispatch(change: Change): void {
    this.token = change._id;
    const coll = 'ns' in change && 'coll' in change.ns ? change.ns.coll : undefined;
    for (const l of (coll && this.listeners.get(coll)) || []) {
      try {
        l(change);
      } catch (err) {
        this.log.error('change listener failed', { coll, err });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stream?.close().catch(() => undefined);
  }
}
