// Choosing a time for a service, confirming it, and the result: used by Book (a new booking) and by Upcoming
// (rescheduling one). The week shown stays live (availability and booking events) for as long as the flow is open,
// so a time someone else takes disappears, and a chosen time that disappears is let go with a message.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Boot } from '../boot.ts';
import type { Availability, Booking, Service, Slot } from '../types.ts';
import { api, asApiError, type ApiError } from '../../../shared/api.ts';
import { useLive } from '../../../shared/live.ts';
import { addDays, formatDay, formatDays, formatLocal, formatMoney, todayIn } from '../format.ts';
import { ErrorBox, Heading, Lines, Loading, SrOnly, useStepFocus, useTitle } from '../ui.tsx';
import { bookingWhen, refreshBookings } from './bookings.tsx';
import { PaymentTerms } from './booking-money.tsx';
import { BookedOn, creditWords, refused, useCreditFor } from './booking-credit.tsx';
import { t } from '../strings/index.ts';

const B = t.bookings;
const K = t.book;

export type Chosen = { slot: Slot; date: string; resourceId?: string };
type Step = 'time' | 'confirm' | 'done';

/**
 * One week of availability, fetched directly (not through the shared store: it changes under the customer's eyes,
 * and an old answer must never replace a newer one), and again on every live change.
 */
function useAvailability(bff: string, serviceId: string, from: string, to: string, resourceId: string, live: boolean) {
  const resource = resourceId ? `&resource=${encodeURIComponent(resourceId)}` : '';
  const path = `availability?service=${encodeURIComponent(serviceId)}&from=${from}&to=${to}${resource}`;
  type State = { path: string; data?: Availability; error?: ApiError; loading: boolean };
  const [state, setState] = useState<State>({ path, loading: true });
  const seq = useRef(0);

  const fetchNow = () => {
    const n = ++seq.current;
    setState((s) => (s.path === path ? { ...s, loading: true } : { path, loading: true }));
    api<Availability>(path).then(
      (data) => {
        if (n === seq.current) setState({ path, data, loading: false });
      },
      (err: unknown) => {
        if (n === seq.current) setState((s) => ({ path, data: s.path === path ? s.data : undefined, error: asApiError(err), loading: false }));
      },
    );
  };

  useEffect(() => {
    fetchNow();
    return () => {
      seq.current++;
    };
  }, [path]);
  useLive(bff, ['availability', 'booking'], () => {
    if (live) fetchNow();
  });

  const current: State = state.path === path ? state : { path, loading: true };
  return { ...current, refresh: fetchNow };
}

type Week = ReturnType<typeof useAvailability>;

/** Is the chosen time still on offer (for the chosen person, if one was chosen)? */
function stillOffered(a: Availability, c: Chosen): boolean {
  if (c.date < a.from || c.date > a.to) return true; // another week: nothing to say
  const slot = a.days.find((d) => d.date === c.date)?.slots.find((s) => s.start === c.slot.start);
  return !!slot && slot.seatsLeft > 0; // a week asked for one person only lists their times
}

const staffOf = (service: Service) => service.resources.filter((r) => r.kind === 'staff');

function who(service: Service, c: Chosen): string {
  const id = c.resourceId ?? (service.resources.length === 1 ? service.resources[0]!.id : undefined);
  return id ? (service.resources.find((r) => r.id === id)?.name ?? '') : K.whoeverIsFree;
}

export function ServiceFacts({ service }: { service: Service }) {
  return (
    <p class="service-facts">
      <span>{B.duration(service.durationMinutes)}</span>
      <span>{formatMoney(service.price)}</span>
      <span>{service.location.name}</span>
    </p>
  );
}

function WeekPicker(props: {
  service: Service;
  week: number;
  setWeek: (w: number) => void;
  canNext: boolean;
  from: string;
  to: string;
  resourceId: string;
  setResourceId: (id: string) => void;
  avail: Week;
  choose: (c: Chosen) => void;
}) {
  const { service, week, avail } = props;
  const staff = staffOf(service);
  const isClass = service.capacity > 1;
  const heading = useRef<HTMLHeadingElement>(null);
  const started = useRef(false);

  // A week button that became disabled (first or last week) drops focus: give it to the week's heading.
  useEffect(() => {
    if (!started.current) {
      started.current = true;
      return;
    }
    const el = document.activeElement as HTMLButtonElement | null;
    if (!el || el === document.body || el.disabled) heading.current?.focus();
  }, [week]);

  return (
    <section class="week" aria-labelledby="week-heading">
      <div class="week-head">
        <h2 id="week-heading" tabIndex={-1} ref={heading} aria-live="polite">
          <SrOnly>{K.week}: </SrOnly>
          {formatDays(props.from, props.to)}
        </h2>
        <div class="week-nav">
          <button type="button" class="btn" disabled={week === 0} onClick={() => props.setWeek(week - 1)}>
            {K.previousWeek}
          </button>
          <button type="button" class="btn" disabled={!props.canNext} onClick={() => props.setWeek(week + 1)}>
            {K.nextWeek}
          </button>
        </div>
      </div>
      {staff.length > 1 && (
        <div class="field week-filter">
          <label for="week-staff">{K.staff}</label>
          <select id="week-staff" value={props.resourceId} onChange={(e) => props.setResourceId(e.currentTarget.value)}>
            <option value="">{K.anyone}</option>
            {staff.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {avail.error && <ErrorBox error={avail.error} retry={avail.refresh} />}
      {avail.data ? (
        <ol class="days" aria-busy={avail.loading ? 'true' : undefined}>
          {avail.data.days.map((day) => (
            <li class="day" key={day.date}>
              <h3>{formatDay(day.date)}</h3>
              {day.slots.some((s) => s.seatsLeft > 0 || isClass) ? (
                <ul class="slots">
                  {day.slots
                    .filter((s) => s.seatsLeft > 0 || isClass)
                    .map((s) => (
                      <li key={s.start}>
                        <button
                          type="button"
                          class="slot"
                          disabled={s.seatsLeft <= 0}
                          onClick={() => props.choose({ slot: s, date: day.date, resourceId: props.resourceId || undefined })}
                        >
                          <time dateTime={s.start}>{s.local}</time>
                          {isClass && <span class="seats">{s.seatsLeft > 0 ? K.seatsLeft(s.seatsLeft) : K.full}</span>}
                          <SrOnly> {formatDay(day.date)}</SrOnly>
                        </button>
                      </li>
                    ))}
                </ul>
              ) : (
                <p class="muted">{K.noTimes}</p>
              )}
            </li>
          ))}
        </ol>
      ) : (
        avail.loading && <Loading />
      )}
    </section>
  );
}

export type FlowProps = {
  service: Service;
  boot: Boot;
  /** The result's title may depend on the booking (a prepaid one is paid for first). */
  titles: { time: string; confirm: string; done: string | ((b: Booking) => string) };
  confirmLabel: string;
  /** Link(s) above the heading while choosing (e.g. back to the services). */
  back: ComponentChildren;
  /** The booking being moved, when rescheduling. */
  before?: Booking;
  submit: (c: Chosen) => Promise<Booking>;
  /** The result; `changed` takes the booking as it now is (paid meanwhile, say). */
  done: (booking: Booking, changed: (b: Booking) => void) => ComponentChildren;
};

export function BookingFlow(p: FlowProps) {
  const { service } = p;
  const zone = service.location.timeZone;
  const [step, setStep] = useState<Step>('time');
  const [week, setWeek] = useState(0);
  const [resourceId, setResourceId] = useState('');
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [booked, setBooked] = useState<Booking | null>(null);
  const [busy, setBusy] = useState(false);
  const submitting = useRef(false);
  const [alert, setAlert] = useState('');
  const [notice, setNotice] = useState('');
  const [error, setError] = useState<ApiError | null>(null);

  const today = todayIn(zone);
  const from = addDays(today, 7 * week);
  const to = addDays(from, 6);
  const last = service.maxDaysAhead > 0 ? addDays(today, service.maxDaysAhead) : '';
  const canNext = !last || addDays(from, 7) <= last;
  const avail = useAvailability(p.boot.bff, service.id, from, to, resourceId, step !== 'done');
  // A new booking may be made on a credit; a moved one keeps what it was booked on.
  const credit = useCreditFor(p.boot.bff, service.id, step === 'confirm' && !p.before ? (chosen?.slot.start ?? null) : null);

  const done = p.titles.done;
  const title = step === 'done' ? (typeof done === 'function' ? (booked ? done(booked) : '') : done) : p.titles[step];
  useTitle(title);
  useStepFocus(step);

  // Someone else took the chosen time while the customer was reading the confirmation: let it go, politely.
  useEffect(() => {
    if (step !== 'confirm' || !chosen || submitting.current || !avail.data || stillOffered(avail.data, chosen)) return;
    setNotice(K.slotGone(formatLocal(chosen.date, chosen.slot.local, chosen.slot.start, avail.data.timeZone || zone)));
    setChosen(null);
    setStep('time');
  }, [avail.data]);

  const choose = (c: Chosen) => {
    setChosen(c);
    setAlert('');
    setNotice('');
    setError(null);
    setStep('confirm');
  };

  const back = () => {
    setChosen(null);
    setError(null);
    setStep('time');
  };

  const confirm = async () => {
    if (!chosen) return;
    submitting.current = true;
    setBusy(true);
    setError(null);
    try {
      const b = await p.submit(chosen);
      refreshBookings();
      setBooked(b);
      setStep('done');
    } catch (err) {
      const e = asApiError(err);
      if ((e.status === 409 && e.code === 'slot_taken') || (e.status === 422 && e.code === 'slot_not_offered')) {
        setAlert(e.description);
        setChosen(null);
        setStep('time');
        avail.refresh();
      } else {
        setError(e);
      }
    } finally {
      submitting.current = false;
      setBusy(false);
    }
  };

  return (
    <>
      {step !== 'done' && <div class="back">{p.back}</div>}
      <Heading>{title}</Heading>
      <p role="status" class="notice">
        {notice}
      </p>
      {step === 'time' && (
        <>
          <p class="lead">
            <strong>{service.name}</strong>
          </p>
          <ServiceFacts service={service} />
          {p.before && (
            <p>
              {t.upcoming.currently}: <time dateTime={p.before.start}>{bookingWhen(p.before)}</time>
            </p>
          )}
          {alert && (
            <div role="alert" class="alert">
              <p>{alert}</p>
            </div>
          )}
          <WeekPicker
            service={service}
            week={week}
            setWeek={setWeek}
            canNext={canNext}
            from={from}
            to={to}
            resourceId={resourceId}
            setResourceId={setResourceId}
            avail={avail}
            choose={choose}
          />
        </>
      )}
      {step === 'confirm' && chosen && (
        <>
          <div class="card">
            <dl class="facts">
              <dt>{B.service}</dt>
              <dd>
                {service.name} ({B.duration(service.durationMinutes)})
              </dd>
              {p.before && (
                <>
                  <dt>{t.upcoming.currently}</dt>
                  <dd>
                    <time dateTime={p.before.start}>{bookingWhen(p.before)}</time>
                  </dd>
                </>
              )}
              <dt>{p.before ? t.upcoming.newTime : B.when}</dt>
              <dd>
                <time dateTime={chosen.slot.start}>
                  {formatLocal(chosen.date, chosen.slot.local, chosen.slot.start, avail.data?.timeZone || zone)}
                </time>
              </dd>
              <dt>{B.with}</dt>
              <dd>{who(service, chosen)}</dd>
              <dt>{B.where}</dt>
              <dd>
                {service.location.name}
                {service.location.address && (
                  <>
                    <br />
                    <Lines text={service.location.address} />
                  </>
                )}
              </dd>
              {p.before?.credit ? (
                <BookedOn b={p.before} />
              ) : (
                <>
                  <dt>{B.price}</dt>
                  <dd>{credit?.use ? creditWords(credit.use) : formatMoney(service.price)}</dd>
                </>
              )}
            </dl>
            {refused(credit) && (
              <p role="alert" class="alert">
                {t.membership.refused}
              </p>
            )}
          </div>
          <section class="card" aria-labelledby="policy-heading">
            <h2 id="policy-heading">{B.policy}</h2>
            <p>{B.window(service.cancellationWindowMinutes)}</p>
            {service.lateCancellationNote && (
              <p>
                <Lines text={service.lateCancellationNote} />
              </p>
            )}
          </section>
          {!credit?.use && !p.before?.credit && <PaymentTerms service={service} boot={p.boot} refused={error?.code === 'payment_required'} />}
          {error && <ErrorBox error={error} />}
          <div class="actions">
            <button type="button" class="btn primary" disabled={busy || refused(credit)} aria-busy={busy ? 'true' : undefined} onClick={confirm}>
              {p.confirmLabel}
            </button>
            <button type="button" class="btn" disabled={busy} onClick={back}>
              {K.changeTime}
            </button>
          </div>
        </>
      )}
      {step === 'done' && booked && p.done(booked, setBooked)}
    </>
  );
}
