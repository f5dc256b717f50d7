import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.tsx';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { useResource } from '../../../shared/store.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { href, useRoute } from '../router.ts';
import { FormsLink } from '../customer-forms.tsx';
import { formatMoney } from '../../../shared/money.ts';
import type { Booking, BookingEvent, BookingPayment, BookingsPage as Page, CancelAnswer, List, Location } from '../types.ts';
import { Alert, ErrorBox, Heading, LiveIndicator, Loading, ReadOnlyNote, Status, useAction, useCan, useTitle } from '../ui.tsx';
import { t } from '../strings/index.ts';
import { browserZone, enc } from './catalogue-common.tsx';

const B = t.bookings;
const DAYS = 7;
/** A route's week: its first day (`#/bookings/<date>`), or null for today's week. */
const weekOf = (param?: string) => (param && /^\d{4}-\d{2}-\d{2}$/.test(param) ? param : null);
const lang = () => document.documentElement.lang || undefined;
const pad = (n: number) => String(n).padStart(2, '0');

// Dates and times in a location's IANA time zone, without a date library.

const partsFormats = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock fields of an instant in a time zone. */
function wall(instant: number, tz: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  let f = partsFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormats.set(tz, f);
  }
  const w: Record<string, number> = {}; // the parts by type (and `literal`: NaN, unused)
  for (const p of f.formatToParts(new Date(instant))) w[p.type] = Number(p.value);
  w.hour! %= 24;
  return w as ReturnType<typeof wall>;
}

const dateIn = (instant: number, tz: string): string => {
  const w = wall(instant, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
};
const timeIn = (iso: string, tz: string): string => {
  const w = wall(Date.parse(iso), tz);
  return `${pad(w.hour)}:${pad(w.minute)}`;
};

function utcOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!);
}

export const addDays = (date: string, n: number): string => new Date(utcOf(date) + n * 86_400_000).toISOString().slice(0, 10);

/** The instant a local date begins in a time zone (midnight, or the first moment after a DST gap). */
export function startOfDay(date: string, tz: string): Date {
  const local = utcOf(date);
  const offset = (at: number) => {
    const w = wall(at, tz);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
  };
  const guess = local - offset(local);
  return new Date(local - offset(guess));
}

function zoneName(iso: string, tz: string): string {
  try {
    const p = new Intl.DateTimeFormat(lang(), { timeZone: tz, timeZoneName: 'short' }).formatToParts(new Date(iso));
    return p.find((x) => x.type === 'timeZoneName')?.value ?? tz;
  } catch {
    return tz;
  }
}

const dayTitle = (date: string): string =>
  new Intl.DateTimeFormat(lang(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(utcOf(date));

function rangeTitle(from: string, last: string): string {
  const f = new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeZone: 'UTC' });
  try {
    return f.formatRange(utcOf(from), utcOf(last));
  } catch {
    return `${f.format(utcOf(from))} – ${f.format(utcOf(last))}`;
  }
}

/** The zone the page's days follow: the locations' zone when they share one, else the browser's. */
function pageZone(locations: Location[] | undefined): { zone: string; shared: boolean } {
  const zones = new Set((locations ?? []).map((l) => l.timeZone));
  if (zones.size === 1) return { zone: [...zones][0]!, shared: true };
  return { zone: browserZone(), shared: false };
}

// The list

export type Range = { from: number; to: number };
const inRange = (b: Booking, r: Range) => {
  const s = Date.parse(b.start);
  return s >= r.from && s < r.to;
};
const byStart = (a: Booking, b: Booking) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id);

/** How far a payment has come: it never goes back, so a late event cannot undo a refund we were told of. */
const PAY_STEP: Record<BookingPayment['status'], number> = { none: 0, due: 0, paid: 1, lapsed: 2, refunded: 2 };
const payStep = (b: Booking) => (b.payment ? PAY_STEP[b.payment.status] : -1);

/**
 * The list with `b` added, replaced, or (when it moved out of the range) removed. A booking without its customer
 * keeps the one we had, and one whose payment is behind ours keeps ours (cancelling refunds after the cancellation's
 * event is sent, so the event may arrive after the answer that says refunded).
 */
function merge(list: Booking[], b: Booking, r: Range): Booking[] {
  const old = list.find((x) => x.id === b.id);
  let next = old && !b.customer ? { ...b, customer: old.customer, createdBy: b.createdBy ?? old.createdBy } : b;
  if (old && payStep(next) < payStep(old)) next = { ...next, payment: old.payment };
  const rest = list.filter((x) => x.id !== b.id);
  return inRange(b, r) ? [...rest, next].sort(byStart) : rest;
}

/** The bookings that start in a range, every page of them, by start. */
async function fetchRange(r: Range): Promise<Booking[]> {
  const base = `bookings?from=${enc(new Date(r.from).toISOString())}&to=${enc(new Date(r.to).toISOString())}&limit=100`;
  const out: Booking[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await api<Page>(base + (cursor ? `&cursor=${enc(cursor)}` : ''));
    out.push(...page.items);
    if (!page.next) break;
    cursor = page.next;
  }
  return out.filter((b) => inRange(b, r)).sort(byStart);
}

/** The booking's amount: "Deposit £20.00" when it is less than the price. */
const owed = (b: Booking, p: BookingPayment) => {
  const m = formatMoney(p);
  return p.amount < b.service.price.amount ? B.pay.deposit(m) : m;
};

/** What the booking's payment stands at, with the tab that takes it or the invoice it was paid on. */
function Payment({ b, summary }: { b: Booking; summary: string }) {
  const p = b.payment;
  if (!p) return null;
  const text =
    p.mode === 'card_on_file'
      ? B.pay.cardOnFile
      : p.status === 'due'
        ? B.pay.due(owed(b, p), p.dueBy ? timeIn(p.dueBy, b.timeZone) : '')
        : p.status === 'paid'
          ? B.pay.paid(owed(b, p))
          : p.status === 'refunded'
            ? B.pay.refunded(formatMoney({ amount: p.refunded ?? p.amount, currency: p.currency }), p.refunded === p.amount ? '' : formatMoney(p))
            : B.pay.lapsed(owed(b, p));
  const link: [string, string, string] | null =
    p.status === 'due' && p.tabId
      ? [href('tabs', p.tabId), B.pay.takePayment, B.pay.takePaymentLabel(summary)]
      : p.invoiceId
        ? [href('invoices', p.invoiceId), B.pay.invoice, B.pay.invoiceLabel(summary)]
        : null;
  return (
    <span class="pay" data-pay={p.status}>
      {text}
      {link && (
        <>
          {' · '}
          <a href={link[0]} aria-label={link[2]}>
            {link[1]}
          </a>
        </>
      )}
    </span>
  );
}

/** What cancelling did about the money: refunded, nothing refunded, or a refund that failed (staff refund from the invoice). */
function refundNote(b: Booking, money: CancelAnswer['money']): { status?: string; failed?: string } {
  if (!money || !b.payment) return {};
  if (money.refundFailed) return { failed: B.pay.refundFailed(money.refundFailed) };
  const m = formatMoney({ amount: money.refunded ?? 0, currency: b.payment.currency });
  return { status: money.refunded ? B.pay.refundedNote(m, money.creditNote ?? '') : B.pay.nothingRefunded };
}

function ConfirmCancel(props: {
  summary: string;
  payment?: BookingPayment;
  act: { busy: boolean; error: string };
  onYes: () => void;
  onNo: () => void;
}) {
  const { busy, error } = props.act;
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => yes.current?.focus(), []);
  return (
    <fieldset
      class="confirm plain"
      aria-labelledby="confirm-cancel-h"
      aria-describedby="confirm-cancel-d"
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onNo();
      }}
    >
      <p id="confirm-cancel-h">
        <strong>{B.confirmTitle(props.summary)}</strong>
      </p>
      <p id="confirm-cancel-d" class="muted">
        {B.confirmBody} {props.payment?.status === 'paid' ? B.pay.confirmRefund : props.payment?.status === 'due' ? B.pay.confirmVoid : ''}
      </p>
      <div class="actions">
        <button ref={yes} type="button" class="btn danger" disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={props.onYes}>
          {B.confirmYes}
        </button>
        <button type="button" class="btn" onClick={props.onNo}>
          {B.confirmNo}
        </button>
      </div>
      <Alert text={error} />
    </fieldset>
  );
}

export function BookingsPage({ boot, param }: PageProps) {
  useTitle(t.nav.bookings);
  const can = useCan('admin');
  // The days follow the locations' time zone, so the list waits for the locations (failing them, the browser's zone).
  const locations = useResource<List<Location>>('locations');
  const ready = !!locations.data || !!locations.error;
  const { zone, shared } = pageZone(locations.data?.items);
  const today = dateIn(Date.now(), zone);
  // The shown week's first day; null = today's week (#/bookings), a date = #/bookings/<date>.
  const [picked, setPicked] = useState(() => weekOf(param));
  const from = picked ?? today;
  const range: Range = { from: startOfDay(from, zone).getTime(), to: startOfDay(addDays(from, DAYS), zone).getTime() };
  const [items, setItems] = useState<Booking[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [flash, setFlash] = useState<Record<string, string>>({});
  const [announce, setAnnounce] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  // The cancel action's busy state, error and status message; a refund that failed, with the invoice to refund from.
  const act = useAction();
  const [refundFailed, setRefundFailed] = useState<{ text: string; invoiceId?: string } | null>(null);
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const shown = useRef(false);
  shown.current = !!items;
  const seq = useRef(0);
  // Events that arrive while the list is being fetched are applied again to the fetched list.
  const during = useRef<Booking[] | null>(null);
  const timers = useRef(new Map<string, number>());
  const refetch = useRef(0);

  const load = (quiet = false) => {
    const mine = ++seq.current;
    const r = rangeRef.current;
    during.current = [];
    if (!quiet) {
      setItems(null);
      setError(null);
    }
    fetchRange(r).then(
      (list) => {
        if (mine !== seq.current) return;
        for (const b of during.current ?? []) list = merge(list, b, r);
        during.current = null;
        setItems(list);
        setError(null);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        during.current = null;
        // A quiet refresh that fails keeps the list shown; with none shown yet, the error is.
        if (!quiet || !shown.current) setError(asApiError(err));
      },
    );
  };

  useEffect(() => {
    if (!ready) return;
    load();
    setConfirming(null);
  }, [from, zone, ready]);

  useEffect(
    () => () => {
      for (const id of timers.current.values()) clearTimeout(id);
      clearTimeout(refetch.current);
    },
    [],
  );

  // The nav link (#/bookings) while another week is shown goes back to today's (the page stays: same route).
  const route = useRoute();
  useEffect(() => {
    if (route.name === 'bookings') setPicked(weekOf(route.param));
  }, [route]);

  const show = (d: string) => {
    const next = d === today ? null : d;
    setPicked(next);
    act.setStatus('');
    setRefundFailed(null);
    history.replaceState(history.state, '', href('bookings', next ?? undefined));
  };

  const highlight = (id: string, kind: 'new' | 'changed') => {
    setFlash((f) => ({ ...f, [id]: f[id] === 'new' ? 'new' : kind }));
    clearTimeout(timers.current.get(id));
    timers.current.set(
      id,
      window.setTimeout(() => {
        timers.current.delete(id);
        setFlash(({ [id]: _, ...rest }) => rest);
      }, 6000),
    );
  };

  const time = (b: Booking) => B.timeRange(b.local?.time ?? timeIn(b.start, b.timeZone), timeIn(b.end, b.timeZone || zone));
  const summary = (b: Booking) =>
    B.summary(`${dayTitle(b.local?.date ?? dateIn(Date.parse(b.start), zone))} ${time(b)}`, b.service.name, b.customer?.email ?? b.resource.name);

  // Live updates: the organisation's booking events; after a gap (or while the stream is refused), a quiet refetch.
  useLiveEvents(boot.bff, ['booking'], (_, data) => {
    if (data === undefined) return load(true);
    const ev = data as BookingEvent;
    const b = ev?.booking;
    if (!b?.id) return;
    const r = rangeRef.current;
    during.current?.push(b);
    let had = false;
    setItems((list) => {
      if (!list) return list;
      had = list.some((x) => x.id === b.id);
      return merge(list, b, r);
    });
    if (inRange(b, r)) {
      highlight(b.id, ev.type === 'booking.created' ? 'new' : 'changed');
      setAnnounce(B.announce[ev.type]?.(summary(b)) ?? '');
    }
    // An event without the customer (the Client API's shape) for a booking we did not have: fetch the range.
    if (!b.customer && !had && inRange(b, r)) {
      clearTimeout(refetch.current);
      refetch.current = window.setTimeout(() => load(true), 200);
    }
  });

  const cancel = (b: Booking) =>
    act.run(async () => {
      setRefundFailed(null);
      const updated = await api<CancelAnswer>(`bookings/${enc(b.id)}/cancel`, 'POST');
      const { money, ...booking } = updated ?? {};
      setItems((list) => (list ? merge(list, booking.id ? booking : { ...b, status: 'cancelled' }, rangeRef.current) : list));
      highlight(b.id, 'changed');
      document.getElementById(`day-${b.local.date}`)?.focus();
      setConfirming(null);
      const note = refundNote(b, money);
      if (note.failed) setRefundFailed({ text: note.failed, invoiceId: b.payment?.invoiceId });
      return [B.cancelled(summary(b)), note.status].filter(Boolean).join(' ');
    });
  const keep = (b: Booking) => {
    setConfirming(null);
    act.setError('');
    document.getElementById(`cancel-${b.id}`)?.focus();
  };
  const cancellable = (b: Booking) => b.status === 'confirmed' && Date.parse(b.end) > Date.now();

  const last = addDays(from, DAYS - 1);
  const days = Array.from({ length: DAYS }, (_, i) => addDays(from, i));
  const groups = new Map<string, Booking[]>(days.map((d) => [d, []]));
  for (const b of items ?? []) {
    const d = b.local?.date ?? dateIn(Date.parse(b.start), b.timeZone || zone);
    if (!groups.has(d)) groups.set(d, []);
    groups.get(d)!.push(b);
  }
  const dates = [...groups.keys()].sort();
  const cols = can ? 6 : 5;

  return (
    <>
      <div class="page-head">
        <Heading>{t.nav.bookings}</Heading>
        <LiveIndicator />
      </div>
      <p class="muted">{B.intro}</p>
      <ReadOnlyNote />
      {shared && <p class="hint">{B.zoneNote(zone.replace(/_/g, ' '))}</p>}
      <fieldset class="week-nav" aria-label={B.range}>
        <button type="button" class="btn" onClick={() => show(addDays(from, -DAYS))}>
          <span aria-hidden="true">←</span> {B.previous}
        </button>
        <p class="week-title" aria-live="polite">
          <strong>{rangeTitle(from, last)}</strong>
        </p>
        <button type="button" class="btn" onClick={() => show(addDays(from, DAYS))}>
          {B.next} <span aria-hidden="true">→</span>
        </button>
        <button type="button" class="btn" disabled={from === today} onClick={() => show(today)}>
          {B.today}
        </button>
      </fieldset>
      <Status text={act.status} />
      {refundFailed && (
        <div role="alert" class="alert">
          <p>{refundFailed.text}</p>
          {refundFailed.invoiceId && (
            <p>
              <a href={href('invoices', refundFailed.invoiceId)}>{B.pay.openInvoice}</a>
            </p>
          )}
        </div>
      )}
      <p role="status" class="sr-only">
        {announce}
      </p>
      {error ? (
        <ErrorBox error={error} retry={() => load()} />
      ) : !items || !ready ? (
        <Loading />
      ) : (
        dates.map((d) => {
          const list = groups.get(d)!;
          return (
            <section key={d} class="day" aria-labelledby={`day-${d}`}>
              <h2 id={`day-${d}`} tabIndex={-1}>
                {dayTitle(d)} {d === today && <span class="badge primary">{B.todayBadge}</span>}
              </h2>
              {list.length ? (
                <div class="table-wrap">
                  <table class="list bookings" aria-labelledby={`day-${d}`}>
                    <thead>
                      <tr>
                        <th scope="col" class="c-time">
                          {B.columns.time}
                        </th>
                        <th scope="col">{B.columns.service}</th>
                        <th scope="col" class="c-with">
                          {B.columns.resource}
                        </th>
                        <th scope="col">{B.columns.customer}</th>
                        <th scope="col" class="c-status">
                          {B.columns.status}
                        </th>
                        {can && <td class="c-actions" />}
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((b) => {
                        const zoneDiffers = b.timeZone && b.timeZone !== zone;
                        const cls = [flash[b.id] && 'flash', b.status === 'cancelled' && 'cancelled'].filter(Boolean).join(' ');
                        return (
                          <Fragment key={b.id}>
                            <tr id={`booking-${b.id}`} class={cls || undefined} data-status={b.status}>
                              <td>
                                <time dateTime={b.start}>{time(b)}</time>
                                {zoneDiffers && <span class="muted"> {zoneName(b.start, b.timeZone)}</span>}
                              </td>
                              <td class="wrap">{b.service.name}</td>
                              <td class="wrap">{b.resource.name}</td>
                              <td class="wrap">
                                {b.customer?.email ?? <span class="muted">{B.unknownCustomer}</span>}
                                {b.customer && (
                                  <>
                                    {' '}
                                    <FormsLink customer={b.customer} />
                                  </>
                                )}
                                {b.createdBy === 'staff' && <span class="muted"> · {B.byStaff}</span>}
                              </td>
                              <td>
                                <span class={`badge status-${b.status}`}>{B.statuses[b.status] ?? b.status}</span>
                                {flash[b.id] && <span class="badge flash-badge"> {B.flash[flash[b.id]!]}</span>}
                                <Payment b={b} summary={summary(b)} />
                              </td>
                              {can && (
                                <td class="row-actions">
                                  {cancellable(b) && (
                                    <button
                                      type="button"
                                      id={`cancel-${b.id}`}
                                      class="btn small"
                                      aria-label={B.cancelLabel(summary(b))}
                                      aria-expanded={confirming === b.id ? 'true' : 'false'}
                                      disabled={act.busy}
                                      onClick={() => {
                                        act.setError('');
                                        act.setStatus('');
                                        setConfirming(confirming === b.id ? null : b.id);
                                      }}
                                    >
                                      {B.cancel}
                                    </button>
                                  )}
                                </td>
                              )}
                            </tr>
                            {confirming === b.id && (
                              <tr class="confirm-row">
                                <td colSpan={cols}>
                                  <ConfirmCancel
                                    summary={summary(b)}
                                    payment={b.payment}
                                    act={act}
                                    onYes={() => void cancel(b)}
                                    onNo={() => keep(b)}
                                  />
                                </td>
                              </tr>
                            )}
                          </Fragment>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p class="empty">{B.empty}</p>
              )}
            </section>
          );
        })
      )}
    </>
  );
}
