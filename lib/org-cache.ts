// Values derived from an organisation's documents in a few collections (its catalogue, say), kept in memory by each
// server instance until any of those documents changes: a write this process makes drops the organisation's values
// as it completes, a write made anywhere else when the change feed reports it, and a change that names no
// organisation (a deletion reports only its _id) or lost changes drop everything.
import type { Change, ChangeFeed } from './changes.ts';
import { onLocalWrites } from './feed-cache.ts';

/** Values kept at most, across organisations, before the oldest organisation's are let go. */
const MAX_VALUES = 10_000;

const orgOf = (doc: unknown): string | undefined => {
  const org = (doc as { org?: unknown } | null | undefined)?.org;
  return typeof org === 'string' ? org : undefined;
};

export class OrgCache<T> {
  private readonly orgs = new Map<string, Map<string, Promise<T>>>();
  private size = 0;
  private readonly feed: ChangeFeed;

  constructor(feed: ChangeFeed, collections: string[]) {
    this.feed = feed;
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
    const again = this.orgs.get(org)?.get(key);
    if (again) return again;
    if (this.size >= MAX_VALUES) this.drop(this.orgs.keys().next().value);
    let values = this.orgs.get(org);
    if (!values) this.orgs.set(org, (values = new Map()));
    // Kept as a promise at once: a change while it loads drops it, so a value read before a change is never kept.
    const value = load();
    values.set(key, value);
    this.size++;
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
    if (org === undefined) {
      this.orgs.clear();
      this.size = 0;
      return;
    }
    this.size -= this.orgs.get(org)?.size ?? 0;
    this.orgs.delete(org);
  }
}
