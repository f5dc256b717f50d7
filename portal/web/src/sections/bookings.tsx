// What the booking sections share: the list resources (and their invalidation after a change), a booking's facts,
// the calendar link, and "Load more" pagination over `bookings?view=...`.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from './types.ts';
import type { Booking, BookingList } from '../types.ts';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { invalidate, useResource } from '../../../shared/store.ts';
import { formatLocal } from '../format.ts';
import { ErrorBox, Heading, Lines, Loading, useTitle } from '../ui.tsx';
import { BookedOn } from './booking-credit.tsx';
import { t } from '../strings/index.ts';

const B = t.bookings;

export type View = 'upcoming' | 'history';

export const listPath = (view: View) => `bookings?view=${view}`;
/** One item is enough to know whether a list is empty (hidden_when_empty sections, the home card). */
export const firstPath = (view: View) => `bookings?view=${view}&limit=1`;

export const isEmpty = (d: BookingList | undefined): boolean => !d || d.items.length === 0;

/** After a booking, cancellation or reschedule (here or elsewhere): lists, home card and nav fetch again. */
export function refreshBookings(): void {
  for (const view of ['upcoming', 'history'] as const) {
    invalidate(listPath(view));
    invalidate(firstPath(view));
  }
}

/** Is a section one the customer may be sent to (available, not switched off)? */
export const offered = (props: Pick<PageProps, 'boot'>, key: string): boolean =>
  props.boot.portal.sections.some((s) => s.key === key && s.available && s.state !== 'disabled');

/** A page that cannot show what its link asked for (unknown service or booking), or not yet. */
export function Missing(props: { title: string; back: ComponentChildren; loading: boolean; error?: ApiError; retry?: () => void; message: string }) {
  useTitle(props.title);
  return (
    <>
      <div class="back">{props.back}</div>
      <Heading>{props.title}</Heading>
      {props.loading ? <Loading /> : props.error ? <ErrorBox error={props.error} retry={props.retry} /> : <p role="alert">{props.message}</p>}
    </>
  );
}

export const icsHref = (bff: string, id: string) => `${bff.replace(/\/+$/, '')}/api/bookings/${encodeURIComponent(id)}/calendar.ics`;

export const bookingWhen = (b: Booking): string => formatLocal(b.local.date, b.local.time, b.start, b.timeZone);

/** "Deep tissue massage, Tuesday 3 December 2025, 10:00": names a booking in labels and messages. */
export const bookingName = (b: Booking): string => B.summary(b.service.name, bookingWhen(b));

export function BookingFacts({ b }: { b: Booking }) {
  return (
    <dl class="facts">
      <dt>{B.when}</dt>
      <dd>
        <time dateTime={b.start}>{bookingWhen(b)}</time>
      </dd>
      <dt>{B.with}</dt>
      <dd>{b.resource.name}</dd>
      <dt>{B.where}</dt>
      <dd>
        {b.location.name}
        {b.location.address && (
          <>
            <br />
            <Lines text={b.location.address} />
          </>
        )}
      </dd>
      <BookedOn b={b} />
    </dl>
  );
}

type More = { items: Booking[]; next?: string; pages: number };

/**
 * A bookings list: the first page from the shared store (so a change anywhere reloads it), further pages on demand.
 * When the first page is reloaded, as many further pages as were shown are fetched again.
 */
export function useBookingPages(view: View) {
  const path = listPath(view);
  const first = useResource<BookingList>(path);
  const [more, setMore] = useState<More>({ items: [], pages: 0 });
  const [busy, setBusy] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const shown = useRef(0);
  shown.current = more.pages;
  const seq = useRef(0);

  const page = (cursor: string) => api<BookingList>(`${path}&cursor=${encodeURIComponent(cursor)}`);

  useEffect(() => {
    const data = first.data;
    if (!data || !shown.current) return;
    const n = ++seq.current;
    void (async () => {
      const out: More = { items: [], next: data.next, pages: 0 };
      while (out.next && out.pages < shown.current) {
        const p = await page(out.next);
        out.items.push(...p.items);
        out.next = p.next;
        out.pages++;
      }
      if (n === seq.current) setMore(out);
    })().catch(() => {});
  }, [first.data]);

  const cursor = more.pages ? more.next : first.data?.next;

  const loadMore = async (): Promise<boolean> => {
    if (!cursor) return false;
    const n = ++seq.current;
    setBusy(true);
    setMoreError(null);
    try {
      const p = await page(cursor);
      if (n === seq.current) setMore((m) => ({ items: [...m.items, ...p.items], next: p.next, pages: m.pages + 1 }));
      return true;
    } catch (err) {
      setMoreError(asApiError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const seen = new Set<string>();
  const items = first.data ? [...first.data.items, ...more.items].filter((b) => !seen.has(b.id) && !!seen.add(b.id)) : [];
  return { items, data: first.data, error: first.error, loading: first.loading, reload: first.reload, hasMore: !!cursor, loadMore, busy, moreError };
}

/** "Load more" and what it says; focus goes to the first newly shown booking's heading (`bk-<id>`). */
export function LoadMore({ pages, ids }: { pages: ReturnType<typeof useBookingPages>; ids: string[] }) {
  const [focusAt, setFocusAt] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (focusAt === null || ids.length <= focusAt) return;
    document.getElementById(`bk-${ids[focusAt]}`)?.focus();
    setFocusAt(null);
  }, [focusAt, ids.length]);

  const click = async () => {
    const before = ids.length;
    if (await pages.loadMore()) {
      setLoaded(true);
      setFocusAt(before);
    }
  };

  return (
    <>
      {pages.moreError && <ErrorBox error={pages.moreError} retry={click} />}
      {pages.hasMore && (
        <p>
          <button type="button" class="btn" disabled={pages.busy} aria-busy={pages.busy ? 'true' : undefined} onClick={click}>
            {B.loadMore}
          </button>
        </p>
      )}
      <p role="status" class="muted">
        {loaded ? B.showing(ids.length) : ''}
      </p>
    </>
  );
}
