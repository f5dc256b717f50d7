// Rate limits, cool-downs and lock-outs shared by every server instance. Each is one atomic write whose precondition
// is in its filter; an upsert whose filter misses an existing document collides with its unique `_id` (11000),
// which means "refused". Documents expire by TTL once they no longer matter.
import mongoose from 'mongoose';
import { isDuplicateKey } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

export type Verdict = { allowed: boolean; retryAfterSeconds: number };

/** The last `limit` event times of a key (newest first), its lock and its cool-down. */
type Limit = { _id: string; org: string; hits?: number[]; until?: Date; coolUntil?: Date; expiresAt: Date };
const schema = orgScopedSchema<Limit>({ _id: { type: String, required: true }, hits: [Number], until: Date, coolUntil: Date, expiresAt: Date }, { versionKey: false });
schema.index({ expiresAt: 1 });
const LimitModel = mongoose.model<Limit>('Limit', schema, 'limits');

const keyOf = (org: string, key: string) => ({ _id: `${org}|${key}`, org });
const notAfter = (now: number) => ({ $not: { $gt: new Date(now) } });

/**
 * A limit on one key: at most `limit` events in any `windowMs`; none while the key is locked (`lockOut`); with
 * `cooldownMs`, none within that time of the last one allowed.
 */
export type Gate = { org: string; key: string; limit: number; windowMs: number; cooldownMs?: number };

/** Which gate refused (its index), why, and when to try again. */
export type Refusal = { gate: number; reason: 'locked' | 'cooldown' | 'limit'; retryAfterSeconds: number };

/**
 * Lets an event through `gates`, in order, in one round trip: each gate is one guarded upsert recording the event,
 * and an ordered bulk write stops at its first failure, so a gate that refuses spends none after it. A refusal is
 * read back to say why.
 */
export async function pass(gates: Gate[], now = Date.now()): Promise<Refusal | undefined> {
  const writes = gates.map((g) => ({
    updateOne: {
      filter: {
        ...keyOf(g.org, g.key),
        until: notAfter(now),
        ...(g.cooldownMs ? { coolUntil: notAfter(now) } : {}),
        // Fewer than `limit` kept, or the oldest of them out of the window: one condition on one field (no $or, so
        // the _id lookup serves the whole filter on every engine).
        [`hits.${g.limit - 1}`]: { $not: { $gt: now - g.windowMs } },
      },
      update: {
        $push: { hits: { $each: [now], $position: 0, $slice: g.limit } },
        ...(g.cooldownMs ? { $set: { coolUntil: new Date(now + g.cooldownMs) } } : {}),
        $max: { expiresAt: new Date(now + Math.max(g.windowMs, g.cooldownMs ?? 0)) },
      },
      upsert: true,
    },
  }));
  try {
    await LimitModel.bulkWrite(writes, { ordered: true });
    return undefined;
  } catch (err) {
    const failed = (err as { writeErrors?: { index: number }[] }).writeErrors?.[0];
    if (!isDuplicateKey(err) || !failed) throw err;
    return refusal(failed.index, gates[failed.index]!, now);
  }
}

async function refusal(index: number, g: Gate, now: number): Promise<Refusal> {
  const doc = await LimitModel.findOne(keyOf(g.org, g.key)).lean<Limit>();
  const seconds = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
  if (doc?.until && doc.until.getTime() > now) return { gate: index, reason: 'locked', retryAfterSeconds: seconds(doc.until.getTime()) };
  if (g.cooldownMs && doc?.coolUntil && doc.coolUntil.getTime() > now) return { gate: index, reason: 'cooldown', retryAfterSeconds: seconds(doc.coolUntil.getTime()) };
  return { gate: index, reason: 'limit', retryAfterSeconds: seconds((doc?.hits?.[g.limit - 1] ?? now) + g.windowMs) };
}

/**
 * At most `limit` events in any `windowMs`. The key keeps its last `limit` times, newest first; an event is
 * recorded only when fewer than `limit` are kept or the oldest has left the window.
 */
export async function hit(org: string, key: string, limit: number, windowMs: number, now = Date.now()): Promise<Verdict> {
  const refused = await pass([{ org, key, limit, windowMs }], now);
  return { allowed: !refused, retryAfterSeconds: refused?.retryAfterSeconds ?? 0 };
}

/** Locks key for `ms` (idempotent: a lock already in force is kept, not extended). */
export async function lockOut(org: string, key: string, ms: number, now = Date.now()): Promise<void> {
  try {
    await LimitModel.updateOne(
      { ...keyOf(org, key), until: notAfter(now) },
      { $set: { until: new Date(now + ms) }, $max: { expiresAt: new Date(now + ms) } },
      { upsert: true },
    );
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // a lock is in force
  }
}
