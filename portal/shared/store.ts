import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.ts';

// Shared by the browser apps (portal, admin console): a tiny cache of GET resources so the pages of an app share one
// request per resource and see each other's updates (a saved profile, a new app in the apps list).

export type Resource<T> = { data?: T; error?: ApiError; loading: boolean };

type Entry = Resource<unknown> & { listeners: Set<() => void>; started: boolean };
const entries = new Map<string, Entry>();

function entry(path: string): Entry {
  let e = entries.get(path);
  if (!e) {
    e = { loading: true, listeners: new Set(), started: false };
    entries.set(path, e);
  }
  return e;
}

function notify(e: Entry): void {
  for (const l of [...e.listeners]) l();
}

export function load(path: string, force = false): void {
  const e = entry(path);
  if (e.started && !force) return;
  e.started = true;
  e.loading = true;
  e.error = undefined;
  notify(e);
  api<unknown>(path).then(
    (data) => {
      e.data = data;
      e.loading = false;
      notify(e);
    },
    (err: unknown) => {
      e.error = err instanceof ApiError ? err : new ApiError(0, String(err));
      e.loading = false;
      notify(e);
    },
  );
}

export function setResource<T>(path: string, data: T): void {
  const e = entry(path);
  e.started = true;
  e.data = data;
  e.error = undefined;
  e.loading = false;
  notify(e);
}

/** Subscribe to a GET resource, fetching it once. `null` path = nothing to load. */
export function useResource<T>(path: string | null): Resource<T> & { reload(): void } {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!path) return;
    const e = entry(path);
    const l = () => tick((n) => n + 1);
    e.listeners.add(l);
    load(path);
    return () => {
      e.listeners.delete(l);
    };
  }, [path]);
  if (!path) return { loading: false, reload() {} };
  const e = entry(path);
  return {
    data: e.data as T | undefined,
    error: e.error,
    loading: e.loading,
    reload: () => load(path, true),
  };
}

/**
 * Subscribe to several GET resources at once (`null` = nothing to load). Unlike calling `useResource` in a loop,
 * the list may change between renders (the live preview reorders and re-states sections).
 */
export function useResources(paths: (string | null)[]): Resource<unknown>[] {
  const [, tick] = useState(0);
  const wanted = paths.filter((p): p is string => !!p).join('\n');
  useEffect(() => {
    if (!wanted) return;
    const l = () => tick((n) => n + 1);
    const es = wanted.split('\n').map((p) => {
      const e = entry(p);
      e.listeners.add(l);
      load(p);
      return e;
    });
    return () => {
      for (const e of es) e.listeners.delete(l);
    };
  }, [wanted]);
  return paths.map((p) => {
    if (!p) return { loading: false };
    const e = entry(p);
    return { data: e.data, error: e.error, loading: e.loading };
  });
}

/** Forget a resource: the next page that uses it fetches it again (e.g. a list after a delete). */
export function invalidate(path: string): void {
  const e = entries.get(path);
  if (!e) return;
  if (e.listeners.size) load(path, true);
  else entries.delete(path);
}

/** `invalidate` every resource whose path passes `test` (e.g. a list under each of its filters). */
export function invalidateMatching(test: (path: string) => boolean): void {
  for (const path of [...entries.keys()]) if (test(path)) invalidate(path);
}
