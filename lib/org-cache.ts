// Values derived from an organisation's documents in a few collections (its catalogue, say), kept in memory by each
// server instance until any of those documents changes: a write this process makes drops the organisation's values
// as it completes, a write made anywhere else when the change feed reports it, and a change that names no
// organisation (a deletion reports only its _id) or lost changes drop everything. A collection may narrow what its
// changes drop to some of the organisation's keys (the days a booking touches, say).
import type { Change, ChangeFeed } from './changes.ts';
import { onLocalWrites } from './feed-cache.ts';

/** What a changed document (or a write's filter or inserted document) drops: the organisation's values whose key `which` accepts, all of them without it; everything when it names no organisation. */
export type Scope = (doc: Record<string, unknown>) => { org?: string; which?: (key: string) => boolean };

/** The default scope: the document's organisation, all of its values. */
export const wholeOrganisation: Scope = (doc) => ({ org: typeof doc.org === 'string' ? doc.org : undefined });

export class OrgCache<T> {
  private readonly orgs = new Map<string, Map<string, Promise<T>>>();
  private size = 0;
  private readonly feed: ChangeFeed;
  private readonly maxValues: number;
  /** Counts drops: when each organisation's values (and everyone's) were last dropped. */
  private clock = 0;
  private everyoneDropped = 0;
  private readonly dropped = new Map<string, number>();

  /**
   * Drops an organisation's values on changes to its documents in `collections`, each as its `scopes` entry says
   * (the whole organisation without one). `maxValues`: kept at most, across organisations, before the
   * longest-kept organisation's are let go.
   */
  constructor(feed: ChangeFeed, collections: string[], options: { maxValues?: number; scopes?: Record<string, Scope> } = {}) {
    this.feed = feed;
    this.maxValues = options.maxValues ?? 10_000;
    for (const collection of collections) {
      const scope: Scope = options.scopes?.[collection] ?? wholeOrganisation;
      const changed = (docs: unknown[]) => {
        for (const doc of docs) {
          const { org, which }: ReturnType<Scope> = doc && typeof doc === 'object' ? scope(doc as Record<string, unknown>) : {};
          this.drop(org, which);
        }
      };
      feed.on(collection, (change: Change) =>
        changed([{ ...('fullDocument' in change ? change.fullDocument : {}), ...('documentKey' in change ? change.documentKey : {}) }]),
      );
      onLocalWrites(collection, (method, arg) => (method === 'bulkWrite' ? this.drop(undefined) : changed(Array.isArray(arg) ? arg : [arg])));
    }
    feed.onReset(() => this.drop(undefined));
  }

  /** The value under (org, key): from memory, or from `load` (once, however many ask at the same time). A failed load is not kept. */
  async get(org: string, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.orgs.get(org)?.get(key);
    if (hit) return hit;
    // Only what the feed will report changes to may be kept: without it, every request reads.
    if (!(await this.feed.running())) return load();
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
    if (!(await this.feed.running())) return;
    if (Math.max(this.everyoneDropped, this.dropped.get(org) ?? 0) > mark) return;
    this.keep(org, key, Promise.resolve(value));
  }

  private keep(org: string, key: string, value: Promise<T>): Promise<T> {
    if (this.size >= this.maxValues) this.drop(this.orgs.keys().next().value);
    let values = this.orgs.get(org);
    if (!values) {
      values = new Map();
      this.orgs.set(org, values);
    }
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

  /** Drops an organisation's values (those whose key `which` accepts), or everyone's. */
  private drop(org: string | undefined, which?: (key: string) => boolean): void {
    this.clock++;
    if (org === undefined) {
      this.everyoneDropped = this.clock;
      this.dropped.clear();
      this.orgs.clear();
      this.size = 0;
      return;
    }
    this.dropped.set(org, this.clock);
    const values = this.orgs.get(org);
    if (!values) return;
    for (const key of which ? [...values.keys()].filter(which) : [...values.keys()]) {
      values.delete(key);
      this.size--;
    }
    if (!values.size) this.orgs.delete(org);
  }
}
