// The one mongoose connection: MONGODB_URI when set, otherwise the embedded development database.
import mongoose from 'mongoose';
import type { Config } from '../config/index.ts';
import { embeddedDatabase } from '../scripts/ferretdb/launch.ts';
import type { Logger } from './log.ts';

export type DatabaseHandle = { uri: string; embedded: boolean; close(): Promise<void> };

mongoose.set('strictQuery', true);

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
