import type { Booking, Location, Money, ResourceKind, ServicePayment } from '../../shared/types.ts';

export type Address = {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
};

export type Preferences = { emailMarketing: boolean; smsMarketing: boolean; bookingReminders: boolean };

export type Profile = {
  sub: string;
  email: string;
  emailVerified: boolean;
  givenName?: string;
  familyName?: string;
  name?: string;
  phoneNumber?: string;
  address?: Address;
  dateOfBirth?: string;
  preferences: Preferences;
  locale?: string;
};

export type PolicyKind = 'terms' | 'privacy' | 'refund';

export type Company = {
  name: string;
  address?: string;
  email?: string;
  phone?: string;
  website?: string;
  openingHours?: string;
  policies: { kind: PolicyKind; title: string; updatedAt: string }[];
};

export type Policy = { kind: PolicyKind; title: string; html: string; updatedAt: string };

export type ConnectedApp = {
  clientId: string;
  name: string;
  logoUri?: string;
  scopes: { scope: string; description: string }[];
  grantedAt: string;
};

export type { Booking, Location, Money, ResourceKind };

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
  location: Location;
  resources: { id: string; name: string; kind: ResourceKind }[];
  payment?: ServicePayment;
};

/** One start time: `resourceCount` staff members or resources can take it, with `seatsLeft` seats between them. */
export type Slot = {
  start: string;
  end: string;
  local: string;
  seatsLeft: number;
  resourceCount: number;
};

export type Availability = {
  serviceId: string;
  timeZone: string;
  from: string;
  to: string;
  days: { date: string; slots: Slot[] }[];
  /** Set when the answer stopped early (it holds at most 3,000 starts): the `from` to ask for the rest. */
  next?: string;
};

export type BookingList = { items: Booking[]; next?: string };
