// Sessions of the first-party browser apps (backend-for-frontend): the browser holds only a random id in an HttpOnly cookie; the tokens stay
// here, sealed with a key of their own. The database keeps a hash of the id, so a leaked collection opens nothing.
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { randomId, seal, unseal } from '../../lib/crypto.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';

export type Tokens = { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number };
export type Customer = { sub: string; email: string; name?: string };

type StoredSession = { _id: string; org: string; app: string; customer: Customer; sealedTokens: string; expiresAt: Date; createdAt: Date };

const schema = orgScopedSchema<StoredSession>(
  {
    _id: { type: String, required: true },
    app: { type: String, required: true },
    customer: { type: { _id: false, sub: String, email: String, name: String }, required: true },
    sealedTokens: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });
const SessionModel = mongoose.model<StoredSession>('PortalSession', schema, 'portal_sessions');

export const SESSION_TTL_MS = 14 * 24 * 3_600_000;
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

export type Session = { id: string; customer: Customer; tokens: Tokens };

/** Sessions of one app (`portal`, `admin`): each has its own sealing key, and finds only its own sessions. */
export function createSessions(key: Buffer, app: string) {
  return {
    async create(org: string, customer: Customer, tokens: Tokens): Promise<string> {
      const id = randomId(32);
      await SessionModel.create({ _id: hashId(id), org, app, customer, sealedTokens: seal(key, JSON.stringify(tokens)), expiresAt: new Date(Date.now() + SESSION_TTL_MS) });
      return id;
    },
    async find(org: string, id: string | undefined): Promise<Session | undefined> {
      if (!id || id.length > 100) return undefined;
      const doc = await SessionModel.findOne({ org, _id: hashId(id), app }).lean<StoredSession>();
      if (!doc || doc.expiresAt.getTime() <= Date.now()) return undefined;
      return { id, customer: doc.customer, tokens: JSON.parse(unseal(key, doc.sealedTokens)) as Tokens };
    },
    async saveTokens(org: string, id: string, tokens: Tokens): Promise<void> {
      await SessionModel.updateOne({ org, _id: hashId(id), app }, { $set: { sealedTokens: seal(key, JSON.stringify(tokens)) } });
    },
    async destroy(org: string, id: string): Promise<void> {
      await SessionModel.deleteOne({ org, _id: hashId(id), app });
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
