// Open tabs (`#/tabs`): what the customer has had at the bar or the counter, live (a line staff add appears without
// a reload), settled here with a saved card or a new one (Stripe's Payment Element) and an optional tip. A payment
// Stripe has not finished shows "Payment processing…" until the live event turns the tab paid; 3-D Secure runs in
// the page (Stripe.js `handleNextAction`); a failed payment leaves the tab open with the reason. Paid tabs link to
// their invoice.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps, SectionDef } from './types.ts';
import { minorDigits, toMajor, toMinor } from '../../../shared/money.ts';
import type { SettleAnswer, Tab } from '../../../shared/types.ts';
import { api, asApiError, ApiError } from '../../../shared/api.ts';
import { invalidate, setResource, useResource } from '../../../shared/store.ts';
import { useLive } from '../../../shared/live.ts';
import { CardForm, PayActions, bankCheck, returnUrl, type CardIntent } from '../card-form.tsx';
import { formatDateIn, money } from '../format.ts';
import { LinesTable, Totals, type TotalRow } from '../money-view.tsx';
import { ErrorBox, Heading, Loaded, Loading, Outcome, SrOnly, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { METHODS, cardName, type Methods } from './payment-methods.tsx';
import { pdfHref } from './invoices.tsx';
import { offered } from './bookings.tsx';
import { t } from '../strings/index.ts';

const T = t.tabs;
const OPEN = 'tabs';
const PAID = 'tabs?status=paid';
type Tabs = { items: Tab[] };

/** After a payment or a live event: the open and paid lists fetch again (and the nav, which asks whether any is open). */
export function refreshTabs(): void {
  invalidate(OPEN);
  invalidate(PAID);
}

export function tabName(tab: Tab): string {
  const date = formatDateIn(tab.openedAt);
  return tab.note ? T.titleNoted(tab.note, date) : tab.purpose?.kind === 'booking' ? T.titleBooking(date) : T.title(date);
}

function tabTotals(tab: Tab): TotalRow[] {
  const { subtotal, discount, tax, total } = tab.totals;
  const taxed = tax > 0 || tab.lines.some((l) => l.taxRate);
  const rows: TotalRow[] = [{ label: t.money.subtotal, amount: subtotal }];
  if (tab.discount && discount)
    rows.push({
      label: tab.discount.kind === 'percent' ? t.money.discountPercent(tab.discount.value) : t.money.discount,
      amount: discount,
      negative: true,
    });
  if (taxed && !tab.taxInclusive) rows.push({ label: t.money.tax, amount: tax });
  rows.push({ label: t.money.total, amount: total, strong: true });
  if (taxed && tab.taxInclusive) rows.push({ label: t.money.includesTax, amount: tax });
  return rows;
}

const TIPS = ['0', '10', '15', '20', 'custom'] as const;
/** PaymentIntent statuses after which the money is on its way (a capture later is still the business's). */
const WENT_THROUGH = ['succeeded', 'processing', 'requires_capture'];
type TipChoice = (typeof TIPS)[number];

type OnSettled = (tab: Tab, state: 'paid' | 'pending', amount: number) => void;
/** What the page does with a tab from a settle answer: paid or processing (`done`), else just shown as it now is. */
export type Handlers = { done: OnSettled; update: (tab: Tab) => void };

/**
 * Pay one tab: the card, the tip, then whatever Stripe needs (3-D Secure, a new card's details). A booking's tab
 * (its price or deposit) asks for no tip.
 */
export function Settle({ tab, done, update, close }: Handlers & { tab: Tab; close: () => void }) {
  const methods = useResource<Methods>(METHODS);
  const cards = methods.data?.items ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [tip, setTip] = useState<TipChoice>('0');
  const [custom, setCustom] = useState('');
  const [tipError, setTipError] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [intent, setIntent] = useState<(CardIntent & { amount: number }) | null>(null);
  const legend = useRef<HTMLHeadingElement>(null);
  const stripeSaid = useRef(''); // the PaymentIntent's status in Stripe.js's last answer
  const { id, currency } = tab;
  const total = tab.totals.total;
  const method = chosen ?? (cards.find((c) => c.isDefault) ?? cards[0])?.id ?? 'new';
  const tipAmount = tip === 'custom' ? toMinor(custom, currency) : Math.round((total * Number(tip)) / 100);
  const toPay = total + (tipAmount ?? 0);
  const path = `tabs/${encodeURIComponent(id)}/settle`;
  const f = `settle-${id}`;

  useEffect(() => legend.current?.focus(), []);

  /**
   * Acts on the server's answer; resolves to a message to show when the tab is still to pay. `via`: how the attempt
   * is being paid, so what Stripe.js must do when the bank or the card details are awaited.
   */
  async function handle(
    a: SettleAnswer,
    afterAction = false,
    via: 'new' | 'saved' = method === 'new' ? 'new' : 'saved',
  ): Promise<string | undefined> {
    const p = a.payment;
    const amount = a.tab.payment?.amount ?? toPay;
    if (p.state === 'succeeded' || p.state === 'pending') return void done(a.tab, p.state === 'succeeded' ? 'paid' : 'pending', amount);
    // Stripe.js said the payment went through, and our server has not heard yet: its webhook will tell (live).
    if (afterAction && p.state === 'requires_action' && WENT_THROUGH.includes(stripeSaid.current)) return void done(a.tab, 'pending', amount);
    update(a.tab);
    if (p.state === 'failed') return p.failure || T.failed;
    if (afterAction || !p.clientSecret || !p.publishableKey) return T.notConfirmed;
    if (via === 'new') return void setIntent({ clientSecret: p.clientSecret, publishableKey: p.publishableKey, amount });
    // 3-D Secure for a saved card: Stripe.js shows the bank's check, then the server asks Stripe how it went.
    return bankCheck({ clientSecret: p.clientSecret, publishableKey: p.publishableKey }, async (said) => {
      stripeSaid.current = said;
      return handle(await api<SettleAnswer>(`${path}/refresh`, 'POST'), true);
    });
  }

  /** Starts an attempt; one already waiting on this customer (a bank's check, a new card left half-way) is carried on. */
  async function start(): Promise<string | undefined> {
    try {
      return await handle(await api<SettleAnswer>(path, 'POST', { paymentMethod: method, tip: tipAmount }));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'payment_in_progress')) throw err;
      const a = await api<SettleAnswer>(`${path}/refresh`, 'POST');
      if (a.payment.state === 'requires_action' && !a.payment.clientSecret) throw err;
      return handle(a, false, a.tab.payment?.card ? 'saved' : 'new');
    }
  }

  /** Runs a step, showing its message or the API's error (a tab no longer open is fetched again). */
  async function step(run: () => Promise<string | undefined>): Promise<string | undefined> {
    try {
      return await run();
    } catch (err) {
      const e = asApiError(err);
      if (e.status === 409) refreshTabs(); // paid, changed or being paid meanwhile: show it as it now is
      return e.description;
    }
  }

  const pay = async (e: Event) => {
    e.preventDefault();
    if (tipAmount === undefined) {
      setTipError(T.tipInvalid(toMajor({ amount: minorDigits(currency) ? 25 * 10 ** (minorDigits(currency) - 1) : 250, currency })));
      document.getElementById(`${f}-custom`)?.focus();
      return;
    }
    setTipError('');
    setBusy(true);
    setError('');
    const message = await step(start);
    setBusy(false);
    if (message) setError(message);
  };

  if (intent) {
    return (
      <CardForm
        intent={intent}
        id={`${f}-card`}
        title={T.newCardTitle(money(intent.amount, currency))}
        submitLabel={T.pay(money(intent.amount, currency))}
        cancel={() => setIntent(null)}
        confirm={(stripe, elements) =>
          step(async () => {
            const r = await stripe.confirmPayment({
              elements,
              redirect: 'if_required',
              confirmParams: { return_url: returnUrl({ portico: 'tab', tab: id }) },
            });
            if (r.error) return r.error.message || T.failed;
            stripeSaid.current = r.paymentIntent?.status ?? '';
            return handle(await api<SettleAnswer>(`${path}/refresh`, 'POST'), true);
          })
        }
      />
    );
  }

  return (
    <form class="settle stack" onSubmit={pay} aria-labelledby={`${f}-title`} noValidate>
      <h3 id={`${f}-title`} tabIndex={-1} ref={legend}>
        {tab.purpose ? T.settleBooking : T.settleTitle}
      </h3>
      <fieldset>
        <legend>{T.payWith}</legend>
        {methods.loading && !methods.data && <Loading />}
        {cards.map((c) => (
          <div class="check" key={c.id}>
            <input type="radio" id={`${f}-${c.id}`} name={`${f}-method`} checked={method === c.id} onChange={() => setChosen(c.id)} />
            <label for={`${f}-${c.id}`}>
              {cardName(c)}
              {c.isDefault && <span class="muted"> {T.defaultCard}</span>}
            </label>
          </div>
        ))}
        <div class="check">
          <input type="radio" id={`${f}-new`} name={`${f}-method`} checked={method === 'new'} onChange={() => setChosen('new')} />
          <label for={`${f}-new`}>{T.newCard}</label>
        </div>
      </fieldset>
      {!tab.purpose && (
        <fieldset>
          <legend>{T.tip}</legend>
          <div class="tips">
            {TIPS.map((choice) => (
              <div class="check" key={choice}>
                <input type="radio" id={`${f}-tip-${choice}`} name={`${f}-tip`} checked={tip === choice} onChange={() => setTip(choice)} />
                <label for={`${f}-tip-${choice}`}>
                  {choice === 'custom'
                    ? T.tipCustom
                    : choice === '0'
                      ? T.noTip
                      : T.tipPercent(Number(choice), money(Math.round((total * Number(choice)) / 100), currency))}
                </label>
              </div>
            ))}
          </div>
          {tip === 'custom' && (
            <div class={`field${tipError ? ' invalid' : ''}`}>
              <label for={`${f}-custom`}>{T.tipAmount(currency)}</label>
              <input
                id={`${f}-custom`}
                inputMode="decimal"
                autocomplete="off"
                value={custom}
                aria-invalid={tipError ? 'true' : undefined}
                aria-describedby={tipError ? `${f}-custom-error` : undefined}
                onInput={(e) => setCustom((e.target as HTMLInputElement).value)}
              />
              {tipError && (
                <p class="field-error" id={`${f}-custom-error`}>
                  {tipError}
                </p>
              )}
            </div>
          )}
        </fieldset>
      )}
      <p class="lead">{T.toPay(money(toPay, currency))}</p>
      <PayActions error={error} busy={busy} submit={T.pay(money(toPay, currency))} cancel={close} />
    </form>
  );
}

function OpenTab({ tab, waiting, ...handlers }: Handlers & { tab: Tab; waiting: boolean }) {
  const [settling, setSettling] = useState(false);
  const payBtn = useRef<HTMLButtonElement>(null);
  const name = tabName(tab);
  const headId = `tab-${tab.id}`;
  const processing = waiting || tab.payment?.state === 'pending';
  const close = () => {
    setSettling(false);
    setTimeout(() => payBtn.current?.focus());
  };
  useEffect(() => void (processing && setSettling(false)), [processing]); // if it fails, "Pay this tab" comes back
  return (
    <li class="card tab" aria-labelledby={headId}>
      <div class="booking-head">
        <h2 id={headId} tabIndex={-1}>
          {name}
        </h2>
        {processing && <span class="badge">{T.processingBadge}</span>}
      </div>
      {tab.lines.length ? <LinesTable lines={tab.lines} currency={tab.currency} caption={T.linesCaption(name)} /> : <p class="muted">{T.noLines}</p>}
      <Totals rows={tabTotals(tab)} currency={tab.currency} />
      {processing ? (
        <p class="notice">{T.processing}</p>
      ) : settling ? (
        <Settle tab={tab} {...handlers} close={close} />
      ) : (
        <>
          {tab.payment?.state === 'failed' && <p class="alert">{T.lastFailed(tab.payment.failure || T.failed)}</p>}
          {tab.lines.length > 0 && tab.totals.total > 0 && (
            <button type="button" class="btn primary" ref={payBtn} onClick={() => setSettling(true)}>
              {T.payTab}
              <SrOnly> {name}</SrOnly>
            </button>
          )}
        </>
      )}
    </li>
  );
}

/** Recently paid tabs; each links to its invoice page, or its PDF when the portal does not show invoices. */
function PaidTabs({ items, invoicesShown }: { items: Tab[]; invoicesShown: boolean }) {
  if (!items.length) return null;
  return (
    <section aria-labelledby="paid-tabs">
      <h2 id="paid-tabs">{T.paidHeading}</h2>
      <ul class="plain paid-tabs">
        {items.map((tab) => {
          const p = tab.payment;
          const amount = money(p?.amount ?? tab.totals.total, tab.currency); // the payment's amount includes the tip
          return (
            <li key={tab.id} class="card">
              <h3>{tabName(tab)}</h3>
              <p>
                <span class="badge ok">{T.paid}</span> {T.paidOn(amount, formatDateIn(tab.paidAt ?? p?.at ?? tab.openedAt))}
                {p?.card && <> {T.paidWith(cardName(p.card))}</>}
                {p?.method === 'cash' && <> {T.paidInCash}</>}
              </p>
              {tab.invoiceId ? (
                <a href={invoicesShown ? href('document', tab.invoiceId) : pdfHref(tab.invoiceId)}>
                  {invoicesShown ? T.viewInvoice : t.documents.download}
                  <SrOnly> {tabName(tab)}</SrOnly>
                </a>
              ) : (
                <p class="muted">{T.invoiceSoon}</p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const latestPaid = (d: Tabs | undefined): Tab[] =>
  (d?.items ?? [])
    .filter((x) => x.status === 'paid')
    .sort((a, b) => (b.paidAt ?? '').localeCompare(a.paidAt ?? ''))
    .slice(0, 5);

function TabsPage(props: PageProps) {
  const { section, boot } = props;
  useTitle(section.label);
  const open = useResource<Tabs>(OPEN);
  const paid = useResource<Tabs>(PAID);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const [declined, setDeclined] = useState(''); // said to screen readers; the tab shows the reason itself
  // Tabs whose payment is processing here (id → amount): when the live event settles one, the page says how.
  const [waiting, setWaiting] = useState<Record<string, number>>({});
  useLive(boot.bff, ['tab', 'document'], refreshTabs);

  useEffect(() => {
    const still = { ...waiting };
    for (const [id, amount] of Object.entries(waiting)) {
      const tab = paid.data?.items.find((x) => x.id === id);
      const failed = open.data?.items.find((x) => x.id === id && x.payment?.state === 'failed');
      if (tab) setStatus(T.paidStatus(money(amount, tab.currency), tabName(tab)));
      if (failed) {
        setStatus('');
        setDeclined(T.failedStatus(tabName(failed), failed.payment?.failure || T.failed));
      }
      if (tab || failed) delete still[id];
    }
    if (Object.keys(still).length !== Object.keys(waiting).length) setWaiting(still);
  }, [open.data, paid.data]);

  // Back from a bank's page (Stripe's redirect, for methods that need one): ask the server how the payment went.
  useEffect(() => {
    const q = new URLSearchParams(location.search);
    const id = q.get('tab');
    if (q.get('portico') !== 'tab' || !id || !q.get('payment_intent')) return;
    history.replaceState(null, '', location.pathname + location.hash);
    api<SettleAnswer>(`tabs/${encodeURIComponent(id)}/settle/refresh`, 'POST').then(
      (a) =>
        a.payment.state === 'succeeded' || a.payment.state === 'pending'
          ? done(a.tab, a.payment.state === 'succeeded' ? 'paid' : 'pending', a.tab.payment?.amount ?? a.tab.totals.total)
          : setFailure(a.payment.failure || T.failed),
      (err: unknown) => setFailure(asApiError(err).description),
    );
  }, []);

  /** Shown at once as the answer has it, before the lists are fetched again. */
  const update = (tab: Tab) => {
    setStatus(''); // what the page said before is about an earlier payment
    setResource<Tabs>(OPEN, { items: (open.data?.items ?? []).map((x) => (x.id === tab.id ? tab : x)).filter((x) => x.status === 'open') });
    refreshTabs();
  };

  const done: OnSettled = (tab, state, amount) => {
    setFailure('');
    setDeclined('');
    update(tab);
    if (state === 'paid') setStatus(T.paidStatus(money(amount, tab.currency), tabName(tab)));
    else {
      setWaiting((w) => ({ ...w, [tab.id]: amount }));
      setStatus(T.processingStatus(tabName(tab)));
    }
    document.getElementById('page-title')?.focus();
  };

  return (
    <>
      <Heading>{section.label}</Heading>
      <Outcome status={status} failure={failure} />
      <p role="alert" class="sr-only">
        {declined}
      </p>
      <Loaded r={open}>
        {(d) => {
          const items = d.items.filter((x) => x.status === 'open');
          return items.length ? (
            <ul class="plain">
              {items.map((tab) => (
                <OpenTab key={tab.id} tab={tab} waiting={tab.id in waiting} done={done} update={update} />
              ))}
            </ul>
          ) : (
            <p>{T.empty}</p>
          );
        }}
      </Loaded>
      {paid.error && !paid.data && <ErrorBox error={paid.error} retry={paid.reload} />}
      <PaidTabs items={latestPaid(paid.data)} invoicesShown={offered(props, 'invoices')} />
    </>
  );
}

/** Home: what is open, and how much. */
function TabsCard() {
  return (
    <Loaded r={useResource<Tabs>(OPEN)} compact>
      {(data) => {
        const items = data.items.filter((x) => x.status === 'open');
        if (!items.length) return <p>{T.empty}</p>;
        return (
          <ul class="plain">
            {items.map((tab) => (
              <li key={tab.id}>
                {tabName(tab)}: <strong>{money(tab.totals.total, tab.currency)}</strong>
              </li>
            ))}
          </ul>
        );
      }}
    </Loaded>
  );
}

export const tabs: SectionDef = {
  Page: TabsPage,
  Card: TabsCard,
  resource: OPEN,
  isEmpty: (d: Tabs | undefined) => !d?.items.some((x) => x.status === 'open'),
  live: { events: ['tab'], refresh: refreshTabs },
};
