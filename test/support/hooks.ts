// Mocha root hooks and global fixtures.
import { secantusPython } from '../../scripts/db/launch.ts';
import { stopStack } from './stack.ts';

/** Installs the embedded database (first run only, about half a minute) before any test's time limit starts. */
export function mochaGlobalSetup() {
  if (!process.env.MONGODB_URI) secantusPython((msg) => console.log(`  ${msg}`));
}

export const mochaHooks = {
  async afterAll() {
    await stopStack();
  },
};
