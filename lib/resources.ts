// The APIs' resource indicators (RFC 8707): the issuer puts them in access tokens as the audience and each resource
// server accepts only its own, so a Client API token is useless at the Admin API and the other way round.
export const apiResource = (issuer: string) => `${issuer}/api`;
export const adminResource = (issuer: string) => `${issuer}/admin`;

/** Staff roles, strongest first. Admin API tokens carry one as the `role` claim. */
export const STAFF_ROLES = ['owner', 'admin', 'staff'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
