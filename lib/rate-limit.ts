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

/** Takes a cool-down of `ms` on key: 0 when taken, otherwise the seconds until the current one ends. */
export async function takeCooldown(org: string, key: string, ms: number, now = Date.now()): Promise<number> {
  const slot = Math.floor(now / ms);
  const last = await claimedAt(org, `${key}@${slot - 1}`);
  if (last && last.getTime() + ms > now) return Math.ceil((last.getTime() + ms - now) / 1000);
  if (await claim(org, `${key}@${slot}`, 2 * ms, now)) return 0;
  const current = await claimedAt(org, `${key}@${slot}`);
  return Math.max(1, Math.ceil(((current?.getTime() ?? now) + ms - now) / 1000));
}

/** Locks key for `ms` (idempotent: a lock already in force is kept). */
export async function lockOut(org: string, key: string, ms: number, now = Date.now()): Promise<void> {
  await claim(org, `${key}@${Math.floor(now / ms)}`, 2 * ms, now);
}

/** Seconds left on a lock of length `ms` on key, 0 when there is none. */
export async function lockedFor(org: string, key: string, ms: number, now = Date.now()): Promise<number> {
  const slot = Math.floor(now / ms);
  const [current, previous] = await Promise.all([claimedAt(org, `${key}@${slot}`), claimedAt(org, `${key}@${slot - 1}`)]);
  const until = Math.max(current ? current.getTime() + ms : 0, previous ? previous.getTime() + ms : 0);
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}
