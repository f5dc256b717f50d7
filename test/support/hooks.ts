// Mocha root hooks: the shared stack is stopped once, after every suite ran.
import { stopStack } from './stack.ts';

export const mochaHooks = {
  async afterAll() {
    await stopStack();
  },
};
