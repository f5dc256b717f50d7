// Scopes in one place: OpenID Connect scopes map to claims; API scopes are granted for the Client API resource.
export const OIDC_CLAIMS = {
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export const API_SCOPES = ['profile', 'profile:write'] as const;

/** The Client API's resource indicator (RFC 8707), one per organisation: JWT access tokens carry it as audience. */
export function apiResource(issuer: string): string {
  return `${issuer}/api`;
}
