// Mocha root hooks and global fixtures.
import { secantusPython } from '../../scripts/db/launch.ts';
import { stripeMockBinary } from '../../scripts/stripe/launch.ts';
import { stopStack } from './stack.ts';

/** Installs the embedded database and builds stripe-mock (first run only, a minute or so) before any test's time limit starts. */
export function mochaGlobalSetup() {
  if (!process.env.MONGODB_URI) secantusPython((msg) => console.log(`  ${msg}`));
  stripeMockBinary((msg) => console.log(`  ${msg}`));
}

export const mochaHooks = {
  async afterAll() {
    await stopStack();
  },
};
