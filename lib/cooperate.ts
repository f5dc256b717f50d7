// Long computations share the event loop: a request that computes for a while lets everyone else's run between its
// steps, so one organisation's heavy answer never stalls another's quick one.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A pause to call between steps of a computation: it yields the event loop once every `sliceMs` of work. */
export function cooperative(sliceMs = 3): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}
