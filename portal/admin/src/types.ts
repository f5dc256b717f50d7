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

// Memberships (portal/api/memberships): the shapes both browser apps read live in portal/shared/memberships.ts; staff
// see a membership with its customer.
import type { CancelPreview, CreditEntry, Entitlement, JoinAnswer, Membership } from '../../shared/memberships.ts';
export type {
  CancelPreview,
  ChangePreview,
  Charge,
  Credit,
  CreditEntry,
  CreditEntryKind,
  Entitlement,
  FreezePreview,
  Interval,
  MembershipStatus,
  Pack,
  Plan,
  PlanDiscount,
} from '../../shared/memberships.ts';
export type WhenOut = Entitlement['whenOut'];
export type StaffMembership = Membership & { customer: { id: string; email?: string } };
export type MembershipsPage = { items: StaffMembership[]; next?: string };
export type MembershipEvent = { type: string; membership: StaffMembership };
export type EnrolAnswer = { membership: StaffMembership; payment: JoinAnswer['payment'] };
export type CreditHistory = { items: CreditEntry[]; next?: string };
export type Forfeit = CancelPreview['creditsForfeited'][number];
