// Periodic removal of expired documents. Correctness never depends on it (expiry is checked on read); it only
// keeps collections small where the server has no TTL indexes. It deliberately spans all organisations, so it
// goes through the driver's collection rather than the organisation-scoped models.
import mongoose from 'mongoose';
import type { Logger } from './log.ts';

const EXPIRING = ['oidc_payloads', 'one_time_codes', 'claims', 'portal_sessions', 'booking_blocks'];

export async function removeExpired(now = new Date()): Promise<number> {
  let removed = 0;
  for (const name of EXPIRING) {
    const result = await mongoose.connection.db!.collection(name).deleteMany({ expiresAt: { $lt: now } });
    removed += result.deletedCount;
  }
  return removed;
}

export function scheduleCleanup(log: Logger, everyMs = 10 * 60_000): () => void {
  const timer = setInterval(() => {
    removeExpired().then(
      (removed) => removed && log.info('expired documents removed', { removed }),
      (err) => log.warn('clean-up failed', { err }),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
