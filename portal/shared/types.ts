// Shapes of the booking API both browser apps read (Client API and Admin API answer the same booking, staff's with
// the customer added), declared once.

/** Integer minor units (pence for GBP). */
export type Money = { amount: number; currency: string };

export type Location = { id: string; name: string; timeZone: string; address?: string };

export type ResourceKind = 'staff' | 'room' | 'equipment';

export type BookingStatus = 'confirmed' | 'cancelled';

export type Booking = {
  id: string;
  status: BookingStatus;
  start: string;
  end: string;
  local: { date: string; time: string };
  timeZone: string;
  service: { id: string; name: string; durationMinutes: number; price: Money };
  resource: { id: string; name: string };
  location: Location;
  canCancel: boolean;
  cancelDeadline: string | null;
  lateCancellationNote?: string;
  createdAt: string;
  cancelledAt?: string;
  /** What the booking takes, when its service asks for a card on file or payment when booking. */
  payment?: BookingPayment;
  /** The membership's or class pack's credit it was booked on (then it has no payment). */
  credit?: { id: string; name: string; unlimited: boolean };
};

/**
 * A booking's payment: a card on file (`status: 'none'`), or payment when booking through a tab of its own, `due`
 * until `dueBy` (then `lapsed`), `paid` on an invoice, or `refunded` (in part: `refunded` says how much).
 */
export type BookingPayment = {
  mode: 'card_on_file' | 'prepay';
  status: 'due' | 'paid' | 'lapsed' | 'refunded' | 'none';
  /** The price or the deposit, in minor units of `currency`. */
  amount: number;
  currency: string;
  tabId?: string;
  dueBy?: string;
  invoiceId?: string;
  refunded?: number;
};

/** What cancelling a paid booking did about the money (staff's and the customer's cancel answer). */
export type CancelMoney = { refunded?: number; creditNote?: string; refundFailed?: string };

/** The cancel answer: the booking and, for a paid one, what was refunded. */
export type CancelAnswer = Booking & { money?: CancelMoney };

/**
 * What a booking of a service takes: nothing, a saved card, or payment when booking (the price, or a deposit of a
 * percent or an amount in minor units), with the tax rate of what is paid and the share refunded after the deadline.
 */
export type ServicePayment = {
  mode: 'none' | 'card_on_file' | 'prepay';
  deposit?: { kind: 'percent' | 'amount'; value: number } | null;
  taxRateId?: string | null;
  lateRefundPercent?: number;
  /** Charged, with the credit given back, when a booking on a membership credit is cancelled late; none: forfeited. */
  lateCancelFee?: number | null;
};

// Money (issue 13): the shapes of tabs, payment methods and documents both browser apps read. Amounts are integers
// in minor units of `currency` (portal/shared/money.ts converts and formats them).

export type TaxRate = { id: string; name: string; percent: number };
export type LineTax = { name: string; percent: number };

export type TabLine = {
  id: string;
  description: string;
  quantity: number;
  unitAmount: number;
  taxRate: LineTax | null;
  /** After the line's share of the discount. */
  net: number;
  tax: number;
  gross: number;
  addedAt: string;
};

/** Percent 0–100, or an amount in minor units. */
export type Discount = { kind: 'percent'; value: number } | { kind: 'amount'; value: number };

export type PaymentState = 'pending' | 'requires_action' | 'succeeded' | 'failed';

export type TabPayment = {
  state: PaymentState;
  method: 'card' | 'cash';
  amount: number;
  tip: number;
  card?: { brand: string; last4: string };
  failure?: string;
  at: string;
};

export type TabStatus = 'open' | 'paid' | 'void';

export type Tab = {
  id: string;
  status: TabStatus;
  currency: string;
  taxInclusive: boolean;
  lines: TabLine[];
  discount: Discount | null;
  /** `subtotal`: the sum of quantity × unit amount, before the discount. */
  totals: { subtotal: number; discount: number; tax: number; total: number };
  payment: TabPayment | null;
  invoiceId?: string;
  openedAt: string;
  paidAt?: string;
  voidedAt?: string;
  voidReason?: string;
  note?: string;
  /** What the tab was opened for, e.g. the price or deposit of a booking that takes payment. */
  purpose?: { kind: 'booking' | 'pack'; id: string };
  /** Staff's view only. */
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

export type DocLine = { description: string; quantity: number; unitAmount: number; taxRate: LineTax | null; net: number; tax: number; gross: number };

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
  /** A credit note's amounts are positive: what is being credited. */
  subtotal: number;
  discount: number;
  tax: number;
  tip: number;
  total: number;
  payment?: { method: 'card' | 'cash'; brand?: string; last4?: string; paidAt: string };
  /** A credit note's or receipt's invoice. */
  relatesTo?: { id: string; number: string };
  /** A credit note's. */
  reason?: string;
  source?: { kind: 'tab'; id: string };
  /** Invoices in staff's view: what can still be refunded. */
  refundable?: number;
};
