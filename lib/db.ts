// The one mongoose connection: MONGODB_URI when set, otherwise the embedded development database.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { embeddedDatabase } from '../scripts/ferretdb/launch.ts';
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

/** Builds every model's indexes. A TTL index the server refuses is only a clean-up aid (expiry is checked on read). */
export async function ensureIndexes(log: Logger): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    try {
      await model.createIndexes();
    } catch (err) {
      log.warn('index not created', { model: model.modelName, err: (err as Error).message });
    }
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number })?.code === 11000;
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
