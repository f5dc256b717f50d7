// The one atomic primitive every single-winner rule is built on: inserting a document with a unique _id.
// Measured on FerretDB v1 (SQLite): 20 parallel conditional updates of one document let up to 19 "win", while
// parallel inserts of one _id let exactly one win, as on MongoDB. So "consume once", "at most N tries" and
// "at most N per hour" are claims (insert, duplicate key = lost) and numbered slots (claim 1..N of a bucket).
// Only inserts and _id lookups are used. (Inserts stay fast on FerretDB, whose unique `_id` index checks them; its
// reads scan the collection whatever the filter, which the clean-up keeps small here: see README.)
import mongoose from 'mongoose';
import { isDuplicateKey } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

type Claim = { _id: string; org: string; at: Date; expiresAt: Date };

const schema = orgScopedSchema<Claim>(
  { _id: { type: String, required: true }, at: { type: Date, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });
const ClaimModel = mongoose.model<Claim>('Claim', schema, 'claims');

const idOf = (org: string, key: string) => `${org}|${key}`;

/** True for exactly one caller per (org, key) until the claim expires from storage. */
export async function claim(org: string, key: string, keepMs: number, now = Date.now()): Promise<boolean> {
  try {
    await ClaimModel.create({ _id: idOf(org, key), org, at: new Date(now), expiresAt: new Date(now + keepMs) });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Gives a claim up, so the key can be claimed again (a cancelled booking's seat). */
export async function release(org: string, key: string): Promise<void> {
  await ClaimModel.deleteOne({ _id: idOf(org, key), org });
}

export async function claimedAt(org: string, key: string): Promise<Date | undefined> {
  return (await ClaimModel.findOne({ _id: idOf(org, key), org }).lean<Claim>())?.at;
}

/**
 * Takes the lowest free of `limit` numbered slots in bucket and returns its number (1..limit), or 0 when all are
 * taken. Concurrent callers never share a slot, so at most `limit` of them ever succeed.
 */
export async function takeSlot(org: string, bucket: string, limit: number, keepMs: number, now = Date.now()): Promise<number> {
  for (let n = 1; n <= limit; n++) {
    if (await claim(org, `${bucket}#${n}`, keepMs, now)) return n;
  }
  return 0;
}

/** How many of `limit` slots are taken (slots fill from 1 upwards, so a binary search over _id lookups finds it). */
export async function slotsTaken(org: string, bucket: string, limit: number): Promise<number> {
  if (!(await claimedAt(org, `${bucket}#1`))) return 0; // the usual case: one lookup
  let [low, high] = [1, limit];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await claimedAt(org, `${bucket}#${mid}`)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * How many slots of a bucket were taken after `since`. Slots are taken in time order, so those are the last
 * ones: a binary search over _id lookups finds the first of them.
 */
export async function slotsTakenSince(org: string, bucket: string, limit: number, since: number): Promise<number> {
  const taken = await slotsTaken(org, bucket, limit);
  let [low, high] = [1, taken + 1]; // the first slot taken after `since`, or taken + 1 when none was
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    const at = await claimedAt(org, `${bucket}#${mid}`);
    if (at && at.getTime() > since) high = mid;
    else low = mid + 1;
  }
  return taken + 1 - low;
}
