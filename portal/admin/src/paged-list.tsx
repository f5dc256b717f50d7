// A list the console reads a page at a time (`{ items, next }`): members, invoices, tabs, a member's credits and their
// history. One hook holds the pages, the "load more" and the guard against a slow answer for old filters; live
// events put a changed item in its place (`placed`) or read the first page again (`reload`).
import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../shared/api.ts';
import { ErrorBox, Loading } from './ui.tsx';

export type Page<T> = { items: T[]; next?: string };

/** `path` asking for the page at `cursor` (the API's `next`) in the query parameter `param`; the first page without. */
export const pageAt = (path: string, cursor?: string, param = 'cursor'): string =>
  cursor ? `${path}${path.includes('?') ? '&' : '?'}${param}=${encodeURIComponent(cursor)}` : path;

/**
 * The list `fetch` pages through: the first page when mounted and again (starting empty) whenever `deps` change
 * (the filters), the next one on `more()`. Only the latest request's answer lands, so a slow answer for the old
 * filters never overwrites the new ones'. `reload()` reads the first page again, keeping the list shown meanwhile.
 */
export function usePagedList<T>(fetch: (cursor?: string) => Promise<Page<T>>, deps: readonly unknown[]) {
  const [items, setItems] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const seq = useRef(0);
  const latest = useRef(fetch);
  latest.current = fetch;
  const load = (cursor?: string) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    latest.current(cursor).then(
      (page) => {
        if (mine !== seq.current) return;
        setItems((old) => (cursor && old ? [...old, ...page.items] : page.items));
        setNext(page.next || undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
  };
  useEffect(() => {
    setItems(null);
    load();
  }, deps);
  return {
    items,
    setItems,
    next,
    loading,
    error,
    reload: () => load(),
    more: () => load(next),
    /** Again what failed: the next page when there is a list, else the first. */
    retry: () => load(items ? next : undefined),
  };
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/** Below a paged list: "Loading…", what went wrong (with a retry), or the button that loads the next page. */
export function ListFooter({ list, more }: { list: Omit<PagedList<unknown>, 'setItems'>; more: string }) {
  return (
    <>
      {list.loading && <Loading />}
      {list.error && <ErrorBox error={list.error} retry={list.retry} />}
      {list.items && !list.loading && list.next && (
        <button type="button" class="btn" onClick={list.more}>
          {more}
        </button>
      )}
    </>
  );
}

/** `list` with `item` in its place, newest (by `at`) first, replacing its old self; or without it, when it no longer `belongs`. */
export function placed<T extends { id: string }>(list: T[] | null, item: T, belongs: boolean, at: (x: T) => string): T[] | null {
  if (!list) return list;
  const rest = list.filter((x) => x.id !== item.id);
  return belongs ? [item, ...rest].sort((a, b) => at(b).localeCompare(at(a))) : rest;
}
