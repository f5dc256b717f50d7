// Mocha root hooks and global fixtures.
import { ferretdbBinary } from '../../scripts/ferretdb/launch.ts';
import { stopStack } from './stack.ts';

/** Builds the embedded FerretDB (first run only, about a minute) before any test's time limit starts. */
export function mochaGlobalSetup() {
  if (!process.env.MONGODB_URI) ferretdbBinary((msg) => console.log(`  ${msg}`));
}

export const mochaHooks = {
  async afterAll() {
    await stopStack();
  },
};
