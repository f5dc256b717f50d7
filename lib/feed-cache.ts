// Records that nearly every request reads and few ever change (organisations, client registrations), kept in memory
// by each server instance and dropped the moment they change: a write this process makes drops its entries as it
// completes, a write made anywhere else when the change feed reports it, and everything goes if the feed lost changes.
import mongoose from 'mongoose';
import type { Change, ChangeFeed } from './changes.ts';

/** Keys found to hold nothing (a mistyped slug, a guessed client id) are remembered this many at most, oldest out first. */
const MAX_MISSES = 1000;

/** mongoose collection methods that write (insertOne, updateOne, findOneAndUpdate, deleteMany, bulkWrite...). */
const WRITES = /^(insert|update|replace|delete|findOneAnd|findAndModify|bulkWrite)/;

type Doc = { _id?: unknown };

type WriteListener = (method: string, arg: unknown) => void;
const writeListeners = new Map<string, WriteListener[]>();

/**
 * Calls `listener` as each write this process makes to `collection` completes, with the write's method and first
 * argument (the document(s) inserted, or the filter): the change feed reports it too, but only a moment later.
 */
export function onLocalWrites(collection: string, listener: WriteListener): void {
  if (!writeListeners.size) {
    // One pair of connection listeners for every collection and listener.
    const writing = new Map<unknown, { collection: string; arg: unknown }>();
    mongoose.connection.on('operation-start', (op: { _id: unknown; collectionName: string; method: string; params: unknown[] }) => {
      if (writeListeners.has(op.collectionName) && WRITES.test(op.method)) writing.set(op._id, { collection: op.collectionName, arg: op.params[0] });
    });
    mongoose.connection.on('operation-end', (op: { _id: unknown; method: string }) => {
      const write = writing.get(op._id);
      if (!write) return;
      writing.delete(op._id);
      for (const l of writeListeners.get(write.collection) ?? []) l(op.method, write.arg);
    });
  }
  writeListeners.set(collection, [...(writeListeners.get(collection) ?? []), listener]);
}

export class FeedCache<T extends { _id: unknown }> {
  private readonly found = new Map<string, T>();
  private readonly keysById = new Map<string, string[]>();
  private readonly misses = new Set<string>();
  private readonly loading = new Map<string, Promise<T | null>>();
  /** Bumped by every change: a read that began before one is used, not kept. */
  private generation = 0;
  private readonly feed: ChangeFeed;
  private readonly keysOf: (doc: Partial<T>) => string[];

  /**
   * Caches documents of `collection`. `keysOf` names every key a document is found by (its slug, its id...), and
   * must name what it can from part of a document too (a write's filter), and nothing when it cannot.
   */
  constructor(feed: ChangeFeed, collection: string, keysOf: (doc: Partial<T>) => string[]) {
    this.feed = feed;
    this.keysOf = keysOf;
    feed.on(collection, (change) => this.changed(change));
    feed.onReset(() => this.clear());
    onLocalWrites(collection, (method, arg) => this.written(method, arg));
  }

  /** The value under `key`: from memory, or from `load` (one load at a time per key), kept while nothing changes it. */
  get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = this.found.get(key);
    if (hit) return Promise.resolve(hit);
    if (this.misses.has(key)) return Promise.resolve(null);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = this.fill(key, load).finally(() => {
      if (this.loading.get(key) === loaded) this.loading.delete(key);
    });
    this.loading.set(key, loaded);
    return loaded;
  }

  private async fill(key: string, load: () => Promise<T | null>): Promise<T | null> {
    // Only what the feed will report changes to may be kept: without it, every request reads.
    if (!(await this.feed.running())) return load();
    const generation = this.generation;
    const value = await load();
    if (generation !== this.generation) return value;
    if (value) {
      const keys = this.keysOf(value);
      for (const k of keys) this.found.set(k, value);
      this.keysById.set(String(value._id), keys);
    } else {
      if (this.misses.size >= MAX_MISSES) this.misses.delete(this.misses.values().next().value!);
      this.misses.add(key);
    }
    return value;
  }

  /** Forgets everything. */
  clear(): void {
    this.generation++;
    this.found.clear();
    this.keysById.clear();
    this.misses.clear();
    this.loading.clear();
  }

  private changed(change: Change): void {
    if (!('documentKey' in change)) {
      this.clear(); // drop, rename, invalidate
      return;
    }
    const full = 'fullDocument' in change ? (change.fullDocument as Partial<T> | null | undefined) : undefined;
    // A document nothing here holds and that names no key (a deletion's bare _id) leaves nothing to drop.
    this.drop([{ ...full, ...(change.documentKey as Doc) }], false);
  }

  private written(method: string, arg: unknown): void {
    if (method.startsWith('insert')) this.drop(Array.isArray(arg) ? arg : [arg as Doc], true);
    else if (method === 'bulkWrite' || !arg || typeof arg !== 'object') this.clear();
    else this.drop([arg as Doc], true); // the filter of an update, replace or delete
  }

  /** Drops the entries of these documents (or write filters); everything when `strict` and one of them names no key. */
  private drop(docs: Doc[], strict: boolean): void {
    this.generation++;
    this.loading.clear();
    for (const doc of docs) {
      const keys = [...(doc._id !== undefined ? (this.keysById.get(String(doc._id)) ?? []) : []), ...this.keysOf(doc as Partial<T>)];
      if (!keys.length && strict) {
        this.clear();
        return;
      }
      for (const key of keys) {
        this.misses.delete(key);
        const value = this.found.get(key);
        if (!value) continue;
        for (const k of this.keysById.get(String(value._id)) ?? [key]) this.found.delete(k);
        this.keysById.delete(String(value._id));
      }
    }
  }
}
