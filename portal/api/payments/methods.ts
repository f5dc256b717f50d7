// Saved payment methods. Card data never reaches us: the browser hands it to Stripe (Payment Element, SetupIntent),
// and we keep Stripe's ids and a display summary (brand, last 4, expiry, wallet). Each customer of an organisation
// has one Stripe Customer, created on first need.
import mongoose from 'mongoose';
import type Stripe from 'stripe';
import { z } from 'zod';
import { isDuplicateKey } from '../../../lib/db.ts';
import { NotFound } from '../../../lib/errors.ts';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import { inTransaction } from '../../../lib/transaction.ts';
import { connectedStripe } from './settings.ts';
import type { PaymentDeps } from './stripe.ts';

type StripeCustomer = { _id: string; org: string; customerId: string; stripeCustomerId: string; createdAt: Date };
const customerSchema = orgScopedSchema<StripeCustomer>(
  { _id: { type: String, required: true }, customerId: String, stripeCustomerId: String, createdAt: Date },
  { versionKey: false },
);
customerSchema.index({ org: 1, stripeCustomerId: 1 });
const StripeCustomerModel = mongoose.model<StripeCustomer>('StripeCustomer', customerSchema, 'stripe_customers');

export type SavedMethod = {
  _id: string;
  org: string;
  customerId: string;
  paymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  wallet: string | null;
  isDefault: boolean;
  createdAt: Date;
};
const methodSchema = orgScopedSchema<SavedMethod>(
  {
    _id: { type: String, required: true },
    customerId: String,
    paymentMethodId: String,
    brand: String,
    last4: String,
    expMonth: Number,
    expYear: Number,
    wallet: { type: String, default: null },
    isDefault: Boolean,
    createdAt: Date,
  },
  { versionKey: false },
);
methodSchema.index({ org: 1, customerId: 1, createdAt: 1 });
const SavedMethodModel = mongoose.model<SavedMethod>('SavedPaymentMethod', methodSchema, 'payment_methods');

export const paymentMethodId = z.string().regex(/^pm_[A-Za-z0-9_]{3,100}$/, 'is not a payment method id');
export const confirmInput = z.strictObject({ setupIntentId: z.string().regex(/^seti_[A-Za-z0-9_]{3,100}$/, 'is not a SetupIntent id') });

const EXPIRES_SOON_MS = 60 * 86_400_000;
const idOf = (org: string, pm: string) => `${org}|${pm}`;

export function methodView(m: SavedMethod, now = Date.now()) {
  const expiresAt = Date.UTC(m.expYear, m.expMonth, 1); // the first day after the expiry month
  return {
    id: m.paymentMethodId,
    brand: m.brand,
    last4: m.last4,
    expMonth: m.expMonth,
    expYear: m.expYear,
    wallet: m.wallet,
    isDefault: m.isDefault,
    expiresSoon: expiresAt - now < EXPIRES_SOON_MS,
  };
}
export type PaymentMethodView = ReturnType<typeof methodView>;

export async function listMethods(org: string, customerId: string) {
  const methods = await SavedMethodModel.find({ org, customerId }).sort({ createdAt: 1 }).lean<SavedMethod[]>();
  return { items: methods.map((m) => methodView(m)) };
}

/** One of the customer's saved methods, or 404 (another customer's card is as unknown as a made-up id). */
export async function findMethod(org: string, customerId: string, pm: string): Promise<SavedMethod> {
  const m = await SavedMethodModel.findOne({ _id: idOf(org, pm), org, customerId }).lean<SavedMethod>();
  if (!m) throw new NotFound('No such payment method.');
  return m;
}

/** The customer's default card, if any. */
export const defaultMethod = (org: string, customerId: string) => SavedMethodModel.findOne({ org, customerId, isDefault: true }).lean<SavedMethod>();

/** The customer's Stripe Customer id, created on first need (an idempotency key keeps concurrent first needs to one). */
export async function stripeCustomerOf(stripe: Stripe, org: string, customerId: string, email: string | undefined): Promise<string> {
  const _id = idOf(org, customerId);
  const known = await StripeCustomerModel.findOne({ _id, org }).lean<StripeCustomer>();
  if (known) return known.stripeCustomerId;
  const created = await stripe.customers.create(
    { email, metadata: { org, customer: customerId } },
    { idempotencyKey: `customer:${org}:${customerId}` },
  );
  try {
    await StripeCustomerModel.create({ _id, org, customerId, stripeCustomerId: created.id, createdAt: new Date() });
    return created.id;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return (await StripeCustomerModel.findOne({ _id, org }).lean<StripeCustomer>())!.stripeCustomerId; // a concurrent first need won
  }
}

/** Our customer behind a Stripe Customer id (webhooks name Stripe's). */
async function customerOfStripe(org: string, stripeCustomerId: string | null | undefined) {
  if (!stripeCustomerId) return undefined;
  return (await StripeCustomerModel.findOne({ org, stripeCustomerId }).lean<StripeCustomer>())?.customerId;
}

/** Starts adding a card: a SetupIntent the browser confirms with Stripe.js. */
export async function startSetup(deps: PaymentDeps, org: string, customerId: string, email: string | undefined) {
  const { settings, stripe } = await connectedStripe(deps, org);
  const customer = await stripeCustomerOf(stripe, org, customerId, email);
  const intent = await stripe.setupIntents.create({
    customer,
    usage: 'off_session',
    automatic_payment_methods: { enabled: true },
    metadata: { org, customer: customerId },
  });
  return { clientSecret: intent.client_secret!, publishableKey: settings.publishableKey };
}

/**
 * After the browser confirmed a SetupIntent: saves its card when Stripe says it succeeded for this customer; else
 * undefined, and the card arrives with Stripe's `setup_intent.succeeded` webhook.
 */
export async function confirmSetup(deps: PaymentDeps, org: string, customerId: string, setupIntentId: string) {
  const { stripe } = await connectedStripe(deps, org);
  const intent = await stripe.setupIntents.retrieve(setupIntentId, { expand: ['payment_method'] });
  if (intent.status !== 'succeeded' || (await customerOfStripe(org, idOfStripe(intent.customer))) !== customerId) return undefined;
  return saveMethod(stripe, org, customerId, intent.payment_method!);
}

const idOfStripe = (ref: string | { id: string } | null | undefined) => (typeof ref === 'string' ? ref : ref?.id);

/** Stripe's `setup_intent.succeeded`: the card the customer added (found by the intent's Stripe Customer). */
export async function setupSucceeded(stripe: Stripe, org: string, intent: Stripe.SetupIntent): Promise<void> {
  const customerId = await customerOfStripe(org, idOfStripe(intent.customer));
  if (customerId && intent.payment_method) await saveMethod(stripe, org, customerId, intent.payment_method);
}

/** Keeps a card's summary (once: saving it again changes nothing); the first card becomes the default. */
async function saveMethod(stripe: Stripe, org: string, customerId: string, ref: string | Stripe.PaymentMethod) {
  const pm = typeof ref === 'string' ? await stripe.paymentMethods.retrieve(ref) : ref;
  const card = pm.card;
  const summary = {
    brand: card?.display_brand ?? card?.brand ?? pm.type,
    last4: card?.last4 ?? '????',
    expMonth: card?.exp_month ?? 0,
    expYear: card?.exp_year ?? 0,
    wallet: card?.wallet?.type ?? null,
  };
  return inTransaction(org, async (tx) => {
    const known = await SavedMethodModel.findOne({ _id: idOf(org, pm.id), org })
      .session(tx.session)
      .lean<SavedMethod>();
    if (known) return methodView(known);
    const first = !(await SavedMethodModel.exists({ org, customerId }).session(tx.session));
    const doc: SavedMethod = { _id: idOf(org, pm.id), org, customerId, paymentMethodId: pm.id, ...summary, isDefault: first, createdAt: new Date() };
    await SavedMethodModel.create([doc], { session: tx.session });
    tx.emit({ type: 'payment_method.added', subject: pm.id, customer: customerId, data: { paymentMethod: methodView(doc) } });
    return methodView(doc);
  });
}

export async function setDefault(org: string, customerId: string, pm: string) {
  await findMethod(org, customerId, pm);
  await inTransaction(org, async (tx) => {
    await SavedMethodModel.updateMany({ org, customerId, isDefault: true }, { $set: { isDefault: false } }, { session: tx.session });
    await SavedMethodModel.updateOne({ _id: idOf(org, pm), org, customerId }, { $set: { isDefault: true } }, { session: tx.session });
    tx.emit({ type: 'payment_method.default', subject: pm, customer: customerId, data: {} });
  });
  return listMethods(org, customerId);
}

/** Detaches the card at Stripe, then forgets it; the oldest remaining card becomes the default if this one was. */
export async function removeMethod(deps: PaymentDeps, org: string, customerId: string, pm: string): Promise<void> {
  await findMethod(org, customerId, pm);
  const { stripe } = await connectedStripe(deps, org);
  await stripe.paymentMethods.detach(pm).catch((err: { code?: string }) => {
    if (err?.code !== 'resource_missing') throw err; // already detached at Stripe: forget it here too
  });
  await forget(org, pm);
}

/** Stripe's `payment_method.detached`, or our own removal. */
export async function forget(org: string, pm: string): Promise<void> {
  await inTransaction(org, async (tx) => {
    const gone = await SavedMethodModel.findOneAndDelete({ _id: idOf(org, pm), org }, { session: tx.session }).lean<SavedMethod>();
    if (!gone) return;
    if (gone.isDefault) {
      const next = await SavedMethodModel.findOne({ org, customerId: gone.customerId })
        .sort({ createdAt: 1 })
        .session(tx.session)
        .lean<SavedMethod>();
      if (next) await SavedMethodModel.updateOne({ _id: next._id, org }, { $set: { isDefault: true } }, { session: tx.session });
    }
    tx.emit({ type: 'payment_method.removed', subject: pm, customer: gone.customerId, data: {} });
  });
}
