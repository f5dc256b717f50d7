// What reached Stripe: the test stack's Stripe is stripe-mock behind a pass-through that notes each request's method,
// path and idempotency key, so tests can count the PaymentIntents Portico asked for.
import { startStripeProxy } from '../../scripts/stripe/proxy.ts';

export type StripeCall = { method: string; path: string; idempotencyKey?: string };

export async function startStripeRecorder(target: string) {
  const calls: StripeCall[] = [];
  const proxy = await startStripeProxy(target, ({ method, path, idempotencyKey }) => void calls.push({ method, path, idempotencyKey }));
  return { ...proxy, calls };
}
