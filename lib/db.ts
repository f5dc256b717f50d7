// The one mongoose connection: MONGODB_URI when set, otherwise the embedded development database.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { embeddedDatabase } from '../scripts/db/launch.ts';
import type { Logger } from './log.ts';

export type DatabaseHandle = { uri: string; embedded: boolean; close(): Promise<void> };

mongoose.set('strictQuery', true);
// Indexes are built once at start, by ensureIndexes, before anything is served.
mongoose.set('autoIndex', false);

export async function connectDatabase(config: Config, log: Logger): Promise<DatabaseHandle> {
  const embedded = config.mongodbUri ? undefined : await embeddedDatabase(config.varDir, (msg) => log.info(msg));
  const uri = config.mongodbUri ?? embedded!.uri;
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  await ensureIndexes(log);
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
 * Builds every model's indexes. An index on `expiresAt` alone is a TTL index: the server removes a document once
 * that time has passed (within a minute or so), so readers still check expiry where a second matters.
 */
export async function ensureIndexes(log: Logger): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    for (const [fields, options] of model.schema.indexes()) {
      const ttl = Object.keys(fields).join() === 'expiresAt' ? { expireAfterSeconds: 0 } : {};
      await model.collection.createIndex(fields as mongoose.mongo.IndexSpecification, { ...(options as mongoose.mongo.CreateIndexesOptions), ...ttl });
    }
  }
  log.debug('indexes ensured', { models: Object.keys(mongoose.models).length });
}

/** A unique index refused the write (MongoDB's code 11000, for inserts, updates and upserts alike). */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number } | undefined)?.code === 11000;

/**
 * `findOneAndUpdate` with upsert, answering the document as written. SecantusDB 0.7.0b3 sometimes answers null to
 * such an upsert that raced another, although it applied the write (test/db/engine.test.ts): the document is then
 * read again. In a transaction that read sees exactly this write; outside one, perhaps a later write too.
 */
export async function upsertAndRead<T>(
  model: mongoose.Model<any>,
  filter: mongoose.FilterQuery<T>,
  update: mongoose.UpdateQuery<T>,
  options: { session?: mongoose.mongo.ClientSession; projection?: Record<string, 1> } = {},
): Promise<T> {
  const written = await model.findOneAndUpdate(filter, update, { ...options, upsert: true, new: true }).lean<T>();
  return written ?? (await model.findOne({ _id: filter._id, org: filter.org }, options.projection, { session: options.session }).lean<T>())!;
}
