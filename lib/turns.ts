// Work that takes turns within a process, by key: at most `width` tasks of one key run at once and the rest wait,
// first come first served, so one key's burst queues behind itself instead of crowding out every other key.
import { TooManyRequests } from './errors.ts';

type Lane = { running: number; waiting: (() => void)[] };

/** `inTurn(key, task)` runs `task` when its key has room; past `maxWaiting` queued, it refuses with 429. */
export function turns(width: number, maxWaiting = Infinity) {
  const lanes = new Map<string, Lane>();
  return async function inTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
    let lane = lanes.get(key);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      lanes.set(key, lane);
    }
    if (lane.running < width) lane.running++;
    else if (lane.waiting.length >= maxWaiting) throw new TooManyRequests('Too many requests of this kind at once: try again shortly.', 1);
    else await new Promise<void>((resolve) => lane.waiting.push(resolve)); // a finishing task hands its place over
    try {
      return await task();
    } finally {
      const next = lane.waiting.shift();
      if (next) next();
      else if (--lane.running === 0) lanes.delete(key);
    }
  };
}
