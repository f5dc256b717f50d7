// Memberships' documents: plans and class packs (what a business sells), a customer's membership (a copy of its plan
// as joined, so editing the plan never rewrites a member's terms), credit buckets (the credits of one grant: a
// period's entitlement, a carry-over, a pack) and the ledger of every change to a bucket. A bucket's `remaining` is
// the sum of its ledger entries, kept in the same transaction; the ledger explains every number.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { Money } from '../catalogue/model.ts';

export const INTERVALS = ['week', 'month', 'year'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Credits for a set of services each period; `unlimited` is a real flag. Out of credits: pay the price, or refused. */
export type Entitlement = { id: string; name: string; serviceIds: string[]; unlimited: boolean; credits: number; whenOut: 'pay' | 'refuse' };
export type PlanDiscount = { serviceIds: string[]; percent: number };
/** Unused credits of a period carried into the next: at most `maxCredits`, usable for `periods` more periods. */
export type Rollover = { maxCredits: number; periods: number };
export type FreezeRules = { allowed: boolean; maxDaysPerYear: number; fee: number };

export type PlanTerms = {
  name: string;
  description?: string;
  price: Money;
  interval: Interval;
  joiningFee: number;
  trialDays: number;
  /** Periods a member pays at least (cancelling earlier ends at the end of the last of them). */
  minimumTermPeriods: number;
  noticeDays: number;
  perks: string[];
  entitlements: Entitlement[];
  discounts: PlanDiscount[];
  rollover: Rollover | null;
  freeze: FreezeRules;
};
export type Plan = PlanTerms & { _id: string; org: string; active: boolean; createdAt: Date; updatedAt: Date };

export type Pack = {
  _id: string;
  org: string;
  name: string;
  description?: string;
  price: Money;
  credits: number;
  serviceIds: string[];
  expiresInDays: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export const MEMBERSHIP_STATUSES = ['pending', 'trialing', 'active', 'past_due', 'frozen', 'cancelling', 'ended'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];
export type Freeze = { from: Date; until: Date; fee: number; reason?: string };

export type Membership = {
  _id: string;
  org: string;
  customerId: string;
  customerEmail?: string;
  planId: string;
  plan: PlanTerms;
  status: MembershipStatus;
  /** Period n (1, 2, …) runs from the anchor plus n-1 intervals to the anchor plus n, in the organisation's time zone. */
  anchor: Date;
  timeZone: string;
  period: number;
  periodStart: Date;
  periodEnd: Date;
  trialEnd?: Date;
  minimumTermEnd: Date;
  cancelAt?: Date;
  freezes: Freeze[];
  stripe?: { customer: string; subscription: string; clientSecret?: string };
  /** The newest Stripe subscription state applied (its event's time), so an older one arriving later changes nothing. */
  stripeSeenAt?: number;
  endedAt?: Date;
  /** The customer's id while the membership runs (unique: one running membership each), something unique after. */
  liveKey: string;
  /** When something scheduled is next due: a freeze beginning or ending, a cancellation taking effect. */
  nextChangeAt?: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

export type CreditSource = { kind: 'membership' | 'pack'; id: string; name: string };
export type CreditBucket = {
  _id: string;
  org: string;
  customerId: string;
  source: CreditSource;
  entitlement: string;
  name: string;
  serviceIds: string[];
  unlimited: boolean;
  whenOut: 'pay' | 'refuse';
  granted: number;
  remaining: number;
  startsAt: Date;
  expiresAt: Date;
  /** Expired or closed: its remainder was written off (or carried) in the ledger. */
  closed: boolean;
  createdAt: Date;
};

export const ENTRY_KINDS = ['grant', 'use', 'return', 'expire', 'carry_out', 'carry_in', 'forfeit'] as const;
export type CreditEntry = {
  _id: string;
  org: string;
  customerId: string;
  bucket: string;
  kind: (typeof ENTRY_KINDS)[number];
  delta: number;
  bookingId?: string;
  note?: string;
  at: Date;
};

/** A purchase of a pack: paid through a tab of its own, its credits granted in the tab's payment transaction. */
export type PackPurchase = {
  _id: string;
  org: string;
  customerId: string;
  packId: string;
  tabId: string;
  status: 'due' | 'paid' | 'void';
  /** The organisation's, when bought: the pack's credits last to midnight there. */
  timeZone: string;
  createdAt: Date;
};

/** A Stripe invoice of a membership taken once: our invoice for it, and the period it paid. */
export type MembershipCharge = { _id: string; org: string; membership: string; stripeInvoice: string; invoiceId?: string; period: number; at: Date };

const options = { versionKey: false } as const;
const money = { _id: false, amount: Number, currency: String };
const terms = {
  name: String,
  description: String,
  price: money,
  interval: String,
  joiningFee: Number,
  trialDays: Number,
  minimumTermPeriods: Number,
  noticeDays: Number,
  perks: [String],
  entitlements: [{ _id: false, id: String, name: String, serviceIds: [String], unlimited: Boolean, credits: Number, whenOut: String }],
  discounts: [{ _id: false, serviceIds: [String], percent: Number }],
  rollover: { type: { _id: false, maxCredits: Number, periods: Number }, default: null },
  freeze: { _id: false, allowed: Boolean, maxDaysPerYear: Number, fee: Number },
};

const planSchema = orgScopedSchema<Plan>({ _id: String, ...terms, active: Boolean, createdAt: Date, updatedAt: Date }, options);
planSchema.index({ org: 1, createdAt: 1 });
planSchema.index({ org: 1, _id: 1 });
export const PlanModel = mongoose.model<Plan>('Plan', planSchema, 'plans');

const packSchema = orgScopedSchema<Pack>(
  {
    _id: String,
    name: String,
    description: String,
    price: money,
    credits: Number,
    serviceIds: [String],
    expiresInDays: Number,
    active: Boolean,
    createdAt: Date,
    updatedAt: Date,
  },
  options,
);
packSchema.index({ org: 1, createdAt: 1 });
packSchema.index({ org: 1, _id: 1 });
export const PackModel = mongoose.model<Pack>('Pack', packSchema, 'packs');

const membershipSchema = orgScopedSchema<Membership>(
  {
    _id: String,
    customerId: String,
    customerEmail: String,
    planId: String,
    plan: { _id: false, ...terms },
    status: String,
    anchor: Date,
    timeZone: String,
    period: Number,
    periodStart: Date,
    periodEnd: Date,
    trialEnd: Date,
    minimumTermEnd: Date,
    cancelAt: Date,
    freezes: [{ _id: false, from: Date, until: Date, fee: Number, reason: String }],
    stripe: { type: { _id: false, customer: String, subscription: String, clientSecret: String }, default: undefined },
    stripeSeenAt: Number,
    endedAt: Date,
    liveKey: String,
    nextChangeAt: Date,
    version: Number,
    createdAt: Date,
    updatedAt: Date,
  },
  options,
);
membershipSchema.index({ org: 1, customerId: 1, createdAt: 1 });
membershipSchema.index({ org: 1, status: 1, createdAt: 1 });
membershipSchema.index({ org: 1, _id: 1 });
membershipSchema.index({ org: 1, liveKey: 1 }, { unique: true });
membershipSchema.index({ org: 1, nextChangeAt: 1 });
export const MembershipModel = mongoose.model<Membership>('Membership', membershipSchema, 'memberships');

const bucketSchema = orgScopedSchema<CreditBucket>(
  {
    _id: String,
    customerId: String,
    source: { _id: false, kind: String, id: String, name: String },
    entitlement: String,
    name: String,
    serviceIds: [String],
    unlimited: Boolean,
    whenOut: String,
    granted: Number,
    remaining: Number,
    startsAt: Date,
    expiresAt: Date,
    closed: Boolean,
    createdAt: Date,
  },
  options,
);
// A customer's usable credits for a service (at booking), and the buckets of one membership or pack.
bucketSchema.index({ org: 1, customerId: 1, serviceIds: 1, expiresAt: 1 });
bucketSchema.index({ org: 1, 'source.id': 1 });
bucketSchema.index({ org: 1, _id: 1 });
bucketSchema.index({ org: 1, closed: 1, expiresAt: 1 }); // buckets whose time is up, to write off
export const CreditBucketModel = mongoose.model<CreditBucket>('CreditBucket', bucketSchema, 'credit_buckets');

const entrySchema = orgScopedSchema<CreditEntry>(
  { _id: String, customerId: String, bucket: String, kind: String, delta: Number, bookingId: String, note: String, at: Date },
  options,
);
// The history's order (at, then _id) in full: MongoDB then reads one page from the index instead of sorting all of the
// customer's entries (SecantusDB sorts in memory either way: bench/memberships.ts times it).
entrySchema.index({ org: 1, customerId: 1, at: -1, _id: -1 });
entrySchema.index({ org: 1, bucket: 1 });
export const CreditEntryModel = mongoose.model<CreditEntry>('CreditEntry', entrySchema, 'credit_entries');

const purchaseSchema = orgScopedSchema<PackPurchase>(
  { _id: String, customerId: String, packId: String, tabId: String, status: String, timeZone: String, createdAt: Date },
  options,
);
purchaseSchema.index({ org: 1, customerId: 1, createdAt: -1 });
export const PackPurchaseModel = mongoose.model<PackPurchase>('PackPurchase', purchaseSchema, 'pack_purchases');

const chargeSchema = orgScopedSchema<MembershipCharge>(
  { _id: String, membership: String, stripeInvoice: String, invoiceId: String, period: Number, at: Date },
  options,
);
chargeSchema.index({ org: 1, membership: 1, period: 1 });
export const MembershipChargeModel = mongoose.model<MembershipCharge>('MembershipCharge', chargeSchema, 'membership_charges');
