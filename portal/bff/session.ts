// Sessions of the first-party browser apps (backend-for-frontend): the browser holds only a random id in an HttpOnly cookie; the tokens stay
// here, sealed with a key of their own. The database keeps a hash of the id, so a leaked collection opens nothing.
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { ChangeFeed } from '../../lib/changes.ts';
import { randomId, seal, unseal } from '../../lib/crypto.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';

export type Tokens = { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number };
export type Customer = { sub: string; email: string; name?: string };

/**
 * `refreshUntil`: an instance is refreshing the tokens until then (a lease; see `refreshOnce`). `sid`: the identity
 * provider's session this one came from (the ID token's sid), which a back-channel logout token names.
 */
type StoredSession = {
  _id: string;
  org: string;
  app: string;
  customer: Customer;
  sid?: string;
  sealedTokens: string;
  refreshUntil?: Date;
  expiresAt: Date;
  createdAt: Date;
};

const schema = orgScopedSchema<StoredSession>(
  {
    _id: { type: String, required: true },
    app: { type: String, required: true },
    customer: { type: { _id: false, sub: String, email: String, name: String }, required: true },
    sid: String,
    sealedTokens: { type: String, required: true },
    refreshUntil: Date,
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });
// Back-channel logout ends sessions by the identity provider's session, or (a token without sid) by the customer;
// every field of those filters is in the index (SecantusDB scans the collection for a filter field no index holds).
schema.index({ org: 1, app: 1, sid: 1 });
schema.index({ org: 1, app: 1, 'customer.sub': 1 });
const SessionModel = mongoose.model<StoredSession>('PortalSession', schema, 'portal_sessions');

export const SESSION_TTL_MS = 14 * 24 * 3_600_000;
/** How long one instance may hold a session's refresh before another may take it over (it crashed). */
const REFRESH_LEASE_MS = 10_000;
const WAIT_STEP_MS = 50;
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

export type Session = { id: string; customer: Customer; tokens: Tokens };

/** What to do when a session ends, by the session's stored id (its hash), for `onEnd`. */
const ending = new Map<string, Set<() => void>>();
const fire = (listeners: Iterable<() => void>) => {
  for (const ended of [...listeners]) ended();
};
const watchedFeeds = new WeakSet<ChangeFeed>();

/** Hears, on every instance, of sessions deleted (signed out anywhere); when changes may have been missed, ends all. */
function watchSessions(changes: ChangeFeed): void {
  if (watchedFeeds.has(changes)) return;
  watchedFeeds.add(changes);
  changes.on(
    SessionModel.collection.collectionName,
    (change) => {
      if (change.operationType === 'delete') fire(ending.get(String(change.documentKey._id)) ?? []);
    },
    ['delete'],
  );
  changes.onReset(() => fire([...ending.values()].flatMap((set) => [...set])));
}

/**
 * Sessions of one app (`portal`, `admin`): each has its own sealing key, and finds only its own sessions. `changes`
 * (the process's change feed) tells each instance when a session ends elsewhere.
 */
export function createSessions(key: Buffer, app: string, changes: ChangeFeed) {
  return {
    async create(org: string, customer: Customer, tokens: Tokens, sid?: string): Promise<string> {
      const id = randomId(32);
      await SessionModel.create({
        _id: hashId(id),
        org,
        app,
        customer,
        sid,
        sealedTokens: seal(key, JSON.stringify(tokens)),
        expiresAt: new Date(Date.now() + SESSION_TTL_MS),
      });
      return id;
    },
    async find(org: string, id: string | undefined): Promise<Session | undefined> {
      if (!id || id.length > 100) return undefined;
      const doc = await SessionModel.findOne({ org, _id: hashId(id), app }).lean<StoredSession>();
      if (!doc || doc.expiresAt.getTime() <= Date.now()) return undefined;
      return { id, customer: doc.customer, tokens: JSON.parse(unseal(key, doc.sealedTokens)) as Tokens };
    },
    /**
     * Refreshes the session's tokens once across every instance. Refresh tokens rotate, and a second use of the old
     * one makes the identity provider revoke the whole grant, so the instance that takes the session's lease (a
     * conditional update) refreshes and stores the new tokens; the others wait for them. `stale`: the tokens the
     * caller read; when the stored ones already differ, another instance refreshed meanwhile and they are used.
     */
    async refreshOnce(org: string, id: string, stale: Tokens, refresh: (tokens: Tokens) => Promise<Tokens>): Promise<Tokens> {
      const _id = hashId(id);
      const current = async () => {
        const doc = await SessionModel.findOne({ _id, org, app }).lean<StoredSession>();
        if (!doc) throw new SessionGone();
        return { tokens: JSON.parse(unseal(key, doc.sealedTokens)) as Tokens, leased: (doc.refreshUntil?.getTime() ?? 0) > Date.now() };
      };
      for (const deadline = Date.now() + 2 * REFRESH_LEASE_MS; Date.now() < deadline; ) {
        const { tokens, leased } = await current();
        if (tokens.refreshToken !== stale.refreshToken) return tokens; // refreshed meanwhile
        if (!leased) {
          const taken = await SessionModel.updateOne(
            { _id, org, app, refreshUntil: { $not: { $gt: new Date() } } },
            { $set: { refreshUntil: new Date(Date.now() + REFRESH_LEASE_MS) } },
          );
          if (taken.modifiedCount) {
            try {
              const fresh = await refresh(tokens);
              await SessionModel.updateOne(
                { _id, org, app },
                { $set: { sealedTokens: seal(key, JSON.stringify(fresh)) }, $unset: { refreshUntil: 1 } },
              );
              return fresh;
            } catch (err) {
              await SessionModel.updateOne({ _id, org, app }, { $unset: { refreshUntil: 1 } });
              throw err;
            }
          }
        }
        await new Promise((r) => setTimeout(r, WAIT_STEP_MS)); // another instance holds the lease: its tokens come soon
      }
      throw new SessionGone();
    },
    /**
     * Calls `ended` when the session ends, whichever instance signs it out (or at once if it already has, or when
     * the change feed cannot say); answers a function that stops listening. For what outlives a request, such as an
     * event stream, which must not go on once its person signed out.
     */
    onEnd(org: string, id: string, ended: () => void): () => void {
      const _id = hashId(id);
      watchSessions(changes);
      const listeners = ending.get(_id) ?? new Set();
      ending.set(_id, listeners.add(ended));
      const stop = () => {
        listeners.delete(ended);
        if (!listeners.size && ending.get(_id) === listeners) ending.delete(_id);
      };
      // Once the feed runs, a deletion reaches `ended`; one made before is seen by this read.
      void (async () => {
        if (!(await changes.running()) || !(await SessionModel.exists({ _id, org, app }))) ended();
      })().catch(ended);
      return stop;
    },
    async destroy(org: string, id: string): Promise<void> {
      await SessionModel.deleteOne({ org, _id: hashId(id), app });
    },
    /**
     * Ends every session of this app that came from the identity provider's session `sid` (random, one per app and
     * sign-in session), or without `sid` every session of `sub`: what a back-channel logout token asks. Deleted
     * here, so every instance, which reads sessions from the database on each request, sees it on its next one.
     */
    async endIdpSession(org: string, by: { sid?: string; sub?: string }): Promise<number> {
      const filter = by.sid ? { org, app, sid: by.sid } : { org, app, 'customer.sub': by.sub };
      return (await SessionModel.deleteMany(filter)).deletedCount;
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;

/** The session ended, or its tokens could not be renewed: sign in again. */
export class SessionGone extends Error {}
