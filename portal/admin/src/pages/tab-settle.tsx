// Settling a tab at the counter (a card the customer saved, or cash recorded by staff, with an optional tip), the
// payment's state as Stripe reports it (processing, waiting for the customer's bank, failed with the reason, paid
// with a link to the invoice), and voiding a tab with a reason.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type FieldError } from '../../../shared/api.ts';
import { useLive } from '../../../shared/live.ts';
import { moneyIn, toMajor, toMinor } from '../../../shared/money.ts';
import { useResource } from '../../../shared/store.ts';
import { href } from '../router.ts';
import type { List, PaymentMethod, SettleAnswer, Tab } from '../types.ts';
import { Alert, FormError, Loading, RadioGroup, TextField, fieldErrors, formatDateTime, localError, useSubmit } from '../ui.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/money.ts';
import type { TabProps } from './tabs.tsx';

const T = tm.tabs;
const enc = encodeURIComponent;
type Method = 'card_on_file' | 'cash';

/** The tab's latest payment: what happened, and what happens next. */
function PaymentState({ tab }: { tab: Tab }) {
  const p = tab.payment;
  if (tab.status === 'void') return <p>{T.voidedAt(formatDateTime(tab.voidedAt ?? tab.openedAt), tab.voidReason)}</p>;
  if (!p) return null;
  if (p.state === 'failed') return <Alert text={T.failedNote(p.failure ?? t.errors.generic)} />;
  if (p.state === 'pending' || p.state === 'requires_action') {
    return (
      <p class="warn" role="status">
        {p.state === 'pending' ? T.pendingNote : T.actionNote}
      </p>
    );
  }
  const how = p.method === 'cash' ? T.cash : T.byCard(p.card?.brand ?? '', p.card?.last4 ?? '');
  return (
    <div data-testid="paid">
      <p>{T.paidWith(how, formatDateTime(tab.paidAt ?? p.at))}</p>
      {tab.invoiceId && (
        <p>
          <a class="btn" href={href('invoices', tab.invoiceId)}>
            {T.viewInvoice}
          </a>
        </p>
      )}
    </div>
  );
}

const cardLabel = (c: PaymentMethod) => (
  <>
    {T.card(c.brand, c.last4, c.expMonth, c.expYear)}
    {c.isDefault && <span class="badge"> {T.defaultCard}</span>}
    {c.expiresSoon && <span class="badge flash-badge"> {T.expiresSoon}</span>}
  </>
);

const keyOf = (path: string[]) => (['method', 'paymentMethod', 'tip'].includes(path[0]!) ? path[0] : undefined);

function SettleForm({ tab, onChange, bff }: TabProps & { bff: string }) {
  const money = moneyIn(tab.currency);
  const cardsPath = tab.customer ? `customers/${enc(tab.customer.id)}/payment-methods` : null;
  const cards = useResource<List<PaymentMethod>>(cardsPath);
  useLive(bff, ['payment-method'], cards.reload); // a card added or removed in the portal meanwhile
  const items = cards.data?.items ?? [];
  const [method, setMethod] = useState<Method>('card_on_file');
  const [card, setCard] = useState('');
  const [tip, setTip] = useState('');
  const f = useSubmit();
  const errors = fieldErrors(f.error, keyOf);
  // The default card is chosen once the cards arrive (and again if the chosen one goes).
  useEffect(() => {
    if (!items.some((c) => c.id === card)) setCard((items.find((c) => c.isDefault) ?? items[0])?.id ?? '');
  }, [cards.data]);
  const tipAmount = tip.trim() ? toMinor(tip, tab.currency) : 0;
  const due = money(tab.totals.total + (tipAmount ?? 0));
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      const problems: FieldError[] = [];
      if (tipAmount === undefined) problems.push({ field: 'tip', message: T.amountInvalid(toMajor({ amount: 250, currency: tab.currency })) });
      if (method === 'card_on_file' && !card) problems.push({ field: 'paymentMethod', message: T.noCards });
      if (problems.length) throw localError(problems);
      const tipped = tipAmount ? { tip: tipAmount } : {};
      const body = method === 'cash' ? { method, ...tipped } : { method, paymentMethod: card, ...tipped };
      // The answer's tab carries the payment's state, which PaymentState shows (and keeps current from the events).
      onChange((await api<SettleAnswer>(`tabs/${enc(tab.id)}/settle`, 'POST', body)).tab);
    });
  };
  const busyPaying = tab.payment?.state === 'pending' || tab.payment?.state === 'requires_action';
  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={f.error} keyOf={keyOf} labels={{ method: T.method, paymentMethod: T.cards, tip: T.tipField(tab.currency) }} prefix="settle" />
      <RadioGroup
        id="settle-method"
        legend={T.method}
        value={method}
        onChange={(v) => setMethod(v as Method)}
        options={(['card_on_file', 'cash'] as const).map((m) => [m, T.methods[m]!])}
        error={errors.method}
      />
      {method === 'card_on_file' &&
        (cards.loading ? (
          <Loading />
        ) : cards.error ? (
          <Alert text={cards.error.description} />
        ) : items.length ? (
          <RadioGroup
            id="settle-paymentMethod"
            legend={T.cards}
            value={card}
            onChange={setCard}
            options={items.map((c) => [c.id, cardLabel(c)])}
            error={errors.paymentMethod}
          />
        ) : (
          <p class="note" id="settle-paymentMethod" tabIndex={-1}>
            {T.noCards}
          </p>
        ))}
      <TextField id="settle-tip" label={T.tipField(tab.currency)} inputMode="decimal" value={tip} onInput={setTip} error={errors.tip} />
      <div class="actions">
        <button type="submit" class="btn primary" disabled={f.busy || busyPaying || !tab.lines.length}>
          {method === 'cash' ? T.recordCash(due) : T.charge(due)}
        </button>
      </div>
      {!tab.lines.length && <p class="hint">{T.nothingToSettle}</p>}
    </form>
  );
}

export function Settle({ tab, onChange, bff }: TabProps & { bff: string }) {
  if (tab.status === 'void' && !tab.payment) return null;
  return (
    <section class="card" aria-labelledby="settle-h">
      <h2 id="settle-h">{tab.status === 'open' ? T.settleTitle : T.payment}</h2>
      <PaymentState tab={tab} />
      {tab.status === 'open' && <SettleForm tab={tab} onChange={onChange} bff={bff} />}
    </section>
  );
}

export function VoidTab({ tab, onChange }: TabProps) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const f = useSubmit();
  const opener = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (asking) field.current?.querySelector('input')?.focus();
  }, [asking]);
  const errors = fieldErrors(f.error, (p) => (p[0] === 'reason' ? 'reason' : undefined));
  const keep = () => {
    setAsking(false);
    f.setError(null);
    opener.current?.focus();
  };
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void f.submit(async () => {
      if (!reason.trim()) throw localError([{ field: 'reason', message: T.required }]);
      onChange(await api<Tab>(`tabs/${enc(tab.id)}/void`, 'POST', { reason: reason.trim() }));
      document.getElementById('page-title')?.focus();
    });
  };
  return (
    <section class="card" aria-labelledby="void-h">
      <h2 id="void-h">{T.voidTitle}</h2>
      {!asking ? (
        <button ref={opener} type="button" class="btn danger" aria-expanded="false" onClick={() => setAsking(true)}>
          {T.voidTitle}
        </button>
      ) : (
        <form onSubmit={onSubmit} noValidate onKeyDown={(e) => e.key === 'Escape' && keep()}>
          <p class="hint">{T.voidIntro}</p>
          <div ref={field}>
            <TextField id="void-reason" label={T.reason} value={reason} onInput={setReason} error={errors.reason} required />
          </div>
          <div class="actions">
            <button type="submit" class="btn danger" disabled={f.busy}>
              {T.voidYes}
            </button>
            <button type="button" class="btn" onClick={keep}>
              {T.voidNo}
            </button>
          </div>
          {f.error && !errors.reason && <Alert text={f.error.description} />}
        </form>
      )}
    </section>
  );
}
