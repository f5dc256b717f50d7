// A stand-in for Stripe.js, for browser tests only: the test machine has no internet, so a test answers the page's
// request for https://js.stripe.com/v3/ with this script (`installStripeJs`), and production code always loads the
// real one. It does what the portal calls: `Stripe(pk)`, `elements({ clientSecret })`, `create('payment')` with a
// fake card form, and the confirmations, which succeed (or decline the card number 4000 0000 0000 0002) and name the
// intent of the client secret, as Stripe does. Each call is recorded in `window.fakeStripe.calls`.
import type { Page } from 'playwright-core';

export const STRIPE_JS_URL = 'https://js.stripe.com/v3/';
export const DECLINED_CARD = '4000 0000 0000 0002';

export const stripeJsSource = String.raw`(() => {
  const calls = [];
  window.fakeStripe = { calls };
  const intentId = (secret) => String(secret).split('_secret_')[0];
  const declined = () => {
    const input = document.querySelector('.fake-stripe input[name=cardnumber]');
    return !!input && input.value.replace(/\s/g, '') === '4000000000000002';
  };
  const decline = { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } };

  function field(form, name, label, placeholder) {
    const id = 'fake-stripe-' + name + '-' + Math.random().toString(36).slice(2);
    const wrap = document.createElement('div');
    wrap.className = 'field';
    const l = document.createElement('label');
    l.htmlFor = id;
    l.textContent = label;
    const input = document.createElement('input');
    input.id = id;
    input.name = name;
    input.placeholder = placeholder;
    input.autocomplete = 'off';
    wrap.append(l, input);
    form.append(wrap);
  }

  window.Stripe = function Stripe(publishableKey) {
    calls.push({ call: 'Stripe', publishableKey });
    return {
      elements(options) {
        calls.push({ call: 'elements', clientSecret: options.clientSecret, appearance: options.appearance });
        return {
          clientSecret: options.clientSecret,
          create(type) {
            calls.push({ call: 'create', type });
            let root;
            return {
              mount(target) {
                const el = typeof target === 'string' ? document.querySelector(target) : target;
                root = document.createElement('div');
                root.className = 'fake-stripe';
                root.setAttribute('data-testid', 'stripe-payment-element');
                field(root, 'cardnumber', 'Card number', '1234 1234 1234 1234');
                field(root, 'exp-date', 'Expiry date', 'MM / YY');
                field(root, 'cvc', 'Security code', 'CVC');
                el.append(root);
              },
              unmount() { root && root.remove(); },
              destroy() { root && root.remove(); },
              on() {},
            };
          },
        };
      },
      async confirmSetup({ elements }) {
        calls.push({ call: 'confirmSetup', clientSecret: elements.clientSecret });
        if (declined()) return decline;
        return { setupIntent: { id: intentId(elements.clientSecret), status: 'succeeded', payment_method: 'pm_card_visa' } };
      },
      async confirmPayment({ elements }) {
        calls.push({ call: 'confirmPayment', clientSecret: elements.clientSecret });
        if (declined()) return decline;
        return { paymentIntent: { id: intentId(elements.clientSecret), status: 'succeeded' } };
      },
      async handleNextAction({ clientSecret }) {
        calls.push({ call: 'handleNextAction', clientSecret });
        return { paymentIntent: { id: intentId(clientSecret), status: 'succeeded' } };
      },
    };
  };
})();
`;

/** Answers the page's requests for Stripe.js with the stand-in; returns how many times it was asked for. */
export async function installStripeJs(page: Page): Promise<{ requests(): number }> {
  let requests = 0;
  await page.route('https://js.stripe.com/v3/**', (route) => {
    requests++;
    return route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: stripeJsSource });
  });
  return { requests: () => requests };
}
