// oidc-provider storage in MongoDB, one adapter class per organisation. Payloads are stored as JSON strings
// (keys such as Grant.resources are URLs, which MongoDB field names may not hold); expiry is enforced on read.
import mongoose from 'mongoose';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { orgScopedSchema } from '../../lib/tenancy.ts';

type StoredPayload = {
  _id: string;
  org: string;
  model: string;
  payload: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** Grants only: who consented to which app, so both lists (connected apps, an app's customers) are one query. */
  clientId?: string;
  accountId?: string;
  expiresAt?: Date;
  consumedAt?: Date | null;
};

const schema = orgScopedSchema<StoredPayload>(
  {
    _id: { type: String, required: true },
    model: { type: String, required: true },
    payload: { type: String, required: true },
    grantId: String,
    uid: String,
    userCode: String,
    clientId: String,
    accountId: String,
    expiresAt: Date,
    consumedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
schema.index({ org: 1, grantId: 1 }, { sparse: true });
schema.index({ org: 1, model: 1, uid: 1 }, { sparse: true });
schema.index({ org: 1, model: 1, userCode: 1 }, { sparse: true });
schema.index({ org: 1, model: 1, accountId: 1 }, { sparse: true });
schema.index({ org: 1, model: 1, clientId: 1 }, { sparse: true });
schema.index({ expiresAt: 1 });

export const OidcPayloadModel = mongoose.model<StoredPayload>('OidcPayload', schema, 'oidc_payloads');

export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

export function mongoAdapter(org: string, findClient: ClientLookup) {
  return class MongoAdapter implements Adapter {
    readonly name: string;

    constructor(name: string) {
      this.name = name;
    }

    #key(id: string): { _id: string; org: string } {
      return { _id: `${org}/${this.name}/${id}`, org };
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await OidcPayloadModel.updateOne(this.#key(id), { $set: {
        model: this.name,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? (this.name === 'Grant' ? id : undefined),
        uid: payload.uid,
        userCode: payload.userCode,
        ...(this.name === 'Grant' ? { clientId: payload.clientId, accountId: payload.accountId } : {}),
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined,
      } }, { upsert: true });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return findClient(id);
      return this.#read(this.#key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#read({ org, model: this.name, uid, expiresAt: { $gt: new Date() } });
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#read({ org, model: this.name, userCode, expiresAt: { $gt: new Date() } });
    }

    async #read(filter: Record<string, unknown>): Promise<AdapterPayload | undefined> {
      const doc = await OidcPayloadModel.findOne(filter).lean<StoredPayload>();
      if (!doc || (doc.expiresAt && doc.expiresAt.getTime() <= Date.now())) return undefined;
      const payload = JSON.parse(doc.payload) as AdapterPayload;
      return doc.consumedAt ? { ...payload, consumed: Math.floor(doc.consumedAt.getTime() / 1000) } : payload;
    }

    /**
     * Only the first of concurrent consumers wins (the unconsumed state is the update's precondition).
     * oidc-provider checks `consumed` before calling this, but parallel requests can all pass that check; losers
     * are treated as reuse: the grant is revoked and the request fails with invalid_grant, as a sequential replay
     * would.
     */
    async consume(id: string): Promise<void> {
      const won = await OidcPayloadModel.findOneAndUpdate({ ...this.#key(id), consumedAt: null }, { $set: { consumedAt: new Date() } }, { projection: { _id: 1 } }).lean();
      if (won) return;
      const doc = await OidcPayloadModel.findOne(this.#key(id), { grantId: 1 }).lean<StoredPayload>();
      if (doc?.grantId) await OidcPayloadModel.deleteMany({ org, grantId: doc.grantId });
      throw new errors.InvalidGrant('grant request is invalid (already used)');
    }

    async destroy(id: string): Promise<void> {
      await OidcPayloadModel.deleteOne(this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await OidcPayloadModel.deleteMany({ org, model: this.name, grantId });
    }
  };
}
