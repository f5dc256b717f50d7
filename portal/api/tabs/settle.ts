// Settling a tab. One attempt at a time: an attempt is claimed with a conditional update on the tab's version (so of
// 100 parallel "settle" requests one wins and the rest get a 409), and its Stripe idempotency key, derived from the
// tab and the attempt number, is stored before Stripe is called, so a retried request can never create a second
// PaymentIntent. The tab becomes paid once, by whichever comes first of Stripe's answer, the page's refresh after
// 3-D Secure, and the signed webhook: the transition is conditional on the tab being open, and it writes the invoice,
// receipt and events in the same transaction.
import Stripe from 'stripe';
import { z } from 'zod';
import { Conflict, HttpError } from '../../../lib/errors.ts';
import { updateAndRead } from '../../../lib/db.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import type { CardSummary, PaidWith } from '../documents/model.ts';
import { newDocumentId, recordPaidSale } from '../documents/service.ts';
import { minorUnits } from '../money/amounts.ts';
import { defaultMethod, findMethod, paymentMethodId, stripeCustomerOf } from '../payments/methods.ts';
import { connectedStripe, moneySettings, type MoneySettings } from '../payments/settings.ts';
import { stripeProblem, type PaymentDeps } from '../payments/stripe.ts';
import { RUNNING, TabModel, type PaymentState, type Tab, type TabPayment } from './model.ts';
import { findTab, openTabIn, priced, tabEvent, TabNotOpen, PaymentInProgress } from './service.ts';

const tip = minorUnits.max(100_000_000).default(0);
export const settleInput = z.strictObject({ paymentMethod: z.union([paymentMethodId, z.literal('new')]), tip });
export const staffSettleInput = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('card_on_file'), paymentMethod: paymentMethodId.optional(), tip }),
  z.strictObject({ method: z.literal('cash'), tip }),
]);

/** How a tab is paid: a saved card (the one named, or the default; on or off session), a new card in the browser, or cash taken by staff. */
export type Means = { method: 'card'; paymentMethod?: string | 'new'; offSession: boolean } | { method: 'cash' };
/** Who is settling: the tab's customer (their tabs only), or staff. */
export type Settler = { customerId?: string; timeZone: string };

/** A stale attempt without a PaymentIntent (its request to Stripe failed) is sent again, with the same key, after this. */
const RESEND_AFTER_MS = 30_000;

export class TabChanged extends HttpError {
  constructor() {
    super(409, 'tab_changed', 'The tab changed while you were paying: check it and pay again.');
  }
}
class NothingToPay extends HttpError {
  constructor(message: string) {
    super(422, 'nothing_to_pay', message);
  }
}
class StripeUnavailable extends HttpError {
  constructor(message: string) {
    super(502, 'stripe_unavailable', `${message} Nothing was charged twice: try again in a moment.`);
  }
}

/** The tab as it now stands (each route shows it its own way) and where its payment stands. */
export type SettleAnswer = { tab: Tab; payment: { state: PaymentState; clientSecret?: string; publishableKey?: string; failure?: string } };

const answer = (t: Tab, extra: { clientSecret?: string; publishableKey?: string } = {}): SettleAnswer => ({
  tab: t,
  payment: { state: t.payment!.state, ...(t.payment!.failure ? { failure: t.payment!.failure } : {}), ...extra },
});
const keyOf = (org: string, tabId: string, attempt: number) => `tab:${org}:${tabId}:${attempt}`;

export async function settle(deps: PaymentDeps, org: string, id: string, means: Means, tipAmount: number, who: Settler): Promise<SettleAnswer> {
  const tab = await findTab(org, id, who.customerId);
  if (tab.status !== 'open') throw new TabNotOpen(tab);
  const amount = priced(tab).totals.total + tipAmount;
  if (means.method === 'cash') return settleInCash(deps, tab, tipAmount, amount, who);
  if (amount <= 0) throw new NothingToPay('There is nothing to pay on this tab.');
  const { settings, stripe } = await connectedStripe(deps, org);
  const saved = means.paymentMethod === 'new' ? undefined : await cardOnFile(org, tab.customerId, means.paymentMethod);
  const current = tab.payment?.state === 'requires_action' ? await abandon(stripe, tab) : tab;
  const claimed = await claim(current, {
    method: 'card',
    amount,
    tip: tipAmount,
    ...(saved ? { paymentMethodId: saved.paymentMethodId, card: { brand: saved.brand, last4: saved.last4 } } : {}),
  });
  // The attempt claimed, or a stale one sent again: its own amount and card, as its key was first sent with.
  const p = claimed.payment!;
  let intent: Stripe.PaymentIntent;
  try {
    const customer = await stripeCustomerOf(stripe, org, tab.customerId, tab.customerEmail);
    const common = { amount: p.amount, currency: tab.currency.toLowerCase(), customer, metadata: { org, tab: tab._id, attempt: String(p.attempt) } };
    intent = p.paymentMethodId
      ? await stripe.paymentIntents.create(
          {
            ...common,
            payment_method: p.paymentMethodId,
            confirm: true,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            ...(means.offSession ? { off_session: true } : {}),
          },
          { idempotencyKey: p.key },
        )
      : await stripe.paymentIntents.create({ ...common, automatic_payment_methods: { enabled: true } }, { idempotencyKey: p.key });
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) {
      const failed = await finish(org, tab._id, p.attempt, 'failed', { failure: err.message, intentId: err.payment_intent?.id });
      return answer(failed ?? (await findTab(org, tab._id)));
    }
    const problem = stripeProblem(err);
    if (problem) throw new StripeUnavailable(problem); // the attempt stays pending and is sent again with its key
    throw err;
  }
  await TabModel.updateOne({ _id: tab._id, org, 'payment.attempt': p.attempt }, { $set: { 'payment.intentId': intent.id } });
  return applyIntent(deps, org, who.timeZone, intent, {
    settings,
    browser: !p.paymentMethodId,
    tab: { ...claimed, payment: { ...p, intentId: intent.id } },
  });
}

/**
 * An attempt left waiting on the customer (a new card never confirmed, 3-D Secure closed) gives way to a new one:
 * its PaymentIntent is cancelled at Stripe first, which Stripe refuses once it went through, so it can never be
 * charged alongside the new one.
 */
async function abandon(stripe: Stripe, tab: Tab): Promise<Tab> {
  const p = tab.payment!;
  if (p.intentId) {
    try {
      await stripe.paymentIntents.cancel(p.intentId, undefined, { idempotencyKey: `${p.key}:cancel` });
    } catch (err) {
      if (err instanceof Stripe.errors.StripeError) throw new PaymentInProgress(); // it went through or is going through
      throw err;
    }
  }
  return (await finish(tab.org, tab._id, p.attempt, 'failed', { failure: 'The earlier payment was not completed.' })) ?? findTab(tab.org, tab._id);
}

/**
 * Claims the next attempt over the version read, else says why not. A stale card attempt whose request to Stripe
 * failed (no PaymentIntent id after RESEND_AFTER_MS) is handed back to be sent again with its own key, and blocks
 * cash: Stripe may have taken it.
 */
async function claim(tab: Tab, attempt: Omit<TabPayment, 'attempt' | 'key' | 'state' | 'at'>): Promise<Tab> {
  const current = tab.payment;
  if (
    attempt.method === 'card' &&
    current?.method === 'card' &&
    current.state === 'pending' &&
    !current.intentId &&
    Date.now() - current.at.getTime() > RESEND_AFTER_MS
  )
    return tab;
  const n = (current?.attempt ?? 0) + 1;
  const payment: TabPayment = { ...attempt, attempt: n, key: keyOf(tab.org, tab._id, n), state: 'pending', at: new Date() };
  const claimed = await updateAndRead<Tab>(
    TabModel,
    { _id: tab._id, org: tab.org, status: 'open', version: tab.version, 'payment.state': { $nin: RUNNING } },
    { $set: { payment }, $inc: { version: 1 } },
  );
  if (claimed) return claimed;
  const now = await findTab(tab.org, tab._id);
  if (now.status !== 'open') throw new TabNotOpen(now);
  if (now.payment && RUNNING.includes(now.payment.state)) throw new PaymentInProgress();
  throw new TabChanged();
}

async function settleInCash(deps: PaymentDeps, tab: Tab, tipAmount: number, amount: number, who: Settler): Promise<SettleAnswer> {
  if (who.customerId) throw new Conflict('Only staff can record a payment in cash.');
  const claimed = await claim(tab, { method: 'cash', amount, tip: tipAmount });
  const settings = await moneySettings(deps.sealKey, tab.org);
  const paid = await markPaid(tab.org, { prefix: settings.invoicePrefix, timeZone: who.timeZone }, tab._id, claimed.payment!.attempt, {
    method: 'cash',
    paidAt: new Date(),
  });
  return answer(paid ?? (await findTab(tab.org, tab._id)));
}

/**
 * Where a PaymentIntent stands, applied to the tab attempt it belongs to (found by its id, or by the tab and attempt
 * in its metadata when the webhook comes before the id was stored). `browser`: the page must act next (a new card).
 */
export async function applyIntent(
  deps: PaymentDeps,
  org: string,
  timeZone: string,
  intent: Stripe.PaymentIntent,
  options: { settings?: MoneySettings; browser?: boolean; stripe?: Stripe; tab?: Tab } = {},
): Promise<SettleAnswer> {
  const tab = options.tab ?? (await TabModel.findOne({ org, 'payment.intentId': intent.id }).lean<Tab>()) ?? (await byMetadata(org, intent));
  if (!tab?.payment) throw new Conflict('This payment belongs to no tab of this organisation.');
  const unchanged = () => (options.tab ? tab : findTab(org, tab._id)); // the tab as read, when nothing was written
  // Where the attempt already stands (as read) needs no write: a settle left pending stays pending, without a transaction.
  const moveTo = (state: 'requires_action' | 'pending') =>
    tab.payment!.state === state && tab.payment!.intentId === intent.id && tab.payment!.attempt === attempt
      ? null
      : finish(org, tab._id, attempt, state, { intentId: intent.id });
  const attempt = tab.payment.intentId === intent.id || !tab.payment.intentId ? tab.payment.attempt : Number(intent.metadata?.attempt);
  const settings = options.settings ?? (await moneySettings(deps.sealKey, org));
  const secret = { clientSecret: intent.client_secret ?? undefined, publishableKey: settings.publishableKey };
  let after: Tab | null;
  switch (intent.status) {
    case 'succeeded':
      after = await markPaid(org, { prefix: settings.invoicePrefix, timeZone }, tab._id, attempt, {
        method: 'card',
        card: tab.payment.card ?? (await cardOf(deps, org, intent, options.stripe)),
        paidAt: new Date(),
        intentId: intent.id,
      });
      break;
    case 'requires_action':
    case 'requires_confirmation':
      after = await moveTo('requires_action');
      return answer(after ?? (await unchanged()), secret);
    case 'canceled':
      after = await finish(org, tab._id, attempt, 'failed', { failure: 'The payment was cancelled.', intentId: intent.id });
      break;
    case 'requires_payment_method':
      // A decline always carries Stripe's message for the customer (stripe-mock answers a bare fixture error without one).
      if (intent.last_payment_error?.message) {
        after = await finish(org, tab._id, attempt, 'failed', { failure: intent.last_payment_error.message, intentId: intent.id });
        break;
      }
      if (options.browser) {
        after = await moveTo('requires_action'); // the page collects the card
        return answer(after ?? (await unchanged()), secret);
      }
      after = await moveTo('pending'); // confirmed by the page; Stripe's webhook will say
      break;
    default:
      after = await moveTo('pending'); // processing: the webhook will say
  }
  return answer(after ?? (await unchanged()));
}

async function byMetadata(org: string, intent: Stripe.PaymentIntent): Promise<Tab | null> {
  const { tab, attempt } = intent.metadata ?? {};
  if (!tab || !attempt || intent.metadata.org !== org) return null;
  return updateAndRead<Tab>(TabModel, { _id: tab, org, 'payment.attempt': Number(attempt) }, { $set: { 'payment.intentId': intent.id } });
}

/** The card a PaymentIntent was paid with, for the receipt (none if Stripe cannot say). */
async function cardOf(deps: PaymentDeps, org: string, intent: Stripe.PaymentIntent, stripe?: Stripe): Promise<CardSummary | undefined> {
  const ref = intent.payment_method;
  if (!ref) return undefined;
  try {
    const pm = typeof ref === 'string' ? await (stripe ?? (await connectedStripe(deps, org)).stripe).paymentMethods.retrieve(ref) : ref;
    return pm.card ? { brand: pm.card.display_brand ?? pm.card.brand, last4: pm.card.last4 } : undefined;
  } catch {
    return undefined;
  }
}

/** Moves a running attempt on (never a settled or superseded one), with `payment.failed` when it failed. Unchanged: null. */
async function finish(
  org: string,
  id: string,
  attempt: number,
  state: 'failed' | 'requires_action' | 'pending',
  fields: { failure?: string; intentId?: string },
): Promise<Tab | null> {
  return inTransaction(org, async (tx) => {
    const $set: Record<string, unknown> = { 'payment.state': state };
    if (fields.failure) $set['payment.failure'] = fields.failure;
    if (fields.intentId) $set['payment.intentId'] = fields.intentId;
    const t = await updateAndRead<Tab>(
      TabModel,
      { _id: id, org, status: 'open', 'payment.attempt': attempt, 'payment.state': { $in: RUNNING } },
      { $set, $inc: { version: 1 } },
      tx.session,
    );
    if (t && state === 'failed') tx.emit(tabEvent('payment.failed', t));
    return t;
  });
}

type PaidHook = (tx: Tx, tab: Tab) => Promise<void>;
const paidHooks = new Map<string, PaidHook>();

/** Runs `hook` in the transaction that marks a tab of this purpose paid (a prepaid booking becomes paid with it). */
export function whenTabPaid(purpose: NonNullable<Tab['purpose']>['kind'], hook: PaidHook): void {
  paidHooks.set(purpose, hook);
}

/** The one transition to paid: the tab, its invoice, receipt, payment and events, together or not at all. */
async function markPaid(
  org: string,
  numbering: { prefix: string; timeZone: string },
  id: string,
  attempt: number,
  paid: PaidWith & { intentId?: string },
): Promise<Tab | null> {
  return inTransaction(org, async (tx) => {
    const invoiceId = newDocumentId('invoice');
    const t = await updateAndRead<Tab>(
      TabModel,
      { _id: id, org, status: 'open', 'payment.attempt': attempt },
      {
        $set: { status: 'paid', paidAt: paid.paidAt, invoiceId, 'payment.state': 'succeeded', ...(paid.card ? { 'payment.card': paid.card } : {}) },
        $unset: { 'payment.failure': 1 },
        $inc: { version: 1 },
      },
      tx.session,
    );
    if (!t) return null; // paid already (or another attempt's): once only
    const { lines, totals } = priced(t);
    await recordPaidSale(
      tx,
      { org, ...numbering },
      {
        customerId: t.customerId,
        customerEmail: t.customerEmail,
        customerName: t.customerName,
        currency: t.currency,
        taxInclusive: t.taxInclusive,
        lines: lines.map(({ description, quantity, unitAmount, taxRate, net, tax, gross }) => ({
          description,
          quantity,
          unitAmount,
          taxRate,
          net,
          tax,
          gross,
        })),
        totals,
        tip: t.payment!.tip,
        source: { kind: 'tab', id: t._id },
      },
      paid,
      invoiceId,
    );
    if (t.purpose) await paidHooks.get(t.purpose.kind)?.(tx, t);
    tx.emit(tabEvent('tab.settled', t));
    return t;
  });
}

/** After the page handled 3-D Secure or confirmed a new card: asks Stripe where the payment stands. */
export async function refresh(deps: PaymentDeps, org: string, id: string, who: Settler): Promise<SettleAnswer> {
  const tab = await findTab(org, id, who.customerId);
  if (!tab.payment?.intentId || tab.payment.method !== 'card' || !RUNNING.includes(tab.payment.state)) {
    if (!tab.payment) throw new Conflict('No payment has been started for this tab.');
    return answer(tab);
  }
  const { settings, stripe } = await connectedStripe(deps, org);
  const intent = await stripe.paymentIntents.retrieve(tab.payment.intentId);
  return applyIntent(deps, org, who.timeZone, intent, { settings, stripe });
}

/** The customer's saved card named, or their default one. */
async function cardOnFile(org: string, customerId: string, paymentMethod?: string) {
  if (paymentMethod) return findMethod(org, customerId, paymentMethod);
  const d = await defaultMethod(org, customerId);
  if (!d) throw new NothingToPay('This customer has no card on file.');
  return d;
}

/**
 * A fee (a freeze's, a late cancellation's) on a tab of its own, charged to the customer's card on file; when the
 * card is declined (or there is none) the tab stays open for them to pay. Returns the tab's id.
 */
export async function chargeOnFile(
  deps: PaymentDeps,
  org: string,
  customer: { id: string; email?: string },
  fee: { description: string; amount: number },
  timeZone: string,
): Promise<string> {
  const settings = await moneySettings(deps.sealKey, org);
  const tab = await inTransaction(org, (tx) =>
    openTabIn(tx, org, settings, {
      customerId: customer.id,
      email: customer.email ?? '',
      lines: [{ description: fee.description, quantity: 1, unitAmount: fee.amount, taxRate: null }],
    }),
  );
  await settle(deps, org, tab._id, { method: 'card', offSession: true }, 0, { timeZone }).catch(() => undefined);
  return tab._id;
}
