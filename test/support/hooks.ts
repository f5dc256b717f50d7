// Mocha root hooks and global fixtures.
import { EmbeddedDatabaseUnavailable, ferretdbBinary } from '../../scripts/ferretdb/launch.ts';
import { stopStack } from './stack.ts';

/** Builds the embedded FerretDB (first run only, about a minute) before any test's time limit starts. */
export function mochaGlobalSetup() {
  if (process.env.MONGODB_URI) return;
  try {
    ferretdbBinary((msg) => console.log(`  ${msg}`));
  } catch (err) {
    if (!(err instanceof EmbeddedDatabaseUnavailable)) throw err; // the stack falls back to mongodb-memory-server
  }
}

export const mochaHooks = {
  async afterAll() {
    await stopStack();
  },
};
