// Book: the services (`#/book`), then a service's week of times, the confirmation and the result (`#/book/<service>`).
import type { PageProps, SectionDef } from './types.ts';
import type { Booking, Service } from '../types.ts';
import { api } from '../../../shared/api.ts';
import { useResource } from '../../../shared/store.ts';
import { ErrorBox, Heading, Lines, Loading, SrOnly, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { BookingFlow, ServiceFacts, type Chosen } from './booking-flow.tsx';
import { BookingFacts, Missing, icsHref, offered } from './bookings.tsx';
import { PayBooking, isFirm, paidTitle } from './booking-money.tsx';
import { t } from '../strings/index.ts';

const K = t.book;
export type Services = { items: Service[] };

function ServiceList({ section }: PageProps) {
  useTitle(section.label);
  const { data, error, loading, reload } = useResource<Services>('services');
  return (
    <>
      <Heading>{section.label}</Heading>
      <p class="muted">{K.intro}</p>
      {data ? (
        data.items.length ? (
          <ul class="cards plain">
            {data.items.map((s) => (
              <li class="card" key={s.id}>
                <h2>{s.name}</h2>
                <ServiceFacts service={s} />
                {s.description && (
                  <p>
                    <Lines text={s.description} />
                  </p>
                )}
                <p class="card-link">
                  <a class="btn primary" href={href('book', s.id)}>
                    {K.choose}
                    <SrOnly> {s.name}</SrOnly>
                  </a>
                </p>
              </li>
            ))}
          </ul>
        ) : (
          <p>{K.noServices}</p>
        )
      ) : loading ? (
        <Loading />
      ) : (
        error && <ErrorBox error={error} retry={reload} />
      )}
    </>
  );
}

function BookService(props: PageProps) {
  const { section, boot, param } = props;
  const { data, error, loading, reload } = useResource<Services>('services');
  const service = data?.items.find((s) => s.id === param);
  const back = (
    <p>
      <a href={href('book')}>{K.otherService}</a>
    </p>
  );
  if (!service) {
    return (
      <Missing
        title={section.label}
        back={back}
        loading={!data && loading}
        error={data ? undefined : error}
        retry={reload}
        message={K.unknownService}
      />
    );
  }

  const done = (booking: Booking, changed: (b: Booking) => void) => (
    <>
      {isFirm(booking) && <p>{K.doneIntro}</p>}
      <PayBooking b={booking} boot={boot} changed={changed} />
      <section class="card" aria-labelledby="done-service">
        <h2 id="done-service">{booking.service.name}</h2>
        <BookingFacts b={booking} />
      </section>
      <div class="actions">
        <a class="btn primary" href={icsHref(boot.bff, booking.id)}>
          {t.bookings.addToCalendar}
        </a>
        {offered(props, 'upcoming') && (
          <a class="btn" href={href('upcoming')}>
            {K.seeUpcoming}
          </a>
        )}
        <a class="btn" href={href('book')}>
          {K.bookAnother}
        </a>
      </div>
    </>
  );

  const submit = (c: Chosen) =>
    api<Booking>('bookings', 'POST', { serviceId: service.id, start: c.slot.start, ...(c.resourceId ? { resourceId: c.resourceId } : {}) });

  return (
    <BookingFlow
      service={service}
      boot={boot}
      titles={{ time: K.chooseTime, confirm: K.confirmTitle, done: (b) => paidTitle(b, K.doneTitle) }}
      confirmLabel={K.confirm}
      back={back}
      submit={submit}
      done={done}
    />
  );
}

const BookPage = (props: PageProps) => (props.param ? <BookService {...props} /> : <ServiceList {...props} />);

function BookCard() {
  return <p>{K.cardIntro}</p>;
}

export const book: SectionDef = { Page: BookPage, Card: BookCard, routes: { book: BookPage } };
