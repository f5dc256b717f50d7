// Stripe's Payment Element in a form of ours: Stripe.js is loaded when the form first shows, the element is mounted
// for one SetupIntent or PaymentIntent (`clientSecret`), and `confirm` runs the Stripe call and whatever follows it.
// Card details stay inside Stripe's frames; this form only says what happened.
import { useEffect, useRef, useState } from 'preact/hooks';
import { appearance, loadStripe, type StripeElement, type StripeElements, type StripeJs } from '../../shared/stripe.ts';
import { t } from './strings/index.ts';

const F = t.cardForm;

export type CardIntent = { clientSecret: string; publishableKey: string };

/**
 * The bank's check (3-D Secure) for a saved card's payment, in the page: Stripe.js shows it, then `after` asks our
 * server how it went, told the PaymentIntent's status in Stripe.js's answer. Resolves to a message to show (Stripe's
 * own words for a failed check first), or undefined when `after` has nothing to say.
 */
export async function bankCheck(intent: CardIntent, after: (stripeSaid: string) => Promise<string | undefined>): Promise<string | undefined> {
  let stripe: StripeJs;
  try {
    stripe = await loadStripe(intent.publishableKey);
  } catch {
    return F.loadFailed;
  }
  const r = await stripe.handleNextAction({ clientSecret: intent.clientSecret });
  const message = await after(r.paymentIntent?.status ?? '');
  return message && (r.error?.message || message);
}

/** What Stripe redirects back to when a payment method needs a trip to the bank's site (cards do not). */
export const returnUrl = (params: Record<string, string>): string => {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
};

type Props = {
  intent: CardIntent;
  /** Names the form (its heading's id). */
  id: string;
  title: string;
  /** The heading's level where the form shows (h3 inside a card that has its own h2). */
  level?: 2 | 3;
  submitLabel: string;
  /** Runs the Stripe confirmation and what follows; resolves to an error message to show, or nothing when done. */
  confirm: (stripe: StripeJs, elements: StripeElements) => Promise<string | undefined>;
  cancel: () => void;
};

export function CardForm({ intent, id, title, level = 3, submitLabel, confirm, cancel }: Props) {
  const H = level === 2 ? 'h2' : 'h3';
  const mountAt = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const stripe = useRef<{ js: StripeJs; elements: StripeElements }>(undefined);
  const [ready, setReady] = useState(false);
  const [loadFailed, setLoadFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    let gone = false;
    let element: StripeElement | undefined;
    setLoadFailed(false);
    loadStripe(intent.publishableKey).then(
      (js) => {
        if (gone || !mountAt.current) return;
        const elements = js.elements({ clientSecret: intent.clientSecret, appearance: appearance() });
        const created = elements.create('payment');
        element = created;
        created.mount(mountAt.current);
        stripe.current = { js, elements };
        setReady(true);
      },
      () => !gone && setLoadFailed(true),
    );
    return () => {
      gone = true;
      element?.destroy();
    };
  }, [intent.clientSecret, attempt]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!stripe.current || busy) return;
    setBusy(true);
    setError('');
    try {
      const message = await confirm(stripe.current.js, stripe.current.elements);
      if (message) setError(message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card-form" onSubmit={submit} aria-labelledby={id} aria-busy={busy ? 'true' : undefined}>
      <H id={id} tabIndex={-1} ref={heading}>
        {title}
      </H>
      <p class="muted">{F.secure}</p>
      <div ref={mountAt} class="stripe-mount" />
      {!ready && !loadFailed && (
        <p role="status" class="muted">
          {F.loading}
        </p>
      )}
      {loadFailed && (
        <div role="alert" class="alert">
          <p>{F.loadFailed}</p>
          <button type="button" class="btn" onClick={() => setAttempt((n) => n + 1)}>
            {t.retry}
          </button>
        </div>
      )}
      <PayActions error={error} busy={busy} disabled={!ready} submit={submitLabel} cancel={cancel} />
    </form>
  );
}

/** A payment form's end: what went wrong, its submit button (saying it is working while `busy`), and Cancel. */
export function PayActions(props: { error?: string; busy: boolean; disabled?: boolean; submit: string; cancel: () => void }) {
  const { error, busy } = props;
  return (
    <>
      {error && (
        <p role="alert" class="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="btn primary" disabled={props.disabled || busy} aria-busy={busy ? 'true' : undefined}>
          {busy ? F.working : props.submit}
        </button>
        <button type="button" class="btn" disabled={busy} onClick={props.cancel}>
          {F.cancel}
        </button>
      </div>
    </>
  );
}
