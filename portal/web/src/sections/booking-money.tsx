// Bookings that take money, for Book, Upcoming and History: what a service asks before confirming (a deposit or the
// price now, or a card on file, with the refund terms in plain words), paying a prepaid booking's own tab before its
// due time (the Open tabs settle form, without a tip), and a booking's payment state in the lists.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from './types.ts';
import type { Booking, CancelMoney, Tab } from '../../../shared/types.ts';
import type { Service } from '../types.ts';
import { api } from '../../../shared/api.ts';
import { invalidate, useResource } from '../../../shared/store.ts';
import { useLive } from '../../../shared/live.ts';
import { formatTime, money } from '../format.ts';
import { Loaded, Outcome, SrOnly } from '../ui.tsx';
import { href } from '../router.ts';
import { METHODS, type Methods } from './payment-methods.tsx';
import { Settle, refreshTabs, type Handlers } from './tabs.tsx';
import { pdfHref, refreshDocuments } from './invoices.tsx';
import { offered, refreshBookings } from './bookings.tsx';
import { t } from '../strings/index.ts';

const M = t.bookingMoney;
/** The server's PAY_WITHIN_MS (portal/api/bookings/payment.ts): how long a prepaid booking waits for its payment. */
const PAY_WITHIN_MINUTES = 15;

/** What a prepaid booking of the service asks now: the price, or the deposit (never more than the price). */
export function amountDue(service: Service): number {
  const d = service.payment?.deposit;
  const price = service.price.amount;
  return d ? Math.min(price, d.kind === 'percent' ? Math.round((price * d.value) / 100) : d.value) : price;
}

/** Does the booking's payment (when it has one) cover only part of the price? */
const isDeposit = (b: Booking) => !!b.payment && b.payment.amount < b.service.price.amount;

/** On the confirmation: what the service takes, and what comes back when the booking is cancelled. */
export function PaymentTerms({ service, boot, refused }: { service: Service; boot: PageProps['boot']; refused: boolean }) {
  const mode = service.payment?.mode ?? 'none';
  if (mode === 'none') return null;
  return (
    <section class="card" aria-labelledby="pay-heading">
      <h2 id="pay-heading">{M.heading}</h2>
      {mode === 'prepay' ? <Prepay service={service} /> : <CardOnFile service={service} boot={boot} refused={refused} />}
    </section>
  );
}

function Prepay({ service }: { service: Service }) {
  const { price } = service;
  const due = amountDue(service);
  const late = service.payment?.lateRefundPercent ?? 0;
  const m = (amount: number) => money(amount, price.currency);
  return (
    <>
      <p class="lead">{due < price.amount ? M.payDeposit(m(due), m(price.amount)) : M.payNow(m(due))}</p>
      {due < price.amount && <p>{M.rest(m(price.amount - due))}</p>}
      <p>{M.payWithin(PAY_WITHIN_MINUTES)}</p>
      <p>
        {M.refundBefore(m(due), service.cancellationWindowMinutes)} {M.refundLate(late, m(Math.round((due * late) / 100)))}
      </p>
    </>
  );
}

/** A card on file: said before confirming; without a saved card (or when the API refused), the way to add one. */
function CardOnFile({ service, boot, refused }: { service: Service; boot: PageProps['boot']; refused: boolean }) {
  useState(() => invalidate(METHODS)); // a card removed or added elsewhere since the list was last seen
  const methods = useResource<Methods>(METHODS);
  const none = refused || methods.data?.items.length === 0;
  return (
    <>
      <p>{M.cardNeeded}</p>
      {none && offered({ boot }, 'payment-methods') && (
        <p>
          {M.noCard} <a href={href('payment-methods', service.id)}>{M.addCard}</a>, {M.thenBack}
        </p>
      )}
    </>
  );
}

/** The invoice of a paid booking: its page when the portal shows invoices, else its PDF. */
function InvoiceLink({ id, boot }: { id: string; boot: PageProps['boot'] }) {
  const shown = offered({ boot }, 'invoices');
  return <a href={shown ? href('document', id) : pdfHref(id)}>{shown ? M.viewInvoice : t.documents.download}</a>;
}

/** "Deposit paid", "Not paid in time", "£20.00 refunded": a booking's payment as a badge (nothing while due). */
export function PaymentBadge({ b }: { b: Booking }) {
  const p = b.payment;
  if (p?.mode !== 'prepay') return null;
  if (p.status === 'paid') return <span class="badge ok">{isDeposit(b) ? M.depositPaid : M.paid}</span>;
  if (p.status === 'lapsed') return <span class="badge cancelled">{M.lapsed}</span>;
  if (p.status === 'refunded') return <span class="badge">{M.refunded(money(p.refunded ?? 0, p.currency))}</span>;
  return null;
}

/** In Upcoming: a payment still due says by when, with a Pay button to the booking's tab. */
export function PaymentDue({ b, name }: { b: Booking; name: string }) {
  const p = b.payment;
  if (p?.mode !== 'prepay' || p.status !== 'due') return null;
  return (
    <div class="notice">
      {p.dueBy && <p>{M.due(formatTime(p.dueBy, b.timeZone))}</p>}
      <a class="btn primary" href={href('pay', b.id)}>
        {M.pay(money(p.amount, p.currency))}
        <SrOnly> {name}</SrOnly>
      </a>
    </div>
  );
}

/** Before cancelling: what comes back (customers cancel before the deadline only, so a paid booking in full). */
export const refundAhead = (b: Booking): string =>
  b.payment?.mode === 'prepay' && b.payment.status === 'paid' ? M.willRefund(money(b.payment.amount, b.payment.currency)) : '';

/** After cancelling: what was refunded, or that the refund failed and the business will be in touch. */
export function refundSaid(b: Booking, m: CancelMoney | undefined): string {
  if (!m || !b.payment) return '';
  if (m.refundFailed) return M.refundFailed;
  if (m.refunded === undefined) return '';
  return m.refunded > 0 ? M.refundedStatus(money(m.refunded, b.payment.currency)) : M.noRefund;
}

/** Is the booking firm: nothing to pay, or paid (not still to pay, nor given back for want of payment)? */
export const isFirm = (b: Booking): boolean => b.payment?.status !== 'due' && b.payment?.status !== 'lapsed';

/** The title of a booking's page once it is made: paying still, given back, or `firm`. */
export const paidTitle = (b: Booking, firm: string): string => (isFirm(b) ? firm : b.payment?.status === 'due' ? M.payTitle : M.lapsed);

/**
 * A prepaid booking's payment: "Pay by 10:15", the settle form for its tab, then (live, when Stripe's webhook marks
 * the booking paid) the thanks and the invoice link. `changed` receives the booking as it now is.
 */
export function PayBooking({ b, boot, changed }: { b: Booking; boot: PageProps['boot']; changed: (b: Booking) => void }) {
  const p = b.payment;
  const tabPath = p?.status === 'due' && p.tabId ? `tabs/${encodeURIComponent(p.tabId)}` : null;
  const tab = useResource<Tab>(tabPath);
  const [processing, setProcessing] = useState(false);
  const [open, setOpen] = useState(true);
  const payBtn = useRef<HTMLButtonElement>(null);
  const [status, setStatus] = useState('');
  const was = useRef(p?.status);
  const reload = () => void api<Booking>(`bookings/${encodeURIComponent(b.id)}`).then(changed, () => undefined);
  useLive(boot.bff, ['booking', 'tab'], reload);

  useEffect(() => {
    if (was.current === 'due' && p?.status === 'paid') {
      setStatus(M.paidStatus(money(p.amount, p.currency)));
      refreshBookings();
      refreshDocuments();
    }
    was.current = p?.status;
  }, [p?.status]);

  if (p?.mode !== 'prepay') return null;
  const handlers: Handlers = {
    done: (_tab, state) => {
      refreshTabs();
      if (state === 'pending') setProcessing(true);
      reload();
    },
    update: () => tab.reload(),
  };
  const close = () => {
    setOpen(false);
    setTimeout(() => payBtn.current?.focus());
  };

  return (
    <>
      <Outcome status={status} />
      {p.status === 'due' && (
        <section class="card" aria-labelledby="pay-heading">
          <h2 id="pay-heading">{M.heading}</h2>
          {p.dueBy && <p class="lead">{M.payBy(formatTime(p.dueBy, b.timeZone))}</p>}
          {processing || tab.data?.payment?.state === 'pending' ? (
            <p class="notice">{t.tabs.processing}</p>
          ) : open ? (
            <Loaded r={tab}>{(x) => <Settle tab={x} {...handlers} close={close} />}</Loaded>
          ) : (
            <button type="button" class="btn primary" ref={payBtn} onClick={() => setOpen(true)}>
              {M.pay(money(p.amount, p.currency))}
            </button>
          )}
        </section>
      )}
      {p.status === 'paid' && (
        <p>
          <span class="badge ok">{isDeposit(b) ? M.depositPaid : M.paid}</span> {money(p.amount, p.currency)}
          {p.invoiceId && (
            <>
              {' · '}
              <InvoiceLink id={p.invoiceId} boot={boot} />
            </>
          )}
        </p>
      )}
      {p.status === 'lapsed' && <p role="alert">{M.lapsedNote}</p>}
    </>
  );
}
