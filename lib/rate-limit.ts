// Rate limits, counters, cool-downs and lock-outs shared by every server instance. Each is one atomic write whose
// precondition is in its filter; an upsert whose filter misses an existing document collides with its unique `_id`
// (11000), which means "refused". Documents expire by TTL once they no longer matter.
import mongoose from 'mongoose';
import { isDuplicateKey, upsertAndRead } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

export type Verdict = { allowed: boolean; retryAfterSeconds: number };

type Limit = { _id: string; org: string; hits?: number[]; n?: number; until?: Date; expiresAt: Date };
const schema = orgScopedSchema<Limit>({ _id: { type: String, required: true }, hits: [Number], n: Number, until: Date, expiresAt: Date }, { versionKey: false });
schema.index({ expiresAt: 1 });
const LimitModel = mongoose.model<Limit>('Limit', schema, 'limits');

const keyOf = (org: string, key: string) => ({ _id: `${org}|${key}`, org });

/** Runs an upsert guarded by its filter: true when it wrote, false when the guard refused. */
async function guarded(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * At most `limit` events in any `windowMs`. The key keeps its last `limit` times, oldest first; an event is
 * recorded only when fewer than `limit` are kept or the oldest has left the window.
 */
export async function hit(org: string, key: string, limit: number, windowMs: number, now = Date.now()): Promise<Verdict> {
  const allowed = await guarded(() =>
    LimitModel.updateOne(
      { ...keyOf(org, key), $or: [{ [`hits.${limit - 1}`]: { $exists: false } }, { 'hits.0': { $lte: now - windowMs } }] },
      { $push: { hits: { $each: [now], $slice: -limit } }, $set: { expiresAt: new Date(now + windowMs) } },
      { upsert: true },
    ),
  );
  if (allowed) return { allowed, retryAfterSeconds: 0 };
  const oldest = (await LimitModel.findOne(keyOf(org, key), { hits: { $slice: 1 } }).lean<Limit>())?.hits?.[0] ?? now;
  return { allowed, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
}

/** Counts one more under key and returns the count (1..limit), or 0 once `limit` were counted. */
export async function countUpTo(org: string, key: string, limit: number, keepMs: number, now = Date.now()): Promise<number> {
  let n = 0;
  await guarded(async () => {
    const doc = await upsertAndRead<Limit>(LimitModel, { ...keyOf(org, key), n: { $lt: limit } }, { $inc: { n: 1 }, $setOnInsert: { expiresAt: new Date(now + keepMs) } }, { projection: { n: 1 } });
    n = Math.min(doc.n!, limit);
  });
  return n;
}

/** Takes a lock on key for `ms` unless one is in force: true when taken. */
const takeLock = (org: string, key: string, ms: number, now: number) =>
  guarded(() =>
    LimitModel.updateOne(
      { ...keyOf(org, key), until: { $not: { $gt: new Date(now) } } },
      { $set: { until: new Date(now + ms), expiresAt: new Date(now + ms) } },
      { upsert: true },
    ),
  );

/** Locks key for `ms` (idempotent: a lock already in force is kept, not extended). */
export async function lockOut(org: string, key: string, ms: number, now = Date.now()): Promise<void> {
  await takeLock(org, key, ms, now);
}

/** Seconds left on the lock on key, 0 when there is none. */
export async function lockedFor(org: string, key: string, now = Date.now()): Promise<number> {
  const until = (await LimitModel.findOne(keyOf(org, key), { until: 1 }).lean<Limit>())?.until?.getTime() ?? 0;
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** A cool-down is a lock taken only when none is in force: 0 when taken, otherwise the seconds left on it. */
export async function takeCooldown(org: string, key: string, ms: number, now = Date.now()): Promise<number> {
  if (await takeLock(org, key, ms, now)) return 0;
  return Math.max(1, await lockedFor(org, key, now));
}
