// Values derived from an organisation's documents in a few collections (its catalogue, say), kept in memory by each
// server instance until any of those documents changes: a write this process makes drops the organisation's values
// as it completes, a write made anywhere else when the change feed reports it, and a change that names no
// organisation (a deletion reports only its _id) or lost changes drop everything.
import type { Change, ChangeFeed } from './changes.ts';
import { onLocalWrites } from './feed-cache.ts';


const orgOf = (doc: unknown): string | undefined => {
  const org = (doc as { org?: unknown } | null | undefined)?.org;
  return typeof org === 'string' ? org : undefined;
};

export class OrgCache<T> {
  private readonly orgs = new Map<string, Map<string, Promise<T>>>();
  private size = 0;
  private readonly feed: ChangeFeed;
  private readonly maxValues: number;
  /** Counts drops: when each organisation's values (and everyone's) were last dropped. */
  private clock = 0;
  private everyoneDropped = 0;
  private readonly dropped = new Map<string, number>();

  /** `maxValues`: kept at most, across organisations, before the longest-kept organisation's are let go. */
  constructor(feed: ChangeFeed, collections: string[], maxValues = 10_000) {
    this.feed = feed;
    this.maxValues = maxValues;
    for (const collection of collections) {
      feed.on(collection, (change: Change) => this.drop('fullDocument' in change ? orgOf(change.fullDocument) : undefined));
      onLocalWrites(collection, (method, arg) => this.drop(method === 'bulkWrite' ? undefined : orgOf(Array.isArray(arg) ? arg[0] : arg)));
    }
    feed.onReset(() => this.drop(undefined));
  }

  /** The value under (org, key): from memory, or from `load` (once, however many ask at the same time). A failed load is not kept. */
  async get(org: string, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.orgs.get(org)?.get(key);
    if (hit) return hit;
    // Only what the feed will report changes to may be kept: without it, every request reads.
    if (!(await this.feed.start().then(() => true, () => false))) return load();
    return this.orgs.get(org)?.get(key) ?? this.keep(org, key, load());
  }

  /** The value kept under (org, key), if any. */
  peek(org: string, key: string): Promise<T> | undefined {
    return this.orgs.get(org)?.get(key);
  }

  /** A mark to take before reading what a value is made of: `set` keeps the value only if nothing changed since. */
  mark(): number {
    return this.clock;
  }

  /** Keeps `value` under (org, key) unless the organisation changed since `mark` (or the feed is not running). */
  async set(org: string, key: string, value: T, mark: number): Promise<void> {
    if (!(await this.feed.start().then(() => true, () => false))) return;
    if (Math.max(this.everyoneDropped, this.dropped.get(org) ?? 0) > mark) return;
    this.keep(org, key, Promise.resolve(value));
  }

  private keep(org: string, key: string, value: Promise<T>): Promise<T> {
    if (this.size >= this.maxValues) this.drop(this.orgs.keys().next().value);
    let values = this.orgs.get(org);
    if (!values) this.orgs.set(org, (values = new Map()));
    // Kept as a promise at once: a change while it loads drops it, so a value read before a change is never kept.
    if (!values.has(key)) this.size++;
    values.set(key, value);
    value.catch(() => {
      if (this.orgs.get(org)?.get(key) === value) {
        this.orgs.get(org)!.delete(key);
        this.size--;
      }
    });
    return value;
  }

  /** Drops an organisation's values, or everyone's. */
  private drop(org: string | undefined): void {
    this.clock++;
    if (org === undefined) {
      this.everyoneDropped = this.clock;
      this.dropped.clear();
      this.orgs.clear();
      this.size = 0;
      return;
    }
    this.dropped.set(org, this.clock);
    this.size -= this.orgs.get(org)?.size ?? 0;
    this.orgs.delete(org);
  }
}
