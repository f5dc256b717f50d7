// Joining a plan: the plan cards (what is included, price, terms), then paying with a saved card or a new one (a
// SetupIntent in Stripe's Payment Element, as under Payment methods), with 3-D Secure in the page as tabs do.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JoinAnswer, Membership, Plan } from '../../../shared/memberships.ts';
import { api, asApiError } from '../../../shared/api.ts';
import { useResource } from '../../../shared/store.ts';
import { useLive } from '../../../shared/live.ts';
import { CardForm, PayActions, bankCheck, returnUrl, type CardIntent } from '../card-form.tsx';
import { METHODS, cardName, keepCard, type Methods } from '../sections/payment-methods.tsx';
import { money } from '../format.ts';
import { Loading, SrOnly } from '../ui.tsx';
import { Included, PlanTerms, planPrice } from './plan.tsx';
import { t } from '../strings/index.ts';
import { tm } from '../strings/membership.ts';

/** PaymentIntent statuses after which the money is on its way: our server hears of it by Stripe's webhook. */
const WENT_THROUGH = ['succeeded', 'processing'];

export function PlanCards({ plans, join }: { plans: Plan[]; join: (p: Plan) => void }) {
  if (!plans.length) return <p>{tm.noPlans}</p>;
  return (
    <ul class="cards plain">
      {plans.map((p) => (
        <li class="card plan" key={p.id}>
          <h3>{p.name}</h3>
          <p class="lead">{planPrice(p)}</p>
          {p.description && <p>{p.description}</p>}
          <Included plan={p} />
          <PlanTerms plan={p} />
          <p class="card-link">
            <button type="button" class="btn primary" onClick={() => join(p)}>
              {tm.join}
              <SrOnly> {p.name}</SrOnly>
            </button>
          </p>
        </li>
      ))}
    </ul>
  );
}

/** What joining takes today: the joining fee, and the first period unless it starts with a free trial. */
const dueToday = (p: Plan): number => p.joiningFee + (p.trialDays ? 0 : p.price.amount);

type Props = { plan: Plan; bff: string; joined: (m: Membership, said: string) => void; close: () => void };

export function Join({ plan, bff, joined, close }: Props) {
  const methods = useResource<Methods>(METHODS);
  const cards = methods.data?.items ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [setup, setSetup] = useState<CardIntent | null>(null);
  const [saving, setSaving] = useState<string | null>(null); // a new card's id, until Stripe's webhook has it saved
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const stripeSaid = useRef('');
  const method = chosen ?? (cards.find((c) => c.isDefault) ?? cards[0])?.id ?? 'new';
  const today = dueToday(plan);
  const m = (amount: number) => money(amount, plan.price.currency);
  useLive(bff, ['payment-method'], methods.reload);
  useEffect(() => heading.current?.focus(), []);

  // The new card arrived (live, from Stripe's webhook): join with it.
  useEffect(() => {
    if (saving && cards.some((c) => c.id === saving)) {
      setSaving(null);
      void step(() => join(saving));
    }
  }, [methods.data]);

  /** Acts on the API's answer; resolves to a message to show when the membership is not paid for. */
  async function handle(a: JoinAnswer, afterAction = false): Promise<string | undefined> {
    const p = a.payment;
    if (p.state === 'succeeded') return void joined(a.membership, tm.joined(plan.name));
    if (p.state === 'pending' || (afterAction && WENT_THROUGH.includes(stripeSaid.current))) return void joined(a.membership, tm.joinPending);
    if (p.state === 'failed') return p.failure || tm.joinFailed;
    if (afterAction || !p.clientSecret || !p.publishableKey) return tm.notConfirmed;
    // The bank asks for 3-D Secure: Stripe.js shows its check, then our server asks Stripe how it went.
    return bankCheck({ clientSecret: p.clientSecret, publishableKey: p.publishableKey }, async (said) => {
      stripeSaid.current = said;
      return handle(await api<JoinAnswer>(`memberships/${encodeURIComponent(a.membership.id)}/refresh`, 'POST'), true);
    });
  }

  const join = async (paymentMethod: string) => handle(await api<JoinAnswer>('memberships', 'POST', { planId: plan.id, paymentMethod }));

  /** Runs a step, showing what went wrong; a customer without a card is asked for one. */
  async function step(run: () => Promise<string | undefined>): Promise<string | undefined> {
    setBusy(true);
    setError('');
    try {
      const message = await run();
      if (message) setError(message);
      return message;
    } catch (err) {
      const e = asApiError(err);
      if (e.code === 'payment_required') return void (await newCard());
      setError(e.description);
      return e.description;
    } finally {
      setBusy(false);
    }
  }

  const newCard = async (): Promise<undefined> => void setSetup(await api<CardIntent>(`${METHODS}/setup`, 'POST'));

  const submit = (e: Event) => {
    e.preventDefault();
    void step(async () => (method === 'new' ? newCard() : join(method)));
  };

  if (saving) {
    return (
      <p role="status" class="notice">
        {tm.savingCard}
      </p>
    );
  }

  if (setup) {
    return (
      <CardForm
        intent={setup}
        id="join-card"
        title={tm.addCardTitle}
        submitLabel={tm.saveAndJoin}
        cancel={() => setSetup(null)}
        confirm={async (stripe, elements) => {
          const r = await stripe.confirmSetup({ elements, redirect: 'if_required', confirmParams: { return_url: returnUrl({ portico: 'card' }) } });
          if (r.error || !r.setupIntent) return r.error?.message ?? t.paymentMethods.notSaved;
          const kept = await keepCard(r.setupIntent.id);
          if (typeof kept === 'string') return kept;
          const pm = kept?.id ?? r.setupIntent.payment_method;
          const id = typeof pm === 'string' ? pm : pm?.id;
          if (!id) return t.paymentMethods.notSaved;
          setSetup(null);
          if (kept) await step(() => join(id));
          else setSaving(id);
        }}
      />
    );
  }

  return (
    <form class="stack" onSubmit={submit} aria-labelledby="join-title" noValidate>
      <h3 id="join-title" tabIndex={-1} ref={heading}>
        {tm.joinTitle(plan.name)}
      </h3>
      <p class="lead">
        {tm.today}: <strong>{m(today)}</strong>
      </p>
      <p>{plan.trialDays ? tm.trialThen(plan.trialDays, planPrice(plan)) : tm.thenPrice(planPrice(plan))}</p>
      <fieldset>
        <legend>{tm.payWith}</legend>
        {methods.loading && !methods.data && <Loading />}
        {cards.map((c) => (
          <div class="check" key={c.id}>
            <input type="radio" id={`join-${c.id}`} name="join-method" checked={method === c.id} onChange={() => setChosen(c.id)} />
            <label for={`join-${c.id}`}>
              {cardName(c)}
              {c.isDefault && <span class="muted"> {tm.defaultCard}</span>}
            </label>
          </div>
        ))}
        <div class="check">
          <input type="radio" id="join-new" name="join-method" checked={method === 'new'} onChange={() => setChosen('new')} />
          <label for="join-new">{tm.newCard}</label>
        </div>
      </fieldset>
      <PayActions error={error} busy={busy} submit={today ? tm.confirmJoin(m(today)) : tm.confirmJoinFree} cancel={close} />
    </form>
  );
}
