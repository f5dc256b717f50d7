// Shapes of the money API both browser apps read (tabs, payments, saved cards, invoices, credit notes, receipts), as
// the contract of issue 13 declares them, and the two sums every money form needs. Amounts are integers in minor
// units of the object's `currency`.

/** Decimals of a currency's minor unit, from Intl: GBP 2, JPY 0, BHD 3. */
export const currencyDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** An amount typed in major units ("2.50", "2,50", "300") → minor units; null when it is not one (or has too many decimals). */
export function parseAmount(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const m = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m || (m[2] ?? '').length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
}

export type TaxRateRef = { name: string; percent: number };

export type TabLine = {
  id: string;
  description: string;
  quantity: number;
  unitAmount: number;
  taxRate: TaxRateRef | null;
  /** After the line's share of the discount. */
  net: number;
  tax: number;
  gross: number;
  addedAt: string;
};

export type Discount = { kind: 'percent'; value: number } | { kind: 'amount'; value: number };

export type PaymentState = 'pending' | 'requires_action' | 'succeeded' | 'failed';

export type TabPayment = {
  state: PaymentState;
  method: 'card' | 'cash';
  /** What is charged: the total plus the tip. */
  amount: number;
  tip: number;
  card?: { brand: string; last4: string };
  failure?: string;
  at: string;
};

export type Tab = {
  id: string;
  status: 'open' | 'paid' | 'void';
  currency: string;
  taxInclusive: boolean;
  lines: TabLine[];
  discount: Discount | null;
  /** `subtotal` is the sum of quantity × unit amount, before the discount. */
  totals: { subtotal: number; discount: number; tax: number; total: number };
  payment: TabPayment | null;
  invoiceId?: string;
  openedAt: string;
  paidAt?: string;
  voidedAt?: string;
  note?: string;
  /** A tab opened for something else, e.g. the price or deposit of a booking that takes payment. */
  purpose?: { kind: 'booking'; id: string };
  /** Staff view only. */
  customer?: { id: string; email?: string };
};

export type SettleAnswer = {
  tab: Tab;
  payment: { state: PaymentState; clientSecret?: string; publishableKey?: string; failure?: string };
};

export type PaymentMethod = {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  wallet: string | null;
  isDefault: boolean;
  /** Expires within 60 days. */
  expiresSoon: boolean;
};

export type DocumentKind = 'invoice' | 'credit_note' | 'receipt';

export type DocLine = {
  description: string;
  quantity: number;
  unitAmount: number;
  taxRate: TaxRateRef | null;
  net: number;
  tax: number;
  gross: number;
};

export type MoneyDocument = {
  id: string;
  kind: DocumentKind;
  /** e.g. HDS-2026-000123, CN-2026-000004, R-2026-000123 */
  number: string;
  issuedAt: string;
  timeZone: string;
  currency: string;
  taxInclusive: boolean;
  customer: { id: string; email?: string; name?: string };
  lines: DocLine[];
  taxBreakdown: { name: string; percent: number; net: number; tax: number }[];
  /** A credit note's amounts are the positive amounts being credited. */
  subtotal: number;
  discount: number;
  tax: number;
  tip: number;
  total: number;
  payment?: { method: 'card' | 'cash'; brand?: string; last4?: string; paidAt: string };
  /** A credit note's or receipt's invoice. */
  relatesTo?: { id: string; number: string };
  reason?: string;
  source?: { kind: 'tab'; id: string };
  /** Invoices only, staff view: what can still be refunded. */
  refundable?: number;
};
