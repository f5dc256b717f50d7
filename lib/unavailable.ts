// Which failures mean the database is not answering (stopped, restarting, unreachable, between primaries), as
// opposed to a bug: those become a 503 with Retry-After, so clients and load balancers wait and try again.
import mongoose from 'mongoose';
import { ServiceUnavailable } from './errors.ts';

const { MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError, MongoNotConnectedError, MongoServerError } = mongoose.mongo;

/**
 * Server error codes that say "not now" rather than "not this": HostUnreachable, HostNotFound, NetworkTimeout,
 * ShutdownInProgress, PrimarySteppedDown, SocketException, NotWritablePrimary, InterruptedAtShutdown,
 * InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
 */
const NOT_NOW = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Whether `err` (or what caused it) says the database could not be reached or is between states. */
export function databaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    // MongoNetworkError covers timeouts and a cleared pool (PoolClearedError) as well.
    if (
      e instanceof MongoNetworkError ||
      e instanceof MongoServerSelectionError ||
      e instanceof MongoTopologyClosedError ||
      e instanceof MongoNotConnectedError
    )
      return true;
    if (e instanceof MongoServerError && NOT_NOW.has(Number(e.code))) return true;
    // mongoose's own wait for a connection (bufferCommands) gave up.
    if (e instanceof mongoose.Error && /buffering timed out/.test(e.message)) return true;
  }
  return false;
}

/**
 * Whether `err` is a transaction's conflict that outlasted every retry (lib/transaction.ts): another transaction
 * holds what it writes, for as long as that one lives (one left behind by a killed instance: until the server
 * aborts it, 60 s after its last statement).
 */
const stillContended = (err: unknown): boolean =>
  typeof (err as { hasErrorLabel?: unknown })?.hasErrorLabel === 'function' &&
  (err as mongoose.mongo.MongoError).hasErrorLabel('TransientTransactionError');

/** The answer for `err` when it means the database is unavailable or still busy (undefined otherwise). */
export function unavailableAnswer(err: unknown): ServiceUnavailable | undefined {
  if (err instanceof ServiceUnavailable) return err;
  if (databaseUnavailable(err))
    return new ServiceUnavailable('We cannot reach our records right now. Nothing you entered is lost: please try again in a moment.');
  if (stillContended(err))
    return new ServiceUnavailable('Someone else is changing the same thing right now. Nothing was changed: please try again in a moment.');
  return undefined;
}
