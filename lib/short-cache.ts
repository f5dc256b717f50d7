// Organisations are read on every request but change rarely: each server instance keeps what it read for a
// moment, so a change made on another instance applies within that moment.

/** Memoises `load` per key for `ms`. Misses are not kept: arbitrary keys (paths) must not grow memory. */
export function shortCache<T>(load: (key: string) => Promise<T | null>, ms: number): (key: string) => Promise<T | null> {
  const cache = new Map<string, { value: T; at: number }>();
  return async (key) => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ms) return hit.value;
    const value = await load(key);
    if (value !== null) cache.set(key, { value, at: Date.now() });
    return value;
  };
}
