// The one mongoose connection: MONGODB_URI when set, otherwise the embedded development database.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { embeddedDatabase } from '../scripts/db/launch.ts';
import type { Logger } from './log.ts';

export type DatabaseHandle = { uri: string; embedded: boolean; close(): Promise<void> };

mongoose.set('strictQuery', true);
// Indexes are built once, explicitly, by ensureIndexes (so a refused option is a warning, not a crash).
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
 * Builds every model's indexes, one by one. `expiresAt` indexes are TTL indexes where the server accepts them
 * (MongoDB) and plain ones where it does not (FerretDB v1: "not implemented yet"); either way they are only a
 * clean-up aid, as expiry is checked on read and lib/cleanup.ts removes what is left.
 */
export async function ensureIndexes(log: Logger): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    for (const [fields, schemaOptions] of model.schema.indexes()) {
      const options = schemaOptions as mongoose.mongo.CreateIndexesOptions;
      const ttl = Object.keys(fields).join() === 'expiresAt' ? { expireAfterSeconds: 0 } : {};
      try {
        await model.collection.createIndex(fields as mongoose.mongo.IndexSpecification, { ...options, ...ttl });
      } catch (err) {
        if (!Object.keys(ttl).length) throw err;
        log.debug('TTL index refused by the server; the periodic clean-up covers it', { model: model.modelName, err: (err as Error).message });
        await model.collection.createIndex(fields as mongoose.mongo.IndexSpecification, options);
      }
    }
  }
}

/**
 * A unique index refused the write. MongoDB says so with code 11000; FerretDB v1 does too for inserts, but reports
 * a unique violation in an update as a generic error carrying SQLite's message (measured on v1.24.2).
 */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; message?: string } | undefined;
  return e?.code === 11000 || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/**
 * Upsert by _id, insert first. Most saves create a document, and on FerretDB v1 an upsert that inserts scans
 * the collection (measured: 140 ms at 3,000 documents) where an insert takes 0.5 ms.
 */
export async function saveById(model: mongoose.Model<any>, key: { _id: string; org: string }, fields: Record<string, unknown>): Promise<void> {
  try {
    await model.create({ ...key, ...fields });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await model.updateOne(key, { $set: fields });
  }
}
