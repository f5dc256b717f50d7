// The one atomic primitive every single-winner rule is built on: inserting a document with a unique _id.
// Measured on FerretDB v1 (SQLite): 20 parallel conditional updates of one document let up to 19 "win", while
// parallel inserts of one _id let exactly one win, as on MongoDB. So "consume once", "at most N tries" and
// "at most N per hour" are claims (insert, duplicate key = lost) and slots (claim number 1..N of a bucket).
import mongoose from 'mongoose';
import { isDuplicateKey } from './db.ts';
import { orgScopedSchema } from './tenancy.ts';

type Claim = { _id: string; org: string; bucket: string; at: Date; expiresAt: Date };

const schema = orgScopedSchema<Claim>(
  { _id: { type: String, required: true }, bucket: { type: String, required: true }, at: { type: Date, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false },
);
schema.index({ org: 1, bucket: 1 });
schema.index({ expiresAt: 1 });
const ClaimModel = mongoose.model<Claim>('Claim', schema, 'claims');

/** True for exactly one caller per (org, key) until the claim expires from storage. */
export async function claim(org: string, key: string, keepMs: number, now = Date.now()): Promise<boolean> {
  try {
    await ClaimModel.create({ _id: `${org}|${key}`, org, bucket: key, at: new Date(now), expiresAt: new Date(now + keepMs) });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

export async function claimedAt(org: string, key: string): Promise<Date | undefined> {
  return (await ClaimModel.findOne({ org, _id: `${org}|${key}` }).lean<Claim>())?.at;
}

/** Slots taken in a bucket so far. */
export async function countSlots(org: string, bucket: string): Promise<number> {
  return ClaimModel.countDocuments({ org, bucket });
}

/**
 * Takes one of `limit` numbered slots in bucket; false when all are taken. Concurrent callers never share a
 * slot, so at most `limit` of them ever succeed.
 */
export async function takeSlot(org: string, bucket: string, limit: number, keepMs: number, now = Date.now()): Promise<boolean> {
  for (let n = (await countSlots(org, bucket)) + 1; n <= limit; n++) {
    try {
      await ClaimModel.create({ _id: `${org}|${bucket}#${n}`, org, bucket, at: new Date(now), expiresAt: new Date(now + keepMs) });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return false;
}
