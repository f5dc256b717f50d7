// oidc-provider storage in MongoDB, one adapter class per organisation. Payloads are stored as JSON strings
// (keys such as Grant.resources are URLs, which MongoDB field names may not hold); expiry is enforced on read, so a
// destroyed payload is simply expired at once (the TTL index removes it). Within one request (`unitOfWork`) each
// document is read at most once and the writes go out together, in one round trip, just before the response.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import mongoose from 'mongoose';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { orgScopedSchema } from '../../lib/tenancy.ts';

export type StoredPayload = {
  _id: string;
  org: string;
  model: string;
  payload: string;
  grantId?: string;
  /** The _id of the grant a token or code belongs to, so reading one brings its grant along in the same query. */
  grantKey?: string;
  uid?: string;
  userCode?: string;
  /** Grants only: who consented to which app, so both lists (connected apps, an app's customers) are one query. */
  clientId?: string;
  accountId?: string;
  expiresAt?: Date;
  consumedAt?: Date | null;
  /** Interactions only: the sign-in code sent for it and its tries (idp/otp/), beside the payload so one read serves both. */
  otp?: unknown;
  otpTries?: unknown;
};

const schema = orgScopedSchema<StoredPayload>(
  {
    _id: { type: String, required: true },
    model: { type: String, required: true },
    payload: { type: String, required: true },
    grantId: String,
    grantKey: String,
    uid: String,
    userCode: String,
    clientId: String,
    accountId: String,
    expiresAt: Date,
    consumedAt: { type: Date, default: null },
    otp: { type: mongoose.Schema.Types.Mixed, default: undefined },
    otpTries: { type: mongoose.Schema.Types.Mixed, default: undefined },
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

type Key = { _id: string; org: string };

/** Where a model's payload is kept. */
export const payloadKey = (org: string, model: string, id: string): Key => ({ _id: `${org}/${model}/${id}`, org });

/** Tokens and codes: oidc-provider checks their grant right after reading one. */
const GRANT_HOLDERS = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

type Work = {
  /** Documents read or written in this request, by _id; null when known not to exist. */
  seen: Map<string, StoredPayload | null>;
  /** Fields to write, by _id, sent together by `flush` (`upsert` unless it only expires what may not exist). */
  pending: Map<string, Pending>;
};

type Pending = { key: Key; set: Partial<StoredPayload>; upsert: boolean };

const works = new AsyncLocalStorage<Work>();

/** Runs `fn` as one unit of work (or inside the one already open): reads remembered, writes sent when it ends. */
async function inUnitOfWork<T>(fn: () => Promise<T>): Promise<T> {
  if (works.getStore()) return fn();
  const work: Work = { seen: new Map(), pending: new Map() };
  return works.run(work, async () => {
    try {
      return await fn();
    } finally {
      await flush(work);
    }
  });
}

/** Koa middleware: the rest of the request is one unit of work, whose writes are sent before the response. */
export const unitOfWork: Middleware = (_ctx, next) => inUnitOfWork(() => next());

/** Sends the writes waiting in the unit of work: one update command however many documents changed. */
async function flush(work: Work): Promise<void> {
  const writes = [...work.pending.values()];
  work.pending.clear();
  if (writes.length === 1) await write(writes[0]!);
  else if (writes.length)
    await OidcPayloadModel.bulkWrite(writes.map(({ key, set, upsert }) => ({ updateOne: { filter: key, update: { $set: set }, upsert } })));
}

const write = ({ key, set, upsert }: Pending) => OidcPayloadModel.updateOne(key, { $set: set }, { upsert });

/** $set without the fields left undefined. */
function defined(set: Partial<StoredPayload>): Partial<StoredPayload> {
  return Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
}

/** Writes waiting for the end of the request are sent now (before a write that must not overtake them). */
async function flushNow(): Promise<void> {
  const work = works.getStore();
  if (work?.pending.size) await flush(work);
}

/** Reads a document, or finds it among those this unit of work has already read or written. */
async function stored(key: Key, withGrant = false): Promise<StoredPayload | undefined> {
  const work = works.getStore();
  const seen = work?.seen.get(key._id);
  if (seen !== undefined) return seen ?? undefined;
  let doc: StoredPayload | undefined;
  if (withGrant) {
    const [found] = await OidcPayloadModel.aggregate<StoredPayload & { grant: StoredPayload[] }>([
      { $match: { _id: key._id, org: key.org } },
      { $lookup: { from: OidcPayloadModel.collection.collectionName, localField: 'grantKey', foreignField: '_id', as: 'grant' } },
    ]);
    if (found) {
      const { grant, ...rest } = found;
      doc = rest;
      if (found.grantKey && !work?.seen.has(found.grantKey)) work?.seen.set(found.grantKey, grant[0] ?? null);
    }
  } else {
    doc = (await OidcPayloadModel.findOne(key).lean<StoredPayload>()) ?? undefined;
  }
  work?.seen.set(key._id, doc ?? null);
  return doc;
}

/** Documents read by a query of another module (a customer's grants): later reads of them in this unit of work are served from here. */
export function remember(docs: StoredPayload[]): void {
  const work = works.getStore();
  for (const doc of docs) if (work && !work.seen.has(doc._id)) work.seen.set(doc._id, doc);
}

/** The stored interaction with what is kept beside its payload (its sign-in code), read at most once per unit of work. */
export function storedInteraction(org: string, uid: string): Promise<StoredPayload | undefined> {
  return stored(payloadKey(org, 'Interaction', uid));
}

/**
 * Takes the interaction's write that waits in this unit of work (oidc-provider saved its result), so the caller can
 * make it under a condition of its own, in one atomic write; it is then no longer sent at the end of the request.
 */
export function takePendingInteraction(org: string, uid: string): Partial<StoredPayload> | undefined {
  const work = works.getStore();
  const { _id } = payloadKey(org, 'Interaction', uid);
  const pending = work?.pending.get(_id);
  work?.pending.delete(_id);
  return pending?.set;
}

const live = (doc: StoredPayload | null | undefined): doc is StoredPayload =>
  Boolean(doc && !(doc.expiresAt && doc.expiresAt.getTime() <= Date.now()));

function payloadOf(doc: StoredPayload | undefined): AdapterPayload | undefined {
  if (!live(doc)) return undefined;
  const payload = JSON.parse(doc.payload) as AdapterPayload;
  return doc.consumedAt ? { ...payload, consumed: Math.floor(doc.consumedAt.getTime() / 1000) } : payload;
}

export function mongoAdapter(org: string, findClient: ClientLookup) {
  return class MongoAdapter implements Adapter {
    readonly name: string;

    constructor(name: string) {
      this.name = name;
    }

    #key(id: string): Key {
      return payloadKey(org, this.name, id);
    }

    /** Writes now, or at the end of the unit of work; what is written is seen by later reads of this unit either way. */
    async #write(key: Key, fields: Partial<StoredPayload>, upsert = true): Promise<void> {
      const set = defined(fields);
      const work = works.getStore();
      if (!work) {
        await write({ key, set, upsert });
        return;
      }
      const waiting = work.pending.get(key._id);
      work.pending.set(key._id, { key, set: { ...waiting?.set, ...set }, upsert: upsert || Boolean(waiting?.upsert) });
      const before = work.seen.get(key._id);
      work.seen.set(key._id, before || upsert ? ({ consumedAt: null, ...before, ...key, ...set } as StoredPayload) : null);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const grantId = payload.grantId ?? (this.name === 'Grant' ? id : undefined);
      await this.#write(this.#key(id), {
        model: this.name,
        payload: JSON.stringify(payload),
        grantId,
        ...(grantId && this.name !== 'Grant' ? { grantKey: payloadKey(org, 'Grant', grantId)._id } : {}),
        uid: payload.uid,
        userCode: payload.userCode,
        ...(this.name === 'Grant' ? { clientId: payload.clientId, accountId: payload.accountId } : {}),
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return findClient(id);
      return payloadOf(await stored(this.#key(id), GRANT_HOLDERS.has(this.name)));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('userCode', userCode);
    }

    async #findBy(field: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
      const work = works.getStore();
      const matches = (doc: StoredPayload | null | undefined): doc is StoredPayload => doc?.model === this.name && doc[field] === value;
      const known = [...(work?.seen.values() ?? [])].find((doc) => matches(doc) && live(doc));
      if (known) return payloadOf(known);
      // A destroyed document may linger, expired, beside the live one that took its uid (a session given a new id).
      const docs = await OidcPayloadModel.find({ org, model: this.name, [field]: value }).lean<StoredPayload[]>();
      for (const doc of docs) if (!work?.seen.has(doc._id)) work?.seen.set(doc._id, doc);
      return payloadOf(docs.map((doc) => work?.seen.get(doc._id) ?? doc).find((doc) => matches(doc) && live(doc)));
    }

    /**
     * Only the first of concurrent consumers wins (the unconsumed state is the update's precondition).
     * oidc-provider checks `consumed` before calling this, but parallel requests can all pass that check; losers
     * are treated as reuse: the grant is revoked and the request fails with invalid_grant, as a sequential replay
     * would.
     */
    async consume(id: string): Promise<void> {
      await flushNow();
      const key = this.#key(id);
      const consumedAt = new Date();
      const { modifiedCount } = await OidcPayloadModel.updateOne({ ...key, consumedAt: null }, { $set: { consumedAt } });
      const work = works.getStore();
      const seen = work?.seen.get(key._id);
      if (modifiedCount) {
        if (seen) work!.seen.set(key._id, { ...seen, consumedAt });
        return;
      }
      const grantId = seen?.grantId ?? (await OidcPayloadModel.findOne(key, { grantId: 1 }).lean<StoredPayload>())?.grantId;
      if (grantId) await this.#revoke({ org, grantId });
      throw new errors.InvalidGrant('grant request is invalid (already used)');
    }

    async destroy(id: string): Promise<void> {
      await this.#write(this.#key(id), { expiresAt: new Date(0) }, false);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.#revoke({ org, model: this.name, grantId });
    }

    async #revoke(filter: { org: string; grantId: string; model?: string }): Promise<void> {
      await flushNow();
      await OidcPayloadModel.deleteMany(filter);
      const work = works.getStore();
      for (const [id, doc] of work?.seen ?? [])
        if (doc?.grantId === filter.grantId && (!filter.model || doc.model === filter.model)) work!.seen.set(id, null);
    }
  };
}
