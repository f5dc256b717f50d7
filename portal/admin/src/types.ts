import type {
  Booking as CustomerBooking,
  BookingPayment,
  BookingStatus,
  CancelMoney,
  Location,
  Money,
  MoneyDocument,
  ResourceKind,
  ServicePayment,
  Tab,
  TaxRate,
} from '../../shared/types.ts';

export type Role = 'owner' | 'admin' | 'staff';
export const ROLES: Role[] = ['owner', 'admin', 'staff'];
/** True when `role` is at least `need` (owner > admin > staff). */
export const atLeast = (role: Role, need: Role): boolean => ROLES.indexOf(role) <= ROLES.indexOf(need);

export type Me = { sub: string; email: string; role: Role };

export type Scope = { scope: string; description: string };

export type ClientKind = 'web' | 'public' | 'machine';
export type Client = {
  clientId: string;
  kind: ClientKind;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri?: string;
  webOrigins: string[];
  scopes: string[];
  firstParty: boolean;
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
  adminRole?: Role;
  createdAt: string;
  updatedAt: string;
};
export type Grant = { accountId: string; email: string; scopes: string[]; grantedAt: string };

export type SectionKey = 'home' | 'book' | 'upcoming' | 'history' | 'tabs' | 'invoices' | 'payment-methods' | 'profile' | 'membership' | 'company';
export type SectionState = 'enabled' | 'disabled' | 'hidden_when_empty';
export type Section = { key: SectionKey; label: string; state: SectionState; available: boolean };
export type Branding = {
  logoUrl?: string;
  faviconUrl?: string;
  primaryColor: string;
  accentColor: string;
  fontFamily: string;
  theme: 'light' | 'dark';
};
export type PortalView = {
  slug: string;
  name: string;
  primary: boolean;
  branding: Branding;
  sections: Section[];
  updatedAt?: string;
  warnings?: string[];
};

export type PolicyKind = 'terms' | 'privacy' | 'refund';
export const POLICY_KINDS: PolicyKind[] = ['terms', 'privacy', 'refund'];
export type Company = {
  name: string;
  /** Printed on invoices, with the tax number. */
  legalName?: string;
  taxNumber?: string;
  address?: string;
  email?: string;
  phone?: string;
  website?: string;
  openingHours?: string;
  policies: { kind: PolicyKind; title: string; updatedAt: string }[];
};
export type Policy = { kind: PolicyKind; title: string; markdown: string; html: string; updatedAt: string };

export type StaffMember = { email: string; role: Role; invitedBy?: string; invitedAt?: string };

export type AuditEntry = {
  id: string;
  at: string;
  actor: { sub: string; email?: string; clientId: string; role?: Role };
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
};
export type AuditPage = { items: AuditEntry[]; next?: string };

export type List<T> = { items: T[] };

export type { BookingPayment, BookingStatus, Location, Money, ResourceKind, ServicePayment };

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const RESOURCE_KINDS: ResourceKind[] = ['staff', 'room', 'equipment'];
export type Hours = { start: string; end: string };
export type DateException = { from: string; to: string; hours: Hours[]; note?: string };
export type BookableResource = {
  id: string;
  name: string;
  kind: ResourceKind;
  locationId: string;
  email?: string;
  weeklyHours: (Hours & { day: Weekday })[];
  exceptions: DateException[];
};

export type Service = {
  id: string;
  name: string;
  description?: string;
  durationMinutes: number;
  price: Money;
  capacity: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minNoticeMinutes: number;
  maxDaysAhead: number;
  cancellationWindowMinutes: number;
  lateCancellationNote?: string;
  active: boolean;
  location?: Location;
  locationId?: string;
  resources?: { id: string; name: string; kind: ResourceKind }[];
  resourceIds?: string[];
  payment?: ServicePayment;
};

/** A booking as staff see it: the customer's view plus who booked it. */
export type Booking = CustomerBooking & { customer?: { id: string; email?: string }; createdBy?: 'customer' | 'staff' };
export type BookingsPage = { items: Booking[]; next?: string };
/** Staff's cancel answers the booking and, for a paid one, what was refunded. */
export type CancelAnswer = Booking & { money?: CancelMoney };
export type BookingEvent = { type: 'booking.created' | 'booking.cancelled' | 'booking.rescheduled' | 'booking.paid'; booking: Booking };

export type {
  Discount,
  DocumentKind,
  LineTax,
  MoneyDocument,
  PaymentMethod,
  PaymentState,
  SettleAnswer,
  Tab,
  TabLine,
  TabStatus,
  TaxRate,
} from '../../shared/types.ts';
/** The organisation's Stripe connection and money settings, readable by all staff: the keys come back only as hints. */
export type PaymentSettings = {
  connected: boolean;
  mode?: 'test' | 'live';
  /** e.g. "sk_test_…abcd" */
  secretKey?: string;
  publishableKey?: string;
  webhookSecretSet: boolean;
  currency: string;
  taxInclusive: boolean;
  taxRates: TaxRate[];
  invoicePrefix?: string;
  updatedAt?: string;
  /** Where Stripe's dashboard should send events, and which to select. */
  webhook: { url: string; events: string[] };
};
export type DocumentsPage = { items: MoneyDocument[]; next?: string };
export type TabEvent = { type: string; tab: Tab };
export type DocumentEvent = { type: string; document: MoneyDocument };

// Memberships (portal/api/memberships): plans and class packs a business sells, customers' memberships and credits.
export type Interval = 'week' | 'month' | 'year';
export type WhenOut = 'pay' | 'refuse';
export type Entitlement = { id: string; name: string; serviceIds: string[]; unlimited: boolean; credits: number; whenOut: WhenOut };
export type PlanDiscount = { serviceIds: string[]; percent: number };
export type Plan = {
  id: string;
  name: string;
  description?: string;
  price: Money;
  interval: Interval;
  /** Minor units of the price's currency, as are the freeze fee and the other amounts below. */
  joiningFee: number;
  trialDays: number;
  minimumTermPeriods: number;
  noticeDays: number;
  perks: string[];
  entitlements: Entitlement[];
  discounts: PlanDiscount[];
  rollover: { maxCredits: number; periods: number } | null;
  freeze: { allowed: boolean; maxDaysPerYear: number; fee: number };
  active: boolean;
};
export type Pack = {
  id: string;
  name: string;
  description?: string;
  price: Money;
  credits: number;
  serviceIds: string[];
  expiresInDays: number;
  active: boolean;
};
export type MembershipStatus = 'pending' | 'trialing' | 'active' | 'past_due' | 'frozen' | 'cancelling' | 'ended';
export type Charge = { date: string; amount: number };
/** A membership as staff see it: the customer's view plus who the customer is. */
export type StaffMembership = {
  id: string;
  status: MembershipStatus;
  /** What the status means for the customer, in plain words. */
  statusText: string;
  customer: { id: string; email?: string };
  plan: Pick<
    Plan,
    'id' | 'name' | 'description' | 'price' | 'interval' | 'perks' | 'entitlements' | 'discounts' | 'freeze' | 'noticeDays' | 'minimumTermPeriods'
  >;
  period: number;
  periodStart: string;
  periodEnd: string;
  renewal: { date: string; amount: number; currency: string } | null;
  trialEnd?: string;
  minimumTermEnd: string;
  cancelAt?: string;
  freezes: { from: string; until: string; fee: number }[];
  can: { freeze: boolean; cancel: boolean; change: boolean };
  createdAt: string;
};
export type MembershipsPage = { items: StaffMembership[]; next?: string };
export type MembershipEvent = { type: string; membership: StaffMembership };
export type EnrolAnswer = {
  membership: StaffMembership;
  payment: { state: 'succeeded' | 'requires_action' | 'failed'; clientSecret?: string; publishableKey?: string; failure?: string };
};
export type Credit = {
  id: string;
  name: string;
  source: { kind: 'membership' | 'pack'; id: string; name: string };
  serviceIds: string[];
  unlimited: boolean;
  granted: number;
  remaining: number;
  startsAt: string;
  expiresAt: string;
};
export type CreditEntryKind = 'grant' | 'use' | 'return' | 'expire' | 'carry_out' | 'carry_in' | 'forfeit';
export type CreditEntry = {
  id: string;
  at: string;
  kind: CreditEntryKind;
  delta: number;
  credit: { id: string; name: string };
  bookingId?: string;
  note?: string;
};
export type CreditHistory = { items: CreditEntry[]; next?: string };
export type Forfeit = { name: string; remaining: number };
export type FreezePreview = {
  from: string;
  until: string;
  days: number;
  daysLeftThisYear: number;
  fee: number;
  currency: string;
  chargesSkipped: Charge[];
  nextCharge: Charge | null;
  /** What happens to the credits, in plain words. */
  credits: string;
};
export type CancelPreview = {
  /** An ISO time, or 'now' for an override. */
  effective: string;
  effectiveDate: string;
  /** The notice and minimum term, in words. */
  reason: string;
  remainingCharges: Charge[];
  lastCharge: Charge | null;
  creditsForfeited: Forfeit[];
  fee: number;
  currency: string;
};
export type ChangePreview = {
  /** Unix seconds: sent back with the confirmation so the proration is the one shown. */
  at: number;
  from: { planId: string; name: string; price: Money };
  to: { planId: string; name: string; price: Money };
  proration: { amount: number; currency: string; description: string };
  nextCharge: Charge;
  creditsForfeited: Forfeit[];
  creditsGranted: { name: string; credits: number; unlimited: boolean }[];
};
