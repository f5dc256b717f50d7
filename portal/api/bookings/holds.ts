// How a slot is taken so that it can never be double-booked or overfilled, on any number of server instances. Both
// writes happen in the booking's transaction, so a booking, its hold and its event stand or fall together:
//
// - a **seat**: the sitting's document counts its seats with a guarded `$inc`. A sitting is one service on one
//   resource at one start; appointments have one seat, classes N.
// - the resource's **time**: the sitting's first seat inserts one block per 5 minutes the resource is busy (buffers
//   included), `_id` "<org>|<resource>|<instant>". Two sittings that overlap by even 5 minutes want one same `_id`,
//   and the unique `_id` lets only one of them have it. The last seat to go takes the blocks with it.
//
// Reading the bookings first would not do: two transactions could both read "free" and both write.
import mongoose, { type mongo } from 'mongoose';
import { isDuplicateKey, upsertAndRead } from '../../../lib/db.ts';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import { MINUTE, DAY_MS } from '../availability/zoned.ts';

export const BLOCK_MS = 5 * MINUTE;

type Sitting = { _id: string; org: string; seats: number; expiresAt: Date };
const sittingSchema = orgScopedSchema<Sitting>({ _id: { type: String, required: true }, seats: Number, expiresAt: Date }, { versionKey: false });
sittingSchema.index({ expiresAt: 1 });
const SittingModel = mongoose.model<Sitting>('BookingSitting', sittingSchema, 'booking_sittings');

type Block = { _id: string; org: string; resourceId: string; sitting: string; expiresAt: Date };
const blockSchema = orgScopedSchema<Block>(
  { _id: { type: String, required: true }, resourceId: String, sitting: String, expiresAt: Date },
  { versionKey: false },
);
blockSchema.index({ expiresAt: 1 });
const BlockModel = mongoose.model<Block>('BookingBlock', blockSchema, 'booking_blocks');

export type Hold = { org: string; resourceId: string; session: string; capacity: number; busyStart: number; busyEnd: number };

function blockIds(h: Hold): string[] {
  const ids: string[] = [];
  for (let t = Math.floor(h.busyStart / BLOCK_MS) * BLOCK_MS; t < h.busyEnd; t += BLOCK_MS) ids.push(`${h.org}|${h.resourceId}|${t}`);
  return ids;
}

const sittingKey = (h: Hold) => ({ _id: `${h.org}|${h.session}`, org: h.org });

export const SITTINGS = SittingModel.collection.collectionName;

/** The organisation and start of the sitting a sittings `_id` names ("<org>|<service>|<resource>|<start>"). */
export function sittingOf(id: unknown): { org: string; start: number } | undefined {
  const parts = typeof id === 'string' ? id.split('|') : [];
  const start = Number(parts[3]);
  return parts.length === 4 && Number.isFinite(start) ? { org: parts[0]!, start } : undefined;
}
/** Kept until a day after the time has passed (then TTL removes them); by then nobody can book it any more. */
const expiry = (h: Hold) => new Date(h.busyEnd + DAY_MS);

/**
 * Takes a seat and, with the first seat, the resource's time, in the session's transaction. Returns the seat number,
 * 0 when the sitting is full or its time is taken; the transaction must then be aborted (a refused write ends it).
 */
export async function takeHold(session: mongo.ClientSession, h: Hold): Promise<number> {
  try {
    const sitting = await upsertAndRead<Sitting>(
      SittingModel,
      { ...sittingKey(h), seats: { $lt: h.capacity } },
      { $inc: { seats: 1 }, $setOnInsert: { expiresAt: expiry(h) } },
      session,
    );
    if (sitting.seats === 1) {
      const expiresAt = expiry(h);
      await BlockModel.insertMany(
        blockIds(h).map((_id) => ({ _id, org: h.org, resourceId: h.resourceId, sitting: h.session, expiresAt })),
        { session },
      );
    }
    return sitting.seats;
  } catch (err) {
    if (isDuplicateKey(err)) return 0; // a full sitting's upsert, or another sitting's block
    throw err;
  }
}

/** Gives a seat back in the session's transaction, and the resource's time with the last seat. */
export async function releaseHold(session: mongo.ClientSession, h: Hold): Promise<void> {
  await SittingModel.updateOne(sittingKey(h), { $inc: { seats: -1 } }, { session });
  const sitting = await SittingModel.findOne(sittingKey(h), { seats: 1 }, { session }).lean<Sitting>();
  if (sitting && sitting.seats > 0) return;
  await SittingModel.deleteOne(sittingKey(h), { session });
  await BlockModel.deleteMany({ _id: { $in: blockIds(h) }, org: h.org, sitting: h.session }, { session });
}
