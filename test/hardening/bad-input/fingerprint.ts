// A fingerprint of the test database: a hash of every document of every collection, by collection and _id, so a
// comparison names what changed.
//
// No collection is left out. Those that requests change whatever their input do not change here: the portal's and
// the console's sessions (portal_sessions, oidc_payloads) only when their access token is refreshed, 30 s before it
// expires, 15 minutes after the suite signs in; the sign-in rate limits (limits) are only spent by a well-formed
// address or code. Should that change, leave such a collection out here, saying why.
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';

type Db = mongoose.mongo.Db;
const { EJSON } = mongoose.mongo.BSON;

type Entry = { hash: string; expiresAt?: number };
export type Fingerprint = Map<string, Map<string, Entry>>;

export async function fingerprint(db: Db): Promise<Fingerprint> {
  const print: Fingerprint = new Map();
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  for (const name of names.sort()) {
    const docs = new Map<string, Entry>();
    for await (const doc of db.collection(name).find({})) {
      const hash = createHash('sha256')
        .update(EJSON.stringify(doc, { relaxed: false }))
        .digest('hex');
      docs.set(EJSON.stringify(doc._id), { hash, ...(doc.expiresAt instanceof Date ? { expiresAt: doc.expiresAt.getTime() } : {}) });
    }
    print.set(name, docs);
  }
  return print;
}

/**
 * What differs between two fingerprints: `collection: added|removed|changed _id`, at most `max` lines. A document
 * that was due to expire by `settled` (the second fingerprint's time) is left out: the database's TTL monitor removes
 * it whenever it runs (a destroyed sign-in interaction is expired at once, idp/provider/adapter.ts). One that a
 * request expired early is still a change: only the first fingerprint's expiry counts.
 */
export function differences(before: Fingerprint, after: Fingerprint, settled: number, max = 50): string[] {
  const out: string[] = [];
  const expired = (e?: Entry) => e?.expiresAt !== undefined && e.expiresAt <= settled;
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(name) ?? new Map<string, Entry>();
    const b = after.get(name) ?? new Map<string, Entry>();
    for (const [id, entry] of b) {
      if (expired(a.get(id))) continue;
      if (!a.has(id)) out.push(`${name}: added ${id}`);
      else if (a.get(id)!.hash !== entry.hash) out.push(`${name}: changed ${id}`);
    }
    for (const [id, entry] of a) if (!b.has(id) && !expired(entry)) out.push(`${name}: removed ${id}`);
  }
  return out.slice(0, max);
}
