// Rate limits, cool-downs and lock-outs shared by every server instance, built on claims (lib/claims.ts) so that
// parallel requests cannot slip past a limit.
import { claim, claimedAt, slotsTakenSince, takeSlot } from './claims.ts';

export type Verdict = { allowed: boolean; retryAfterSeconds: number };

/**
 * At most `limit` events in any `windowMs`: the events of the previous fixed window that still fall inside the
 * sliding window (their claims keep the time) are taken off the slots of the current one.
 */
export async function hit(org: string, key: string, limit: number, windowMs: number, now = Date.now()): Promise<Verdict> {
  const start = Math.floor(now / windowMs) * windowMs;
  const recent = await slotsTakenSince(org, `${key}@${start - windowMs}`, limit, now - windowMs);
  const available = limit - recent;
  const allowed = available > 0 && (await takeSlot(org, `${key}@${start}`, available, 2 * windowMs, now)) > 0;
  return { allowed, retryAfterSeconds: Math.ceil((start + windowMs - now) / 1000) };
}

/** The claim key of the `ms`-long time slot `now` falls in. */
const slotKey = (key: string, ms: number, now: number) => `${key}@${Math.floor(now / ms)}`;

/** Locks key for `ms` (idempotent: a lock already in force is kept). */
export async function lockOut(org: string, key: string, ms: number, now = Date.now()): Promise<void> {
  await claim(org, slotKey(key, ms, now), 2 * ms, now);
}

/** Seconds left on a lock of length `ms` on key, 0 when there is none (it was taken in this slot or the last). */
export async function lockedFor(org: string, key: string, ms: number, now = Date.now()): Promise<number> {
  const [current, previous] = await Promise.all([claimedAt(org, slotKey(key, ms, now)), claimedAt(org, slotKey(key, ms, now - ms))]);
  const until = Math.max(current ? current.getTime() + ms : 0, previous ? previous.getTime() + ms : 0);
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** A cool-down is a lock taken only when none is in force: 0 when taken, otherwise the seconds left on it. */
export async function takeCooldown(org: string, key: string, ms: number, now = Date.now()): Promise<number> {
  const left = await lockedFor(org, key, ms, now);
  if (left) return left;
  if (await claim(org, slotKey(key, ms, now), 2 * ms, now)) return 0;
  return Math.max(1, await lockedFor(org, key, ms, now)); // lost the race to a parallel request
}
