// The one mongoose connection: MONGODB_URI when set, otherwise the embedded development database.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { embeddedDatabase } from '../scripts/db/launch.ts';
import type { Logger } from './log.ts';

export type DatabaseHandle = { uri: string; embedded: boolean; close(): Promise<void> };

mongoose.set('strictQuery', true);
// Collections and indexes are made once at start, by ensureCollections, before anything is served.
mongoose.set('autoIndex', false);

export async function connectDatabase(config: Config, log: Logger): Promise<DatabaseHandle> {
  const embedded = config.mongodbUri ? undefined : await embeddedDatabase(config.varDir, (msg) => log.info(msg));
  const uri = config.mongodbUri ?? embedded!.uri;
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000, monitorCommands: true }); // timed for /metrics
  await ensureCollections(log);
  log.info('database connected', { embedded: Boolean(embedded), database: mongoose.connection.name });
  return {
    uri,
    embedded: Boolean(embedded),
    async close() {
      await mongoose.disconnect();
      await embedded?.stop();
    },
  };
}

/**
 * Creates every model's collection and indexes. Collections exist before any transaction writes to them (MongoDB
 * 4.4+ could create one inside a transaction, but SecantusDB 0.7.0b3 then lets concurrent readers see part of the
 * uncommitted transaction: test/db/engine.test.ts). An index on `expiresAt` alone is a TTL index: the server
 * removes a document once that time has passed (within a minute or so), so readers still check expiry where a
 * second matters.
 */
export async function ensureCollections(log: Logger): Promise<void> {
  const existing = new Set((await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const model of Object.values(mongoose.models)) {
    if (!existing.has(model.collection.collectionName))
      await model.createCollection().catch((err) => err.codeName === 'NamespaceExists' || Promise.reject(err));
    for (const [fields, options] of model.schema.indexes()) {
      const ttl = Object.keys(fields).join() === 'expiresAt' ? { expireAfterSeconds: 0 } : {};
      await model.collection.createIndex(fields as mongoose.mongo.IndexSpecification, {
        ...(options as mongoose.mongo.CreateIndexesOptions),
        ...ttl,
      });
    }
  }
  log.debug('collections and indexes ensured', { models: Object.keys(mongoose.models).length });
}

/** A unique index refused the write (MongoDB's code 11000, for inserts, updates and upserts alike). */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number } | undefined)?.code === 11000;

/**
 * A conditional update of one document by `_id` and, when it matched, the document after it (null when the filter
 * did not match). Not one `findOneAndUpdate`, which SecantusDB 0.7.0b3 answers by reading the whole collection once
 * the filter holds more than `_id` (measured: 70–150 ms at 4,000 documents, against 6–9 ms for the update). In a
 * transaction the read sees exactly this write; outside one it may also see a later one.
 */
export async function updateAndRead<T>(
  model: mongoose.Model<T>,
  filter: mongoose.FilterQuery<T> & { _id: string; org: string },
  update: mongoose.UpdateQuery<T>,
  session?: mongoose.mongo.ClientSession,
): Promise<T | null> {
  const { matchedCount } = await model.updateOne(filter, update, { session });
  if (!matchedCount) return null;
  return model.findOne({ _id: filter._id, org: filter.org }, undefined, { session }).lean<T>();
}

/**
 * Upserts in a transaction and reads the document back in it, which sees exactly this write. Not one
 * `findOneAndUpdate`: SecantusDB 0.7.0b3 scans the collection for that, and sometimes answers null to a racing
 * upsert that it applied (test/db/engine.test.ts).
 */
export async function upsertAndRead<T>(
  model: mongoose.Model<T>,
  filter: mongoose.FilterQuery<T>,
  update: mongoose.UpdateQuery<T>,
  session: mongoose.mongo.ClientSession,
): Promise<T> {
  await model.updateOne(filter, update, { upsert: true, session });
  return (await model.findOne({ _id: filter._id, org: filter.org }, undefined, { session }).lean<T>())!;
}
