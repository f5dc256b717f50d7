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
