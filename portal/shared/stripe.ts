// Stripe.js, loaded from Stripe (never bundled, never self-hosted: Stripe requires it) and only at the moment a page
// collects a card, so card data goes from Stripe's frames to Stripe and the apps' own bundles stay small. The page's
// Content-Security-Policy allows js.stripe.com (script, frames) and api.stripe.com (connect) for this.
// Only the few calls the portal makes are typed here.

export const STRIPE_JS = 'https://js.stripe.com/v3/';

export type StripeError = { type?: string; code?: string; message?: string };
type Intent = { id: string; status: string; payment_method?: string | { id: string } | null };

export type StripeElement = { mount(el: HTMLElement): void; destroy(): void };
export type StripeElements = { create(type: 'payment', options?: Record<string, unknown>): StripeElement };
type Confirm = { elements: StripeElements; redirect: 'if_required'; confirmParams?: { return_url: string } };

export type StripeJs = {
  elements(options: { clientSecret: string; appearance?: Record<string, unknown> }): StripeElements;
  confirmSetup(options: Confirm): Promise<{ error?: StripeError; setupIntent?: Intent }>;
  confirmPayment(options: Confirm): Promise<{ error?: StripeError; paymentIntent?: Intent }>;
  handleNextAction(options: { clientSecret: string }): Promise<{ error?: StripeError; paymentIntent?: Intent }>;
};

type StripeFactory = (publishableKey: string) => StripeJs;

let script: Promise<StripeFactory> | undefined;
const instances = new Map<string, StripeJs>();

function inject(): Promise<StripeFactory> {
  return new Promise((resolve, reject) => {
    const w = window as unknown as { Stripe?: StripeFactory };
    if (w.Stripe) return resolve(w.Stripe);
    const el = document.createElement('script');
    el.src = STRIPE_JS;
    el.async = true;
    el.onload = () => (w.Stripe ? resolve(w.Stripe) : reject(new Error('Stripe.js did not start')));
    el.onerror = () => {
      el.remove();
      reject(new Error('Stripe.js could not be loaded'));
    };
    document.head.appendChild(el);
  });
}

/** Stripe.js for an organisation's publishable key; the script is added to the page on the first call only. */
export async function loadStripe(publishableKey: string): Promise<StripeJs> {
  script ??= inject().catch((err: unknown) => {
    script = undefined; // a failed load (offline) may be tried again
    throw err;
  });
  const factory = await script;
  let stripe = instances.get(publishableKey);
  if (!stripe) {
    stripe = factory(publishableKey);
    instances.set(publishableKey, stripe);
  }
  return stripe;
}

/** The Payment Element in the app's colours and font (its CSS variables), light or dark like the page. */
export function appearance(): Record<string, unknown> {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    theme: document.documentElement.dataset.theme === 'dark' ? 'night' : 'stripe',
    variables: {
      colorPrimary: v('--brand'),
      colorBackground: v('--surface'),
      colorText: v('--fg'),
      colorDanger: v('--err'),
      fontFamily: v('--font'),
      borderRadius: '8px',
    },
  };
}
