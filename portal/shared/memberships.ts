// Memberships (issue 14): the shapes of plans, class packs, memberships, credits and the change previews both browser
// apps read. Amounts are integers in minor units of `currency`; local dates are `YYYY-MM-DD` in the business's zone.
import type { Money } from './types.ts';
import type { PaymentState, Tab } from './types.ts';

export type Interval = 'week' | 'month' | 'year';

export type Entitlement = { id: string; name: string; serviceIds: string[]; unlimited: boolean; credits: number; whenOut: 'pay' | 'refuse' };
export type PlanDiscount = { serviceIds: string[]; percent: number };
export type FreezeRules = { allowed: boolean; maxDaysPerYear: number; fee: number };

export type Plan = {
  id: string;
  name: string;
  description?: string;
  price: Money;
  interval: Interval;
  joiningFee: number;
  trialDays: number;
  minimumTermPeriods: number;
  noticeDays: number;
  perks: string[];
  entitlements: Entitlement[];
  discounts: PlanDiscount[];
  rollover: { maxCredits: number; periods: number } | null;
  freeze: FreezeRules;
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

export type Membership = {
  id: string;
  status: MembershipStatus;
  /** What the status means for the customer, in plain words. */
  statusText: string;
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
  endedAt?: string;
  /** The business's zone: the dates of the instants above are read in it. */
  timeZone: string;
};

export type JoinAnswer = {
  membership: Membership;
  payment: { state: PaymentState; clientSecret?: string; publishableKey?: string; failure?: string };
};

export type Charge = { date: string; amount: number };

export type FreezePreview = {
  from: string;
  until: string;
  days: number;
  daysLeftThisYear: number;
  fee: number;
  currency: string;
  chargesSkipped: Charge[];
  nextCharge: Charge | null;
  credits: string;
};

export type CancelPreview = {
  effective: string;
  effectiveDate: string;
  reason: string;
  remainingCharges: Charge[];
  lastCharge: Charge | null;
  creditsForfeited: { name: string; remaining: number }[];
  fee: number;
  currency: string;
};

export type ChangePreview = {
  at: number;
  from: { planId: string; name: string; price: Money };
  to: { planId: string; name: string; price: Money };
  proration: { amount: number; currency: string; description: string };
  nextCharge: Charge;
  creditsForfeited: { name: string; remaining: number }[];
  creditsGranted: { name: string; credits: number; unlimited: boolean }[];
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

/** What booking a service at a time would use: a credit, or nothing (`whenOut` says whether paying is then allowed). */
export type CreditFor = {
  use: { creditId: string; name: string; remaining: number; granted: number; unlimited: boolean } | null;
  whenOut: 'pay' | 'refuse' | null;
};

export type PackPurchase = { purchase: { id: string; packId: string; status: 'due' | 'paid' }; tab: Tab };
