// A tab: what a customer has had (at the bar, the spa, the pro shop), paid once at the end. Lines keep their own copy
// of price and tax rate, so editing the price list or the tax rates later never changes an open tab's amounts.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { Discount, TaxRateSnapshot } from '../money/amounts.ts';
import type { CardSummary } from '../documents/model.ts';

export const TAB_STATUSES = ['open', 'paid', 'void'] as const;
export type TabStatus = (typeof TAB_STATUSES)[number];
export const PAYMENT_STATES = ['pending', 'requires_action', 'succeeded', 'failed'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];
/** A payment attempt that may still take money: the tab's amounts are frozen while one runs. */
export const RUNNING: PaymentState[] = ['pending', 'requires_action'];

export type TabLine = { id: string; description: string; quantity: number; unitAmount: number; taxRate: TaxRateSnapshot | null; addedAt: Date };

/** The tab's current payment attempt. `key` is Stripe's idempotency key, stored before Stripe is called. */
export type TabPayment = {
  attempt: number;
  key: string;
  state: PaymentState;
  method: 'card' | 'cash';
  amount: number;
  tip: number;
  intentId?: string;
  paymentMethodId?: string;
  card?: CardSummary;
  failure?: string;
  at: Date;
};

export type Tab = {
  _id: string;
  org: string;
  customerId: string;
  customerEmail?: string;
  customerName?: string;
  status: TabStatus;
  currency: string;
  taxInclusive: boolean;
  lines: TabLine[];
  discount: Discount | null;
  note?: string;
  /** What the tab pays for, when it is not a visit's tab: a prepaid booking. */
  purpose?: { kind: 'booking' | 'pack'; id: string };
  payment?: TabPayment;
  invoiceId?: string;
  version: number;
  openedAt: Date;
  paidAt?: Date;
  voidedAt?: Date;
  voidReason?: string;
};

const schema = orgScopedSchema<Tab>(
  {
    _id: { type: String, required: true },
    customerId: String,
    customerEmail: String,
    customerName: String,
    status: String,
    currency: String,
    taxInclusive: Boolean,
    lines: [
      {
        _id: false,
        id: String,
        description: String,
        quantity: Number,
        unitAmount: Number,
        taxRate: { type: { _id: false, name: String, percent: Number }, default: null },
        addedAt: Date,
      },
    ],
    discount: { type: { _id: false, kind: String, value: Number }, default: null },
    note: String,
    purpose: { type: { _id: false, kind: String, id: String }, default: undefined },
    payment: {
      type: {
        _id: false,
        attempt: Number,
        key: String,
        state: String,
        method: String,
        amount: Number,
        tip: Number,
        intentId: String,
        paymentMethodId: String,
        card: { type: { _id: false, brand: String, last4: String }, default: undefined },
        failure: String,
        at: Date,
      },
      default: undefined,
    },
    invoiceId: String,
    version: Number,
    openedAt: Date,
    paidAt: Date,
    voidedAt: Date,
    voidReason: String,
  },
  { versionKey: false },
);
// One organisation's tab by id: the shard-friendly key, and what SecantusDB 0.7.0b3 needs to find {_id, org} without
// reading the collection (it does not use the _id index once the filter names org too).
schema.index({ org: 1, _id: 1 });
schema.index({ org: 1, customerId: 1, status: 1, openedAt: -1 });
schema.index({ org: 1, status: 1, openedAt: -1 });
schema.index({ org: 1, 'payment.intentId': 1 }); // Stripe's webhooks name the PaymentIntent
export const TabModel = mongoose.model<Tab>('Tab', schema, 'tabs');
