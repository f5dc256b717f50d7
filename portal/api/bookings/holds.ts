// How a slot is taken so that it can never be double-booked or overfilled, on any number of server instances, with
// nothing but unique inserts (the one write FerretDB v1 and MongoDB both make single-winner; see lib/claims.ts):
//
// - a **seat**: a claim on one of the session's `capacity` numbered seats (lib/claims.ts takeSlot). A session is one
//   sitting of a service on one resource at one start; appointments have one seat, classes N.
// - the resource's **time**: one document per 5 minutes the session keeps the resource busy (buffers included),
//   `_id` "<org>|<resource>|<instant>", holding the session's key. Two sessions that overlap by even 5 minutes want
//   one same `_id`, and only one insert of it succeeds; seats of one session share their blocks.
//
// Both are taken before the booking is written and given back when it is cancelled or moved. Reading the
// bookings first would not do: two requests could both read "free" and both write.
import mongoose from 'mongoose';
import { claim, claimedAt, release, takeSlot } from '../../../lib/claims.ts';
import { isDuplicateKey } from '../../../lib/db.ts';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import { MINUTE, DAY_MS } from '../availability/zoned.ts';

export const BLOCK_MS = 5 * MINUTE;

type Block = { _id: string; org: string; resourceId: string; holder: string; expiresAt: Date };
const schema = orgScopedSchema<Block>(
  { _id: { type: String, required: true }, resourceId: String, holder: String, expiresAt: Date },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });
const BlockModel = mongoose.model<Block>('BookingBlock', schema, 'booking_blocks');

export type Hold = { org: string; resourceId: string; session: string; capacity: number; busyStart: number; busyEnd: number };

const seatBucket = (h: Hold) => `seat:${h.session}`;
const seatKey = (h: Hold, seat: number) => `${seatBucket(h)}#${seat}`;
/** Kept until a day after the time has passed; by then nobody can book it any more. */
const keepFor = (h: Hold) => h.busyEnd + DAY_MS - Date.now();

function blockIds(h: Hold): string[] {
  const ids: string[] = [];
  for (let t = Math.floor(h.busyStart / BLOCK_MS) * BLOCK_MS; t < h.busyEnd; t += BLOCK_MS) ids.push(`${h.org}|${h.resourceId}|${t}`);
  return ids;
}

const each = (ids: string[], fn: (id: string) => Promise<unknown>) => Promise.all(ids.map(fn));

/**
 * Claims the resource's time for the session. Blocks already held by the same session (another seat of the class)
 * count as ours; one held by another session means the time is taken, and the blocks this call inserted are given
 * back. Returns whether the time is the session's.
 */
async function claimTime(h: Hold): Promise<boolean> {
  const ids = blockIds(h);
  const expiresAt = new Date(h.busyEnd + DAY_MS);
  const docs = ids.map((_id) => ({ _id, org: h.org, resourceId: h.resourceId, holder: h.session, expiresAt }));
  let failed: number[] = [];
  try {
    await mongoose.connection.collection<Block>('booking_blocks').insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code?: number; errmsg?: string }[] }).writeErrors;
    if (!writeErrors?.length || !writeErrors.every((e) => isDuplicateKey({ code: e.code, message: e.errmsg }))) throw err;
    failed = writeErrors.map((e) => e.index);
  }
  if (!failed.length) return true;
  const holders = await Promise.all(failed.map((i) => BlockModel.findOne({ _id: ids[i]!, org: h.org }).lean<Block>()));
  if (holders.every((b) => b?.holder === h.session)) return true;
  const mine = ids.filter((_, i) => !failed.includes(i));
  await each(mine, (_id) => BlockModel.deleteOne({ _id, org: h.org, holder: h.session }));
  return false;
}

/** Takes a seat and the resource's time for it, or neither. Returns the seat number, 0 when the slot is taken. */
export async function takeHold(h: Hold): Promise<number> {
  const seat = await takeSlot(h.org, seatBucket(h), h.capacity, keepFor(h));
  if (!seat) return 0;
  if (await claimTime(h)) return seat;
  await release(h.org, seatKey(h, seat));
  return 0;
}

async function otherSeatsHeld(h: Hold, seat: number): Promise<boolean> {
  for (let n = 1; n <= h.capacity; n++) if (n !== seat && (await claimedAt(h.org, seatKey(h, n)))) return true;
  return false;
}

/**
 * Gives a seat back, and the resource's time with the last seat. The time goes first, while the seat still keeps
 * others out of the session: an appointment's slot is never seen free-but-blocked or taken twice. For a class, a
 * seat taken between the check and the release gets its time back at once (see the closing check).
 */
export async function releaseHold(h: Hold, seat: number): Promise<void> {
  const last = !(await otherSeatsHeld(h, seat));
  if (last) await each(blockIds(h), (_id) => BlockModel.deleteOne({ _id, org: h.org, holder: h.session }));
  await release(h.org, seatKey(h, seat));
  if (last && h.capacity > 1 && (await otherSeatsHeld(h, seat))) await claimTime(h);
}

/** A booking's change is made by one request at a time: the first to claim its version. */
export const claimVersion = (org: string, bookingId: string, version: number) => claim(org, `booking:${bookingId}@${version}`, DAY_MS);
