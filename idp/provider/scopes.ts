// Scopes in one place: OpenID Connect scopes map to claims; API scopes are granted for the Client API resource,
// the admin scope for the Admin API (resource indicators and staff roles are in lib/resources.ts).
export const OIDC_CLAIMS = {
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export const OIDC_SCOPES = ['openid', 'offline_access', ...Object.keys(OIDC_CLAIMS)] as const;

export const API_SCOPES = [
  'profile',
  'profile:write',
  'bookings',
  'bookings:write',
  'payments',
  'payments:write',
  'memberships',
  'memberships:write',
] as const;

/** Client API scopes only first-party apps get: a third-party app must never see or remove the customer's other apps. */
export const FIRST_PARTY_API_SCOPES = ['connected_apps', 'forms'] as const;

/** The Admin API's one scope; what a token may do there is decided by the staff role the identity provider adds. */
export const ADMIN_SCOPES = ['admin'] as const;

/** What a registered app may be allowed to ask for. */
export const CLIENT_SCOPES = [...new Set([...OIDC_SCOPES, ...API_SCOPES])] as string[];

/** Plain words for the consent screen, the admin console and the customer's list of connected apps. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your email address',
  profile: 'See your name and language',
  phone: 'See your phone number',
  offline_access: 'Stay connected while you are away',
  'profile:write': 'Change your profile',
  bookings: 'See your bookings',
  'bookings:write': 'Book, cancel and reschedule for you',
  payments: 'See your tabs, invoices, receipts and saved cards',
  'payments:write': 'Pay your tabs and manage your saved cards',
  memberships: 'See your memberships, class packs and credits',
  'memberships:write': 'Join, freeze, cancel or change your membership and buy class packs',
  connected_apps: 'See and remove the apps connected to your account',
  forms: 'See the forms you sent (your answers and signed waivers)',
  admin: 'Manage the business as staff',
};

export const describeScope = (scope: string) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? scope });
