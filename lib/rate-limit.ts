// Rate limits, cool-downs and revocations shared by every server instance. Each is one atomic write whose
// precondition is in its filter; an upsert whose filter misses an existing document collides with its unique `_id`
// (11000), which means "refused". Documents expire by TTL once they no longer matter.
import mongoose from 'mongoose';
import { isDuplicateKey } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

export type Verdict = { allowed: boolean; retryAfterSeconds: number };

/** The last `limit` event times of a key (newest first), its cool-down, and when what it issued was last revoked. */
type Limit = { _id: string; org: string; hits?: number[]; coolUntil?: Date; revokedAt?: Date; expiresAt: Date };
const schema = orgScopedSchema<Limit>(
  { _id: { type: String, required: true }, hits: [Number], coolUntil: Date, revokedAt: Date, expiresAt: Date },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });
const LimitModel = mongoose.model<Limit>('Limit', schema, 'limits');

const keyOf = (org: string, key: string) => ({ _id: `${org}|${key}`, org });
const notAfter = (now: number) => ({ $not: { $gt: new Date(now) } });

/**
 * A limit on one key: at most `limit` events in any `windowMs`; with `cooldownMs`, none within that time of the
 * last one allowed. With `issuedAt`, the event uses something issued then (a code): refused if the key revoked what
 * it had issued since (`revoke`). With `record: false`, the gate is only checked: it lets the event through if it
 * would, and records nothing.
 */
export type Gate = { org: string; key: string; limit: number; windowMs: number; cooldownMs?: number; issuedAt?: number; record?: false };

/** Which gate refused (its index), why, and when to try again. */
export type Refusal = { gate: number; reason: 'revoked' | 'cooldown' | 'limit'; retryAfterSeconds: number };

/**
 * Lets an event through `gates`, in order, in one round trip: each gate is one guarded upsert recording the event,
 * and an ordered bulk write stops at its first failure, so a gate that refuses spends none after it. A refusal is
 * read back to say why.
 */
export async function pass(gates: Gate[], now = Date.now()): Promise<Refusal | undefined> {
  const writes = gates.map((g) => {
    const lasting = { $max: { expiresAt: new Date(now + Math.max(g.windowMs, g.cooldownMs ?? 0)) } };
    return {
      updateOne: {
        filter: {
          ...keyOf(g.org, g.key),
          ...(g.cooldownMs ? { coolUntil: notAfter(now) } : {}),
          ...(g.issuedAt !== undefined ? { revokedAt: { $not: { $gte: new Date(g.issuedAt) } } } : {}),
          // Fewer than `limit` kept, or the oldest of them out of the window: one condition on one field (no $or, so
          // the _id lookup serves the whole filter on every engine).
          [`hits.${g.limit - 1}`]: { $not: { $gt: now - g.windowMs } },
        },
        update:
          g.record === false
            ? lasting
            : {
                $push: { hits: { $each: [now], $position: 0, $slice: g.limit } },
                ...(g.cooldownMs ? { $set: { coolUntil: new Date(now + g.cooldownMs) } } : {}),
                ...lasting,
              },
        upsert: true,
      },
    };
  });
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
  const oldest = doc?.hits?.[g.limit - 1];
  // A full window is said first: it tells when to try again, which a revocation does not.
  if (oldest !== undefined && oldest > now - g.windowMs) return { gate: index, reason: 'limit', retryAfterSeconds: seconds(oldest + g.windowMs) };
  if (g.issuedAt !== undefined && doc?.revokedAt && doc.revokedAt.getTime() >= g.issuedAt)
    return { gate: index, reason: 'revoked', retryAfterSeconds: 0 };
  if (g.cooldownMs && doc?.coolUntil && doc.coolUntil.getTime() > now)
    return { gate: index, reason: 'cooldown', retryAfterSeconds: seconds(doc.coolUntil.getTime()) };
  return { gate: index, reason: 'limit', retryAfterSeconds: 1 }; // refused, yet nothing refuses now: a race, try again
}

/**
 * At most `limit` events in any `windowMs`. The key keeps its last `limit` times, newest first; an event is
 * recorded only when fewer than `limit` are kept or the oldest has left the window.
 */
export async function hit(org: string, key: string, limit: number, windowMs: number, now = Date.now()): Promise<Verdict> {
  const refused = await pass([{ org, key, limit, windowMs }], now);
  return { allowed: !refused, retryAfterSeconds: refused?.retryAfterSeconds ?? 0 };
}

/**
 * Revokes what was issued under `key` up to `now`: a gate given an earlier `issuedAt` refuses from now on, for at
 * least `lastsMs` (as long as anything so issued can live). A key with no document has issued nothing to revoke.
 */
export async function revoke(org: string, key: string, lastsMs: number, now = Date.now()): Promise<void> {
  await LimitModel.updateOne(keyOf(org, key), { $max: { revokedAt: new Date(now), expiresAt: new Date(now + lastsMs) } });
}

/** Forgets a key's events and cool-down (an operator lifting a limit); revocations stand. */
export async function reset(org: string, key: string): Promise<boolean> {
  const done = await LimitModel.updateOne(keyOf(org, key), { $set: { hits: [] }, $unset: { coolUntil: 1 } });
  return done.modifiedCount > 0;
}

/** How many events `key` kept from the last `windowMs` (never more than its limit): how busy it is, not a gate. */
export async function recent(org: string, key: string, windowMs: number, now = Date.now()): Promise<number> {
  const doc = await LimitModel.findOne(keyOf(org, key), { hits: 1 }).lean<Limit>();
  return doc?.hits?.filter((t) => t > now - windowMs).length ?? 0;
}
