// An organisation's Stripe connection and money settings. The secret key and the webhook signing secret are sealed
// with a key derived from the master secret and never shown again in full (a hint of the last four characters),
// never logged, never in the audit log. Only owners change them; admins read the rest and test the connection.
import mongoose from 'mongoose';
import { z } from 'zod';
import { deriveKey, seal, unseal } from '../../../lib/crypto.ts';
import { BadRequest, Conflict, HttpError } from '../../../lib/errors.ts';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import { currencyCode } from '../money/amounts.ts';
import type Stripe from 'stripe';
import { stripeClient, stripeProblem, type PaymentDeps, type StripeAccount, type StripeEndpoint } from './stripe.ts';

export type TaxRate = { id: string; name: string; percent: number };
type PaymentSettings = {
  _id: string;
  org: string;
  secretKey?: string; // sealed
  secretKeyHint?: string;
  publishableKey?: string;
  webhookSecret?: string; // sealed
  currency: string;
  taxInclusive: boolean;
  taxRates: TaxRate[];
  /** How many tax rate ids were ever given: a new rate never takes a removed one's id. */
  taxRatesIssued?: number;
  invoicePrefix: string;
  updatedAt: Date;
};
const schema = orgScopedSchema<PaymentSettings>(
  {
    _id: { type: String, required: true },
    secretKey: String,
    secretKeyHint: String,
    publishableKey: String,
    webhookSecret: String,
    currency: { type: String, required: true },
    taxInclusive: { type: Boolean, required: true },
    taxRates: [{ _id: false, id: String, name: String, percent: Number }],
    taxRatesIssued: Number,
    invoicePrefix: String,
    updatedAt: Date,
  },
  { versionKey: false },
);
const PaymentSettingsModel = mongoose.model<PaymentSettings>('PaymentSettings', schema, 'payment_settings');

/** The key the Stripe secrets are sealed with, derived from the master secret. */
export const paymentsSealKey = (masterSecret: string): Buffer => deriveKey(masterSecret, 'stripe-secrets');

const DEFAULTS = { currency: 'GBP', taxInclusive: true, taxRates: [] as TaxRate[], invoicePrefix: 'INV' };
const modeOf = (key: string) => (key.includes('_live_') ? 'live' : 'test');

export const settingsInput = z.strictObject({
  secretKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{8,250}$/, 'use a secret key (sk_…) or a restricted key (rk_…) from Stripe')
    .optional(),
  publishableKey: z
    .string()
    .trim()
    .regex(/^pk_(test|live)_[A-Za-z0-9]{8,250}$/, 'use a publishable key (pk_…) from Stripe')
    .optional(),
  webhookSecret: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9+/=]{8,250}$/, "use the webhook's signing secret (whsec_…)")
    .optional(),
  currency: currencyCode.optional(),
  taxInclusive: z.boolean().optional(),
  taxRates: z
    .array(
      z.strictObject({
        id: z
          .string()
          .regex(/^tax_\d{1,4}$/, 'is not a tax rate id')
          .optional(),
        name: z.string().trim().min(1, 'is required').max(60),
        percent: z.number().min(0).max(100).multipleOf(0.001, 'at most three decimals'),
      }),
    )
    .max(20, 'at most 20 tax rates')
    .optional(),
  invoicePrefix: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{1,8}$/, 'use 1 to 8 capital letters or digits, e.g. HDS')
    .optional(),
});

function view(s: PaymentSettings | null) {
  return {
    connected: Boolean(s?.secretKey),
    mode: s?.secretKeyHint ? modeOf(s.secretKeyHint) : undefined,
    secretKey: s?.secretKeyHint, // e.g. "sk_test_…abcd": the key itself is never shown again
    publishableKey: s?.publishableKey,
    webhookSecretSet: Boolean(s?.webhookSecret),
    currency: s?.currency ?? DEFAULTS.currency,
    taxInclusive: s?.taxInclusive ?? DEFAULTS.taxInclusive,
    taxRates: s?.taxRates ?? DEFAULTS.taxRates,
    invoicePrefix: s?.invoicePrefix ?? DEFAULTS.invoicePrefix,
    updatedAt: s?.updatedAt?.toISOString(),
  };
}

const find = (org: string) => PaymentSettingsModel.findOne({ _id: org, org }).lean<PaymentSettings>();

export const getSettings = async (org: string) => view(await find(org));

/**
 * Tax rates keep their ids: a rate sent with the id it was given stays that id (services and price lists name it),
 * and a new one gets the next unused number, never a removed rate's.
 */
function withIds(
  rates: { id?: string; name: string; percent: number }[],
  current: TaxRate[],
  issued: number,
): { taxRates: TaxRate[]; taxRatesIssued: number } {
  let n = Math.max(issued, ...current.map((r) => Number(r.id.slice(4)))); // settings saved before the count was kept
  const taxRates = rates.map((r) => ({ id: r.id && current.some((c) => c.id === r.id) ? r.id : `tax_${++n}`, name: r.name, percent: r.percent }));
  return { taxRates, taxRatesIssued: n };
}

/** Sets what `input` names; keys not sent are kept (they cannot be read back to send again). */
export async function updateSettings(sealKey: Buffer, org: string, input: z.infer<typeof settingsInput>) {
  const $set: Partial<PaymentSettings> = { updatedAt: new Date() };
  if (input.secretKey)
    Object.assign($set, { secretKey: seal(sealKey, input.secretKey), secretKeyHint: `${input.secretKey.slice(0, 8)}…${input.secretKey.slice(-4)}` });
  if (input.webhookSecret) $set.webhookSecret = seal(sealKey, input.webhookSecret);
  if (input.publishableKey) $set.publishableKey = input.publishableKey;
  if (input.currency) $set.currency = input.currency;
  if (input.taxInclusive !== undefined) $set.taxInclusive = input.taxInclusive;
  if (input.invoicePrefix) $set.invoicePrefix = input.invoicePrefix;
  const before = await find(org);
  if (input.taxRates) Object.assign($set, withIds(input.taxRates, before?.taxRates ?? [], before?.taxRatesIssued ?? 0));
  // The keys sent and those kept together: both test keys or both live keys.
  const stored = { ...(before ?? {}), ...$set };
  if (stored.secretKeyHint && stored.publishableKey && modeOf(stored.secretKeyHint) !== modeOf(stored.publishableKey)) {
    throw new BadRequest('publishableKey: the secret and publishable keys must both be test keys or both live keys', [
      { field: 'publishableKey', message: 'must be the same mode (test or live) as the secret key' },
    ]);
  }
  const $setOnInsert = Object.fromEntries(Object.entries(DEFAULTS).filter(([field]) => !(field in $set)));
  await PaymentSettingsModel.updateOne({ _id: org, org }, { $set, $setOnInsert }, { upsert: true });
  return { before: view(before), after: view(await find(org)) };
}

/** What the money code needs of an organisation's settings; `account` is absent until it connects Stripe. */
export type MoneySettings = Omit<ReturnType<typeof view>, 'secretKey' | 'connected' | 'mode' | 'webhookSecretSet' | 'updatedAt'> & {
  account?: StripeAccount;
};

export async function moneySettings(sealKey: Buffer, org: string): Promise<MoneySettings> {
  const s = await find(org);
  const { secretKey: _hint, connected: _c, mode: _m, webhookSecretSet: _w, updatedAt: _u, ...rest } = view(s);
  return { ...rest, ...(s?.secretKey ? { account: { secretKey: unseal(sealKey, s.secretKey) } } : {}) };
}

/** The organisation's settings and its Stripe client; 409 when it has not connected Stripe. */
export async function connectedStripe(deps: PaymentDeps, org: string): Promise<{ settings: MoneySettings; stripe: Stripe }> {
  const settings = await moneySettings(deps.sealKey, org);
  if (!settings.account) throw new NotConnected();
  return { settings, stripe: stripeClient(settings.account, deps.endpoint) };
}

export class NotConnected extends HttpError {
  constructor() {
    super(409, 'payments_not_connected', 'This business does not take card payments online yet.');
  }
}

/** The organisation's webhook signing secret, if it set one. */
export async function webhookSecret(sealKey: Buffer, org: string): Promise<string | undefined> {
  const s = await find(org);
  return s?.webhookSecret ? unseal(sealKey, s.webhookSecret) : undefined;
}

/** Calls Stripe with the stored key (reading the balance, which every key may) and says in plain words what is wrong. */
export async function testConnection(sealKey: Buffer, org: string, endpoint: StripeEndpoint): Promise<{ ok: true; mode: string }> {
  const s = await find(org);
  if (!s?.secretKey) throw new Conflict('Connect Stripe first: enter the secret key.');
  const secretKey = unseal(sealKey, s.secretKey);
  try {
    const balance = await stripeClient({ secretKey }, endpoint).balance.retrieve();
    return { ok: true, mode: balance.livemode ? 'live' : 'test' };
  } catch (err) {
    const problem = stripeProblem(err);
    if (!problem) throw err;
    throw new StripeRefused(problem);
  }
}

/** Stripe refused or could not be reached: what to do about it, in the business's words. */
export class StripeRefused extends HttpError {
  constructor(message: string) {
    super(422, 'stripe_refused', message);
  }
}
