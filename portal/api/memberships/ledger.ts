// The credit ledger. Credits come in buckets (one grant: a period of an entitlement, a carry-over, a pack); every
// change to a bucket's `remaining` is a ledger entry written in the same transaction, so a bucket's balance is the sum
// of its entries. Using a credit is one guarded decrement (`remaining >= 1` in the filter) inside the booking's
// transaction: two bookings racing for the last credit conflict, and the loser runs again and finds none.
import type { z } from 'zod';
import { timeCursor } from '../../../lib/cursor.ts';
import { BadRequest, HttpError } from '../../../lib/errors.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { CreditBucketModel, CreditEntryModel, type CreditBucket, type CreditEntry } from './model.ts';
import type { historyQuery } from './inputs.ts';

export class NoCredits extends HttpError {
  constructor(name: string) {
    super(409, 'no_credits', `You have no ${name} left for this time, and your plan does not allow booking it without one.`);
  }
}

const iso = (d: Date) => d.toISOString();

export function creditView(b: CreditBucket) {
  return {
    id: b._id,
    name: b.name,
    source: b.source,
    serviceIds: b.serviceIds,
    unlimited: b.unlimited,
    granted: b.granted,
    remaining: b.remaining,
    startsAt: iso(b.startsAt),
    expiresAt: iso(b.expiresAt),
  };
}
export type CreditView = ReturnType<typeof creditView>;

const creditEvent = (tx: Tx, type: string, b: CreditBucket, bookingId?: string) =>
  tx.emit({ type, subject: b._id, customer: b.customerId, data: { credit: creditView(b), ...(bookingId ? { bookingId } : {}) } });

async function entry(tx: Tx, b: CreditBucket, e: Omit<CreditEntry, 'org' | 'customerId' | 'bucket' | 'at'>) {
  await CreditEntryModel.create([{ ...e, org: b.org, customerId: b.customerId, bucket: b._id, at: new Date() }], { session: tx.session });
}

const read = (tx: Tx, org: string, id: string) => CreditBucketModel.findOne({ org, _id: id }).session(tx.session).lean<CreditBucket>();

/** Grants a bucket once (its id names the grant: granting it again changes nothing). */
export async function grant(
  tx: Tx,
  b: Omit<CreditBucket, 'remaining' | 'closed' | 'createdAt'>,
  kind: 'grant' | 'carry_in' = 'grant',
  note?: string,
) {
  if (await read(tx, b.org, b._id)) return;
  const bucket: CreditBucket = { ...b, remaining: b.unlimited ? 0 : b.granted, closed: false, createdAt: new Date() };
  await CreditBucketModel.create([bucket], { session: tx.session });
  await entry(tx, bucket, { _id: `${b._id}|${kind}`, kind, delta: bucket.remaining, note });
  creditEvent(tx, 'credit.granted', bucket);
}

/**
 * Writes off what is left of a bucket (`expire` at its end, `forfeit` when a membership ends or changes early),
 * first carrying up to `carry.count` of it into a new bucket. Closing it twice changes nothing.
 */
export async function close(
  tx: Tx,
  org: string,
  id: string,
  kind: 'expire' | 'forfeit',
  carry?: { count: number; into: Omit<CreditBucket, 'remaining' | 'closed' | 'createdAt' | 'granted'> },
) {
  const b = await read(tx, org, id);
  if (!b || b.closed) return;
  const carried = carry && !b.unlimited ? Math.min(carry.count, b.remaining) : 0;
  const { modifiedCount } = await CreditBucketModel.updateOne(
    { org, _id: id, closed: false, remaining: b.remaining },
    { $set: { closed: true, remaining: 0 } },
    { session: tx.session },
  );
  if (!modifiedCount) throw new ReadAgain();
  if (carried) {
    await entry(tx, b, { _id: `${id}|carry_out`, kind: 'carry_out', delta: -carried, note: `Carried into ${carry!.into.name}` });
    await grant(tx, { ...carry!.into, granted: carried }, 'carry_in', `Carried over from the period ending ${iso(b.expiresAt).slice(0, 10)}`);
  }
  if (b.remaining - carried > 0) await entry(tx, b, { _id: `${id}|${kind}`, kind, delta: -(b.remaining - carried) });
  creditEvent(tx, kind === 'expire' ? 'credit.expired' : 'credit.forfeited', { ...b, closed: true, remaining: 0 });
}

/** A transaction read a bucket another changed: MongoDB retries the transaction from the start. */
class ReadAgain extends Error {
  hasErrorLabel = (l: string) => l === 'TransientTransactionError';
}

export type CreditUse = { id: string; name: string; unlimited: boolean };

/** Buckets of the customer covering the service at `at`, the ones to use first first (unlimited, then soonest to expire). */
async function covering(org: string, customerId: string, serviceId: string, at: Date, usable: (b: CreditBucket) => boolean, session?: Tx['session']) {
  const found = await CreditBucketModel.find({ org, customerId, serviceIds: serviceId, expiresAt: { $gt: at } })
    .session(session ?? null)
    .lean<CreditBucket[]>();
  return found
    .filter((b) => !b.closed && b.startsAt <= at && usable(b))
    .sort((a, b) => Number(b.unlimited) - Number(a.unlimited) || a.expiresAt.getTime() - b.expiresAt.getTime());
}

/** What booking the service at `at` would use, and what happens without a credit (for the booking page). */
export async function creditFor(org: string, customerId: string, serviceId: string, at: Date, usable: (b: CreditBucket) => boolean) {
  const buckets = await covering(org, customerId, serviceId, at, usable);
  const use = buckets.find((b) => b.unlimited || b.remaining > 0);
  return {
    use: use ? { creditId: use._id, name: use.name, remaining: use.remaining, granted: use.granted, unlimited: use.unlimited } : null,
    whenOut: buckets.length ? (buckets.some((b) => b.whenOut === 'pay') ? ('pay' as const) : ('refuse' as const)) : null,
  };
}

/**
 * In the booking's transaction: uses a credit covering the service at the booking's start, if the customer has one.
 * Undefined when none covers it, or all are used and one of them lets the customer pay instead; NoCredits when they
 * are used up and the plan refuses a booking without one.
 */
export async function useCredit(
  tx: Tx,
  org: string,
  customerId: string,
  serviceId: string,
  at: Date,
  bookingId: string,
  usable: (b: CreditBucket) => boolean,
): Promise<CreditUse | undefined> {
  const buckets = await covering(org, customerId, serviceId, at, usable, tx.session);
  for (const b of buckets) {
    if (!b.unlimited) {
      const { modifiedCount } = await CreditBucketModel.updateOne(
        { org, _id: b._id, closed: false, remaining: { $gte: 1 } },
        { $inc: { remaining: -1 } },
        { session: tx.session },
      );
      if (!modifiedCount) continue;
    }
    const after = { ...b, remaining: b.unlimited ? 0 : b.remaining - 1 };
    await entry(tx, b, { _id: `${b._id}|use|${bookingId}`, kind: 'use', delta: b.unlimited ? 0 : -1, bookingId });
    creditEvent(tx, 'credit.used', after, bookingId);
    return { id: b._id, name: b.name, unlimited: b.unlimited };
  }
  if (buckets.length && !buckets.some((b) => b.whenOut === 'pay')) throw new NoCredits(buckets[0]!.name);
  return undefined;
}

/** A booking cancelled in time gives its credit back, once, unless the credit has expired or been closed meanwhile. */
export async function giveBack(tx: Tx, org: string, credit: CreditUse, bookingId: string): Promise<boolean> {
  const b = await read(tx, org, credit.id);
  if (!b || b.closed || b.expiresAt.getTime() <= Date.now()) return false;
  const id = `${b._id}|return|${bookingId}`;
  if (await CreditEntryModel.exists({ org, _id: id }).session(tx.session)) return false;
  if (!b.unlimited) await CreditBucketModel.updateOne({ org, _id: b._id, closed: false }, { $inc: { remaining: 1 } }, { session: tx.session });
  await entry(tx, b, { _id: id, kind: 'return', delta: b.unlimited ? 0 : 1, bookingId });
  creditEvent(tx, 'credit.returned', { ...b, remaining: b.unlimited ? 0 : b.remaining + 1 }, bookingId);
  return true;
}

/**
 * Writes off the organisation's buckets whose time is up and that no renewal closed (a pack's, a carry-over's, a
 * period's with no renewal after it), so the ledger says where every credit went. Asked for where credits are read.
 */
export async function expireDue(org: string, now = Date.now()): Promise<void> {
  const due = await CreditBucketModel.find({ org, closed: false, expiresAt: { $lte: new Date(now) } }, { _id: 1 })
    .limit(100)
    .lean<{ _id: string }[]>();
  for (const { _id } of due) await inTransaction(org, (tx) => close(tx, org, _id, 'expire'));
}

/** The customer's credits not yet closed or expired, soonest to expire first. */
export async function openCredits(org: string, customerId: string, now = Date.now()) {
  const found = await CreditBucketModel.find({ org, customerId }).lean<CreditBucket[]>();
  return found
    .filter((b) => !b.closed && b.expiresAt.getTime() > now)
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
    .map(creditView);
}

const HISTORY_CURSOR = timeCursor(/.{1,200}/);

/** Every change to the customer's credits, newest first; `cursor` is the previous page's `next` ("<ms>_<entry id>"). */
export async function creditHistory(org: string, customerId: string, q: z.infer<typeof historyQuery>) {
  const m = q.cursor ? HISTORY_CURSOR.exec(q.cursor) : undefined;
  if (q.cursor && !m) throw new BadRequest('cursor: use the `next` value of the previous page');
  const before = m ? { at: new Date(Number(m[1])), id: m[2]! } : undefined;
  // Entries of one transaction share a millisecond: read past the cursor's and drop those already shown.
  const found = await CreditEntryModel.find({ org, customerId, ...(before ? { at: { $lte: before.at } } : {}) })
    .sort({ at: -1, _id: -1 })
    .limit(q.limit + 51)
    .lean<CreditEntry[]>();
  const entries = before ? found.filter((e) => e.at < before.at || e._id < before.id) : found;
  const page = entries.slice(0, q.limit);
  const names = new Map(
    (await CreditBucketModel.find({ org, _id: { $in: [...new Set(page.map((e) => e.bucket))] } }, { name: 1 }).lean<CreditBucket[]>()).map((b) => [
      b._id,
      b.name,
    ]),
  );
  return {
    items: page.map((e) => ({
      id: e._id,
      at: iso(e.at),
      kind: e.kind,
      delta: e.delta,
      credit: { id: e.bucket, name: names.get(e.bucket) ?? '' },
      ...(e.bookingId ? { bookingId: e.bookingId } : {}),
      ...(e.note ? { note: e.note } : {}),
    })),
    ...(entries.length > q.limit ? { next: `${page.at(-1)!.at.getTime()}_${page.at(-1)!._id}` } : {}),
  };
}
