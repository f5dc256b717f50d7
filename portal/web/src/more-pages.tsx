// A list whose first page comes from the shared store (live: an event reads it again) and whose older pages the
// customer asks for: the invoices, the credit history. The older pages are read here, not stored.
import { useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../../shared/api.ts';
import type { Resource } from '../../shared/store.ts';
import { ErrorBox } from './ui.tsx';

type Page<T> = { items: T[]; next?: string };

/**
 * `first`'s items, then those of the pages `loadMore()` reads after it (`pageAt(cursor)`: the path of the page at the
 * API's `next`); an item on two pages (the list grew meanwhile) shows once. `reset()` forgets the pages read.
 */
export function useMorePages<T extends { id: string }>(first: Resource<Page<T>>, pageAt: (cursor: string) => string) {
  const [more, setMore] = useState<Page<T>>({ items: [] });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const next = more.items.length ? more.next : first.data?.next;
  const seen = new Set<string>();
  const items = [...(first.data?.items ?? []), ...more.items].filter((x) => !seen.has(x.id) && !!seen.add(x.id));
  const loadMore = async () => {
    setBusy(true);
    setError(null);
    try {
      const page = await api<Page<T>>(pageAt(next!));
      setMore((m) => ({ items: [...m.items, ...page.items], next: page.next }));
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return { items, next, busy, error, loadMore, reset: () => setMore({ items: [] }) };
}

/** Below the list: what went wrong reading more (with a retry), and the button that reads the next page, if any. */
export function MoreButton({ pages, label }: { pages: ReturnType<typeof useMorePages<{ id: string }>>; label: string }) {
  return (
    <>
      {pages.error && <ErrorBox error={pages.error} retry={pages.loadMore} />}
      {pages.next && (
        <p>
          <button type="button" class="btn" disabled={pages.busy} aria-busy={pages.busy ? 'true' : undefined} onClick={pages.loadMore}>
            {label}
          </button>
        </p>
      )}
    </>
  );
}
