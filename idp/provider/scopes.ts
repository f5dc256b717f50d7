// Scopes in one place: OpenID Connect scopes map to claims; API scopes are granted for the Client API resource,
// the admin scope for the Admin API (resource indicators and staff roles are in lib/resources.ts).
export const OIDC_CLAIMS = {
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export const API_SCOPES = ['profile', 'profile:write'] as const;

/** The Admin API's one scope; what a token may do there is decided by the staff role the identity provider adds. */
export const ADMIN_SCOPES = ['admin'] as const;
