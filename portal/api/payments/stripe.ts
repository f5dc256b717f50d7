// The Stripe client an organisation's money code uses. Today each organisation connects its own account with its
// own secret key; Stripe Connect (one platform key, the organisation's account id on every request) would change
// only this file: `StripeAccount` gains `{ platformKey, accountId }` and the client is built with `stripeAccount`.
import Stripe from 'stripe';

export type StripeAccount = { secretKey: string };

/** Where the Stripe SDK sends its requests: Stripe itself, or stripe-mock (STRIPE_API_URL) in tests and locally. */
export type StripeEndpoint = URL | undefined;

/** What the money code needs to reach an organisation's Stripe: the key its secrets are sealed with, and where Stripe is. */
export type PaymentDeps = { sealKey: Buffer; endpoint: StripeEndpoint };

const clients = new Map<string, Stripe>();
const MAX_CLIENTS = 500;

/** One client per key and endpoint, kept (each holds its own connection pool). */
export function stripeClient(account: StripeAccount, endpoint: StripeEndpoint): Stripe {
  const id = `${endpoint ?? ''}|${account.secretKey}`;
  let client = clients.get(id);
  if (!client) {
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    client = newClient(account, endpoint);
    clients.set(id, client);
  }
  return client;
}

function newClient(account: StripeAccount, endpoint: StripeEndpoint): Stripe {
  return new Stripe(account.secretKey, {
    maxNetworkRetries: 1,
    timeout: 15_000,
    telemetry: false,
    ...(endpoint
      ? {
          host: endpoint.hostname,
          port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
          protocol: endpoint.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** A Stripe error in plain words for the business, never its key. */
export function stripeProblem(err: unknown): string | undefined {
  if (!(err instanceof Stripe.errors.StripeError)) return undefined;
  switch (err.type) {
    case 'StripeAuthenticationError':
      return 'Stripe did not accept the secret key. Check that it was copied whole and has not been revoked or rolled.';
    case 'StripePermissionError':
      return "The restricted key is not allowed to read the balance. In Stripe's dashboard, give it Balance: Read.";
    case 'StripeConnectionError':
      return "Could not reach Stripe. Check this server's connection to the internet and try again.";
    case 'StripeRateLimitError':
      return 'Stripe is limiting requests from this account for a moment. Try again shortly.';
    default:
      return `Stripe answered: ${err.message}`;
  }
}
