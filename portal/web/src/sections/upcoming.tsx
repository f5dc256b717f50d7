// Upcoming bookings (`#/upcoming`): each can be added to a calendar, cancelled after an inline confirmation, or
// rescheduled (`#/reschedule/<booking>`, the Book week picker for the same service). Live: the list follows
// booking events (from this app, another app or the staff). A booking a flow made shows the answers sent with it.
import { useRef, useState } from 'preact/hooks';
import type { PageProps, SectionDef } from './types.ts';
import type { Booking, BookingList } from '../types.ts';
import type { CancelAnswer, CancelMoney } from '../../../shared/types.ts';
import { api, asApiError } from '../../../shared/api.ts';
import { invalidate, setResource, useResource } from '../../../shared/store.ts';
import { useLive } from '../../../shared/live.ts';
import { formatWhen } from '../format.ts';
import { ErrorBox, Heading, Loading, SrOnly, useQuestionFocus, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { BookingFlow, type Chosen } from './booking-flow.tsx';
import type { Services } from './book.tsx';
import { BookingFacts, LoadMore, Missing, bookingName, firstPath, icsHref, isEmpty, offered, refreshBookings, useBookingPages } from './bookings.tsx';
import { PayBooking, PaymentBadge, PaymentDue, paidTitle, refundAhead, refundSaid } from './booking-money.tsx';
import { BookingAnswers, useFormsLive } from './forms.tsx';
import { t } from '../strings/index.ts';

const B = t.bookings;
const U = t.upcoming;

function Closed({ b, id }: { b: Booking; id: string }) {
  return (
    <p id={id} class="muted">
      {b.cancelDeadline ? B.closedSince(formatWhen(b.cancelDeadline, b.timeZone)) : B.closed}
      {b.lateCancellationNote && <> {b.lateCancellationNote}</>}
    </p>
  );
}

function UpcomingItem({ b, bff, cancelled }: { b: Booking; bff: string; cancelled: (b: Booking, money?: CancelMoney) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const { ask: cancelBtn, safe: keepBtn } = useQuestionFocus(asking); // to "Keep booking", then back to "Cancel"
  const name = bookingName(b);
  const closedId = `bk-${b.id}-closed`;

  const yes = async () => {
    setBusy(true);
    setError('');
    try {
      const answer = await api<CancelAnswer>(`bookings/${encodeURIComponent(b.id)}/cancel`, 'POST');
      cancelled(b, answer.money);
    } catch (err) {
      const e = asApiError(err);
      setError(e.description);
      setAsking(false);
      setBusy(false);
      if (e.code === 'cancellation_closed') refreshBookings(); // canCancel is now false: show why
    }
  };

  return (
    <li class="card booking">
      <div class="booking-head">
        <h2 id={`bk-${b.id}`} tabIndex={-1}>
          {b.service.name}
        </h2>
        <PaymentBadge b={b} />
      </div>
      <BookingFacts b={b} />
      <PaymentDue b={b} name={name} />
      <BookingAnswers b={b} />
      {!b.canCancel && <Closed b={b} id={closedId} />}
      {error && (
        <p role="alert" class="alert">
          {error}
        </p>
      )}
      {asking ? (
        <fieldset class="confirm" aria-labelledby={`bk-${b.id}-q`}>
          <p id={`bk-${b.id}-q`}>
            {U.confirmCancel(name)} {refundAhead(b)}
          </p>
          <button type="button" class="btn danger" disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={yes}>
            {U.yesCancel}
          </button>
          <button type="button" class="btn" disabled={busy} ref={keepBtn} onClick={() => setAsking(false)}>
            {U.keep}
          </button>
        </fieldset>
      ) : (
        <div class="actions">
          <a class="btn" href={icsHref(bff, b.id)}>
            {B.addToCalendar}
            <SrOnly> {name}</SrOnly>
          </a>
          {b.canCancel ? (
            <a class="btn" href={href('reschedule', b.id)}>
              {U.reschedule}
              <SrOnly> {name}</SrOnly>
            </a>
          ) : (
            <button type="button" class="btn" disabled aria-describedby={closedId}>
              {U.reschedule}
              <SrOnly> {name}</SrOnly>
            </button>
          )}
          <button
            type="button"
            class="btn"
            ref={cancelBtn}
            disabled={!b.canCancel}
            aria-describedby={b.canCancel ? undefined : closedId}
            onClick={() => setAsking(true)}
          >
            {U.cancel}
            <SrOnly> {name}</SrOnly>
          </button>
        </div>
      )}
    </li>
  );
}

function NothingBooked(props: PageProps) {
  return (
    <>
      <p>{U.empty}</p>
      {offered(props, 'book') && (
        <p>
          <a class="btn primary" href={href('book')}>
            {U.bookNow}
          </a>
        </p>
      )}
    </>
  );
}

function UpcomingPage(props: PageProps) {
  const { section, boot } = props;
  useTitle(section.label);
  const pages = useBookingPages('upcoming');
  const [gone, setGone] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  useLive(boot.bff, ['booking'], refreshBookings);
  useFormsLive(boot.bff);
  const items = pages.items.filter((b) => !gone.includes(b.id));

  const cancelled = (b: Booking, money?: CancelMoney) => {
    setGone((g) => [...g, b.id]);
    invalidate(`bookings/${encodeURIComponent(b.id)}`);
    setStatus(`${U.cancelledStatus(bookingName(b))} ${refundSaid(b, money)}`.trim());
    document.getElementById('page-title')?.focus();
    refreshBookings();
  };

  return (
    <>
      <Heading>{section.label}</Heading>
      <p role="status" class="status">
        {status}
      </p>
      {pages.data ? (
        items.length ? (
          <>
            <ul class="bookings">
              {items.map((b) => (
                <UpcomingItem key={b.id} b={b} bff={boot.bff} cancelled={cancelled} />
              ))}
            </ul>
            <LoadMore pages={pages} ids={items.map((b) => b.id)} />
          </>
        ) : (
          <NothingBooked {...props} />
        )
      ) : pages.loading ? (
        <Loading />
      ) : (
        pages.error && <ErrorBox error={pages.error} retry={pages.reload} />
      )}
    </>
  );
}

/** `#/reschedule/<booking>`: the week picker for the booking's service; the booking keeps its id. */
function ReschedulePage(props: PageProps) {
  const { section, boot, param } = props;
  const id = param ?? '';
  const path = id ? `bookings/${encodeURIComponent(id)}` : null;
  useState(() => path && invalidate(path)); // a booking seen earlier may have changed since (staff, another app)
  const booking = useResource<Booking>(path);
  const services = useResource<Services>('services');
  const shown = useRef(false);
  const b = booking.data;
  const service = b && services.data?.items.find((s) => s.id === b.service.id);
  // Once the flow is open it stays (a moved booking may fall inside the cancellation window: still show the result).
  if (b && service && b.status === 'confirmed' && b.canCancel) shown.current = true;
  const back = (
    <p>
      <a href={href(section.key)}>{U.back}</a>
    </p>
  );

  if (!shown.current || !b || !service) {
    const loading = (!!id && !b && booking.loading) || (!services.data && services.loading);
    // 404 (not the customer's) and 400 (not even an id) both mean: no such booking.
    const missing = booking.error?.status === 404 || booking.error?.status === 400;
    const error = missing ? undefined : (booking.error ?? (services.data ? undefined : services.error));
    const message = !b ? U.notFound : b.status === 'confirmed' && !b.canCancel ? B.closed : U.notUpcoming;
    return (
      <Missing
        title={U.rescheduleTitle}
        back={back}
        loading={loading}
        error={error}
        retry={booking.error ? booking.reload : services.reload}
        message={message}
      />
    );
  }

  const submit = async (c: Chosen) => {
    const path = `bookings/${encodeURIComponent(b.id)}`;
    const moved = await api<Booking>(`${path}/reschedule`, 'POST', { start: c.slot.start, ...(c.resourceId ? { resourceId: c.resourceId } : {}) });
    invalidate(path);
    return moved;
  };

  const done = (moved: Booking) => (
    <>
      <section class="card" aria-labelledby="done-service">
        <h2 id="done-service">{moved.service.name}</h2>
        <BookingFacts b={moved} />
      </section>
      <div class="actions">
        <a class="btn primary" href={icsHref(boot.bff, moved.id)}>
          {B.addToCalendar}
        </a>
        <a class="btn" href={href(section.key)}>
          {U.back}
        </a>
      </div>
    </>
  );

  return (
    <BookingFlow
      service={service}
      boot={boot}
      titles={{ time: U.rescheduleTitle, confirm: U.rescheduleConfirmTitle, done: U.rescheduleDoneTitle }}
      confirmLabel={U.rescheduleConfirm}
      back={back}
      before={b}
      submit={submit}
      done={done}
    />
  );
}

/** `#/pay/<booking>`: paying a prepaid booking's tab before its due time (from the booking's Pay button). */
function PayPage(props: PageProps) {
  const { section, boot, param } = props;
  const path = param ? `bookings/${encodeURIComponent(param)}` : null;
  useState(() => path && invalidate(path));
  const booking = useResource<Booking>(path);
  const b = booking.data;
  const back = (
    <p>
      <a href={href(section.key)}>{U.back}</a>
    </p>
  );
  const title = b ? paidTitle(b, t.book.doneTitle) : U.payTitle;
  useTitle(title);
  if (!b || !path) {
    const missing = booking.error?.status === 404 || booking.error?.status === 400;
    return (
      <Missing
        title={U.payTitle}
        back={back}
        loading={!!path && booking.loading}
        error={missing ? undefined : booking.error}
        retry={booking.reload}
        message={U.notFound}
      />
    );
  }
  return (
    <>
      <div class="back">{back}</div>
      <Heading>{title}</Heading>
      <section class="card" aria-labelledby="pay-service">
        <h2 id="pay-service">{b.service.name}</h2>
        <BookingFacts b={b} />
      </section>
      <PayBooking b={b} boot={boot} changed={(next) => setResource(path, next)} />
    </>
  );
}

/** Home: the next booking. */
function UpcomingCard(props: PageProps) {
  const { data, error, loading } = useResource<BookingList>(firstPath('upcoming'));
  useLive(props.boot.bff, ['booking'], refreshBookings);
  if (!data) return loading ? <Loading /> : error ? <p role="alert">{error.description}</p> : null;
  const b = data.items[0];
  if (!b) return <NothingBooked {...props} />;
  return (
    <>
      <h3>{U.next}</h3>
      <p>
        <strong>{b.service.name}</strong>
      </p>
      <BookingFacts b={b} />
    </>
  );
}

export const upcoming: SectionDef = {
  Page: UpcomingPage,
  Card: UpcomingCard,
  resource: firstPath('upcoming'),
  isEmpty,
  routes: { reschedule: ReschedulePage, pay: PayPage },
};
