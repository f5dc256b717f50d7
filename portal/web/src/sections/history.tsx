// Booking history (`#/history`): past and cancelled bookings, latest first, with "Load more".
import type { PageProps, SectionDef } from './types.ts';
import type { Booking } from '../types.ts';
import { useLive } from '../../../shared/live.ts';
import { ErrorBox, Heading, Loading, SrOnly, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { BookingFacts, LoadMore, bookingName, firstPath, isEmpty, offered, refreshBookings, useBookingPages } from './bookings.tsx';
import { PaymentBadge } from './booking-money.tsx';
import { BookingAnswers } from './forms.tsx';
import { t } from '../strings/index.ts';

const H = t.history;

function HistoryItem({ b, canBook }: { b: Booking; canBook: boolean }) {
  return (
    <li class="card booking">
      <div class="booking-head">
        <h2 id={`bk-${b.id}`} tabIndex={-1}>
          {b.service.name}
        </h2>
        {b.status === 'cancelled' && <span class="badge cancelled">{t.bookings.cancelled}</span>}
        <PaymentBadge b={b} />
      </div>
      <BookingFacts b={b} />
      <BookingAnswers b={b} />
      {canBook && (
        <p>
          <a href={href('book', b.service.id)}>
            {H.bookAgain}
            <SrOnly> {bookingName(b)}</SrOnly>
          </a>
        </p>
      )}
    </li>
  );
}

function HistoryPage(props: PageProps) {
  const { section, boot } = props;
  useTitle(section.label);
  const pages = useBookingPages('history');
  useLive(boot.bff, ['booking'], refreshBookings);
  const canBook = offered(props, 'book');
  return (
    <>
      <Heading>{section.label}</Heading>
      {pages.data ? (
        pages.items.length ? (
          <>
            <ul class="bookings">
              {pages.items.map((b) => (
                <HistoryItem key={b.id} b={b} canBook={canBook} />
              ))}
            </ul>
            <LoadMore pages={pages} ids={pages.items.map((b) => b.id)} />
          </>
        ) : (
          <p>{H.empty}</p>
        )
      ) : pages.loading ? (
        <Loading />
      ) : (
        pages.error && <ErrorBox error={pages.error} retry={pages.reload} />
      )}
    </>
  );
}

export const history: SectionDef = { Page: HistoryPage, resource: firstPath('history'), isEmpty };
