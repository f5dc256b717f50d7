// Invoices, credit notes and receipts ("documents"), and the payments they record. A document is written once, in
// the transaction that numbers it, and never changed or deleted: the model refuses every update and delete, so a
// correction is always a new document (a credit note), as accounting rules require.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { LineAmounts, TaxRateSnapshot } from '../money/amounts.ts';

export const DOCUMENT_KINDS = ['invoice', 'credit_note', 'receipt'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export type DocLine = { description: string; quantity: number; unitAmount: number; taxRate: TaxRateSnapshot | null } & LineAmounts;
export type CardSummary = { brand: string; last4: string };
export type PaidWith = { method: 'card' | 'cash'; card?: CardSummary; paidAt: Date };

export type MoneyDoc = {
  _id: string;
  org: string;
  kind: DocumentKind;
  number: string;
  year: number;
  customerId: string;
  customerEmail?: string;
  customerName?: string;
  currency: string;
  taxInclusive: boolean;
  timeZone: string;
  lines: DocLine[];
  taxBreakdown: { name: string; percent: number; net: number; tax: number }[];
  subtotal: number;
  discount: number;
  tax: number;
  tip: number;
  total: number;
  payment?: PaidWith;
  relatesTo?: { id: string; number: string };
  reason?: string;
  source?: { kind: 'tab'; id: string };
  paymentId?: string;
  issuedAt: Date;
};

const line = {
  _id: false,
  description: String,
  quantity: Number,
  unitAmount: Number,
  taxRate: { type: { _id: false, name: String, percent: Number }, default: null },
  net: Number,
  tax: Number,
  gross: Number,
};
const docSchema = orgScopedSchema<MoneyDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    number: { type: String, required: true },
    year: Number,
    customerId: String,
    customerEmail: String,
    customerName: String,
    currency: String,
    taxInclusive: Boolean,
    timeZone: String,
    lines: [line],
    taxBreakdown: [{ _id: false, name: String, percent: Number, net: Number, tax: Number }],
    subtotal: Number,
    discount: Number,
    tax: Number,
    tip: Number,
    total: Number,
    payment: {
      type: { _id: false, method: String, card: { type: { _id: false, brand: String, last4: String }, default: undefined }, paidAt: Date },
      default: undefined,
    },
    relatesTo: { type: { _id: false, id: String, number: String }, default: undefined },
    reason: String,
    source: { type: { _id: false, kind: String, id: String }, default: undefined },
    paymentId: String,
    issuedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
docSchema.index({ org: 1, _id: 1 }); // by id within the organisation (see tabs/model.ts)
docSchema.index({ org: 1, number: 1 }, { unique: true }); // a number is never given twice, whatever the code above does
docSchema.index({ org: 1, issuedAt: -1 });
docSchema.index({ org: 1, customerId: 1, issuedAt: -1 });
docSchema.pre(/^(update|findOneAndUpdate|findOneAndReplace|replace|delete|findOneAndDelete)/, () => {
  throw new Error('issued documents are immutable: issue a credit note instead');
});
export const DocumentModel = mongoose.model<MoneyDoc>('MoneyDocument', docSchema, 'documents');

/** A payment taken (card or cash): what it was, and how much of it can still be refunded. */
export type Payment = {
  _id: string;
  org: string;
  customerId: string;
  currency: string;
  amount: number;
  refundable: number;
  refunds: number;
  method: 'card' | 'cash';
  intentId?: string;
  card?: CardSummary;
  invoiceId: string;
  paidAt: Date;
};
const paymentSchema = orgScopedSchema<Payment>(
  {
    _id: { type: String, required: true },
    customerId: String,
    currency: String,
    amount: Number,
    refundable: Number,
    refunds: Number,
    method: String,
    intentId: String,
    card: { type: { _id: false, brand: String, last4: String }, default: undefined },
    invoiceId: String,
    paidAt: Date,
  },
  { versionKey: false },
);
paymentSchema.index({ org: 1, _id: 1 });
paymentSchema.index({ org: 1, invoiceId: 1 });
paymentSchema.index({ org: 1, intentId: 1 }); // Stripe's charge events name the PaymentIntent
export const PaymentModel = mongoose.model<Payment>('Payment', paymentSchema, 'payments');
