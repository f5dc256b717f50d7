// Multi-document transactions for invariants that span documents (a booking with its time and its event; later an
// invoice with its number). Domain events raised inside are written in the same transaction, so a change and its
// event are committed together or not at all.
import mongoose, { type mongo } from 'mongoose';
import { writeEvents, type NewEvent } from './events.ts';
import { turns } from './turns.ts';

export type Tx = {
  session: mongo.ClientSession;
  /** Records an event of the transaction's organisation, written at commit. */
  emit(event: NewEvent): void;
};

const MAX_ATTEMPTS = 50;
/** An organisation's transactions, one at a time within this process. */
const inTurn = turns(1);

const hasLabel = (err: unknown, label: string) =>
  typeof (err as { hasErrorLabel?: unknown })?.hasErrorLabel === 'function' && (err as { hasErrorLabel(l: string): boolean }).hasErrorLabel(label);
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));

/**
 * Runs `work` in a transaction of `org` and commits it with the events it emitted. Concurrent transactions that
 * wrote the same document conflict, and the loser runs again from the start (MongoDB's TransientTransactionError),
 * so `work` must only write through `tx.session` and may run more than once.
 *
 * Within a process, an organisation's transactions take turns: they all number events on one counter, and on
 * SecantusDB bookings of distinct slots running side by side still conflicted with one another (measured: 4
 * bookings/s and 43 database operations per booking, from retries; the cause inside the engine is not pinned
 * down). Across instances a conflict is retried.
 */
export function inTransaction<T>(org: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inTurn(org, () => runTransaction(work, org));
}

async function runTransaction<T>(work: (tx: Tx) => Promise<T>, org: string): Promise<T> {
  const session = mongoose.connection.getClient().startSession();
  try {
    for (let attempt = 1; ; attempt++) {
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      const raised: NewEvent[] = [];
      try {
        const result = await work({ session, emit: (e) => void raised.push(e) });
        if (raised.length) await writeEvents(session, org, raised);
        await commit(session);
        return result;
      } catch (err) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        // A database that was not found within the driver's selection time is down, not contended: say so now.
        if (!hasLabel(err, 'TransientTransactionError') || attempt >= MAX_ATTEMPTS || err instanceof mongoose.mongo.MongoServerSelectionError)
          throw err;
        await backoff(attempt);
      }
    }
  } finally {
    await session.endSession();
  }
}

/** Commits, retrying a commit whose outcome is unknown (the server makes a retried commit idempotent). */
async function commit(session: mongo.ClientSession): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await session.commitTransaction();
    } catch (err) {
      if (!hasLabel(err, 'UnknownTransactionCommitResult') || attempt >= 5) throw err;
    }
  }
}
