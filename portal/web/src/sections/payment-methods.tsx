// Payment methods (`#/payment-methods`): the customer's saved cards (brand, last 4, expiry, wallet, "Expires soon",
// default), made default or removed after an inline confirmation, and a card added with Stripe's Payment Element
// (a SetupIntent). Stripe may only tell us about the new card by webhook: then "Saving your card…" until the live
// `payment-method` event. Live: the list follows cards added or removed elsewhere (staff, another tab).
// `#/payment-methods/<service>`: sent here to add a card before booking that service, with the way back once one is saved.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps, SectionDef } from './types.ts';
import type { PaymentMethod } from '../../../shared/types.ts';
import { api, asApiError, ApiError } from '../../../shared/api.ts';
import { setResource, useResource } from '../../../shared/store.ts';
import { useLiveEvents } from '../../../shared/live.ts';
import { CardForm, returnUrl, type CardIntent } from '../card-form.tsx';
import { ErrorBox, Heading, Loaded, Outcome, SrOnly, useQuestionFocus, useTitle } from '../ui.tsx';
import { href } from '../router.ts';
import { t } from '../strings/index.ts';

const P = t.paymentMethods;
export const METHODS = 'payment-methods';
export type Methods = { items: PaymentMethod[] };

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
  eftpos_au: 'eftpos',
  link: 'Link',
};
const WALLETS: Record<string, string> = { apple_pay: 'Apple Pay', google_pay: 'Google Pay', samsung_pay: 'Samsung Pay', link: 'Link' };
const words = (s: string) => s.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

export const brandName = (brand: string): string => BRANDS[brand] ?? words(brand);
/** "Visa ending 4242": names a card in labels and messages. */
export const cardName = (c: { brand: string; last4: string }): string => P.cardName(brandName(c.brand), c.last4);
const expiry = (c: PaymentMethod) => `${String(c.expMonth).padStart(2, '0')}/${c.expYear}`;

function Card({ c, busy, act }: { c: PaymentMethod; busy: boolean; act: (c: PaymentMethod, what: 'default' | 'remove') => Promise<boolean> }) {
  const [asking, setAsking] = useState(false);
  const { ask: removeBtn, safe: keepBtn } = useQuestionFocus(asking); // to "Keep card", then back to "Remove"
  const name = cardName(c);
  const headId = `pm-${c.id}`;

  return (
    <li class="card pm">
      <div class="booking-head">
        <h2 id={headId} tabIndex={-1}>
          {name}
        </h2>
        {c.isDefault && <span class="badge ok">{P.default}</span>}
        {c.expiresSoon && <span class="badge warn">{P.expiresSoon}</span>}
      </div>
      <p class="muted">
        {P.expires(expiry(c))}
        {c.wallet && <> · {P.wallet(WALLETS[c.wallet] ?? words(c.wallet))}</>}
      </p>
      {asking ? (
        <fieldset class="confirm" aria-labelledby={`${headId}-q`}>
          <p id={`${headId}-q`}>{P.confirmRemove(name)}</p>
          <button
            type="button"
            class="btn danger"
            disabled={busy}
            aria-busy={busy ? 'true' : undefined}
            onClick={async () => !(await act(c, 'remove')) && setAsking(false)}
          >
            {P.yesRemove}
          </button>
          <button type="button" class="btn" disabled={busy} ref={keepBtn} onClick={() => setAsking(false)}>
            {P.keep}
          </button>
        </fieldset>
      ) : (
        <div class="actions">
          {!c.isDefault && (
            <button type="button" class="btn" disabled={busy} onClick={() => act(c, 'default')}>
              {P.makeDefault}
              <SrOnly> {name}</SrOnly>
            </button>
          )}
          <button type="button" class="btn" disabled={busy} ref={removeBtn} onClick={() => setAsking(true)}>
            {P.remove}
            <SrOnly> {name}</SrOnly>
          </button>
        </div>
      )}
    </li>
  );
}

/** "Add a card": a SetupIntent, Stripe's Payment Element, then our API keeps the card it made. */
function AddCard({ saved, pending }: { saved: (c: PaymentMethod) => void; pending: () => void }) {
  const [intent, setIntent] = useState<CardIntent | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const addBtn = useRef<HTMLButtonElement>(null);

  const start = async () => {
    setBusy(true);
    setError('');
    try {
      setIntent(await api<CardIntent>(`${METHODS}/setup`, 'POST'));
    } catch (err) {
      setError(asApiError(err).description);
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    setIntent(null);
    setTimeout(() => addBtn.current?.focus());
  };

  if (intent) {
    return (
      <section class="card">
        <CardForm
          intent={intent}
          id="add-card"
          title={P.addTitle}
          level={2}
          submitLabel={P.save}
          cancel={close}
          confirm={async (stripe, elements) => {
            const r = await stripe.confirmSetup({ elements, redirect: 'if_required', confirmParams: { return_url: returnUrl({ portico: 'card' }) } });
            if (r.error || !r.setupIntent) return r.error?.message ?? P.notSaved;
            const kept = await keepCard(r.setupIntent.id);
            if (typeof kept === 'string') return kept;
            setIntent(null);
            if (kept) saved(kept);
            else pending();
          }}
        />
      </section>
    );
  }
  return (
    <>
      {error && <ErrorBox error={new ApiError(0, error)} retry={start} />}
      <p>
        <button type="button" class="btn primary" ref={addBtn} disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={start}>
          {P.add}
        </button>
      </p>
    </>
  );
}

/** Our API keeps the card of a succeeded SetupIntent: the card (201), null while Stripe's webhook is awaited (202), or an error message. */
export async function keepCard(setupIntentId: string): Promise<PaymentMethod | null | string> {
  try {
    const r = await api<PaymentMethod | { pending: true }>(METHODS, 'POST', { setupIntentId });
    return 'id' in r ? r : null;
  } catch (err) {
    return asApiError(err).description;
  }
}

function PaymentMethodsPage({ section, boot, param }: PageProps) {
  useTitle(section.label);
  const list = useResource<Methods>(METHODS);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState('');
  const [saving, setSaving] = useState(false);
  const items = list.data?.items ?? [];

  const heading = () => document.getElementById('page-title')?.focus();
  const update = (next: PaymentMethod[]) => setResource<Methods>(METHODS, { items: next });

  useLiveEvents(boot.bff, ['payment-method'], (_e, data) => {
    list.reload();
    const type = (data as { type?: string } | undefined)?.type;
    if (saving && type === 'payment_method.added') {
      setSaving(false);
      setStatus(P.saved);
    }
  });

  // Back from a bank's page (Stripe's redirect, for methods that need one): keep the card it set up.
  useEffect(() => {
    const q = new URLSearchParams(location.search);
    const id = q.get('setup_intent');
    if (q.get('portico') !== 'card' || !id) return;
    history.replaceState(null, '', location.pathname + location.hash);
    if (q.get('redirect_status') !== 'succeeded') return setFailure(P.notSaved);
    void keepCard(id).then((kept) => (typeof kept === 'string' ? setFailure(kept) : kept ? saved(kept) : pending()));
  }, []);

  const saved = (c: PaymentMethod) => {
    setFailure('');
    list.reload();
    setStatus(P.added(cardName(c)));
    heading();
  };
  const pending = () => {
    setFailure('');
    setSaving(true);
    setStatus(P.saving);
    heading();
  };

  const act = async (c: PaymentMethod, what: 'default' | 'remove'): Promise<boolean> => {
    setBusy(true);
    setFailure('');
    setStatus('');
    try {
      if (what === 'default') {
        update((await api<Methods>(`${METHODS}/${encodeURIComponent(c.id)}/default`, 'POST')).items);
        setStatus(P.madeDefault(cardName(c)));
      } else {
        await api<void>(`${METHODS}/${encodeURIComponent(c.id)}`, 'DELETE').catch((err: unknown) => {
          if (!(err instanceof ApiError && err.status === 404)) throw err; // already gone: what was wanted
        });
        update(items.filter((x) => x.id !== c.id));
        list.reload(); // the default may have moved
        setStatus(P.removed(cardName(c)));
        heading();
      }
      return true;
    } catch (err) {
      setFailure(asApiError(err).description);
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Heading>{section.label}</Heading>
      <Outcome status={status} failure={failure} />
      <Loaded r={list}>
        {(d) =>
          d.items.length ? (
            <ul class="plain">
              {d.items.map((c) => (
                <Card key={c.id} c={c} busy={busy} act={act} />
              ))}
            </ul>
          ) : (
            <p>{P.empty}</p>
          )
        }
      </Loaded>
      {!saving && <AddCard saved={saved} pending={pending} />}
      {param && items.length > 0 && (
        <p>
          <a class="btn primary" href={href('book', param)}>
            {t.bookingMoney.continueBooking}
          </a>
        </p>
      )}
    </>
  );
}

/** Home: the default card. */
function PaymentMethodsCard() {
  return (
    <Loaded r={useResource<Methods>(METHODS)} compact>
      {(data) => {
        const c = data.items.find((x) => x.isDefault) ?? data.items[0];
        if (!c) return <p>{P.empty}</p>;
        return (
          <p>
            {cardName(c)}
            {c.isDefault && <span class="muted"> {P.isDefault}</span>}
            {c.expiresSoon && (
              <>
                {' '}
                <span class="badge warn">{P.expiresSoon}</span>
              </>
            )}
          </p>
        );
      }}
    </Loaded>
  );
}

export const paymentMethods: SectionDef = {
  Page: PaymentMethodsPage,
  Card: PaymentMethodsCard,
  resource: METHODS,
  isEmpty: (d: Methods | undefined) => !d || d.items.length === 0,
  routes: { 'payment-methods': PaymentMethodsPage },
};
