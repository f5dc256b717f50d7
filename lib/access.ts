// Who may call what: the Client API takes any valid token of the organisation's issuer for its audience; the
// Admin API also needs the admin scope and a staff role, and writes need admin or owner. Shared by idp/ and portal/,
// which both serve parts of these two APIs.
import type { Middleware } from 'koa';
import { bearerAuth, InsufficientScope, requireScope, type BearerState, type TokenStanding } from './bearer.ts';
import { adminResource, apiResource, STAFF_ROLES, type StaffRole } from './resources.ts';

export const clientAuth = (internalUrl: string, standing: TokenStanding): Middleware =>
  bearerAuth(internalUrl, (t) => apiResource(t.issuer), standing);

/**
 * The role someone holds in an organisation now. idp/ owns organisations (their staff) and client registrations (a
 * machine client's role) and answers from its caches, which drop an entry as soon as it changes on any instance.
 */
export type RoleLookup = {
  /** The staff role `email` holds. */
  staff(org: string, email: string): Promise<StaffRole | undefined>;
  /** The role a machine client's registration gives it (none once it is deleted). */
  client(org: string, clientId: string): Promise<StaffRole | undefined>;
};

/** What the portal may ask idp/ (which owns customers) about one: the email a booking shows staff, the name an invoice prints. */
export type CustomerLookup = {
  /** The customer's email address and name, or undefined when the organisation has no such customer. */
  find(org: string, customerId: string): Promise<{ email: string; name?: string } | undefined>;
};

export const adminAuth = (internalUrl: string, roles: RoleLookup, standing: TokenStanding): Middleware[] => [
  bearerAuth(internalUrl, (t) => adminResource(t.issuer), standing),
  requireScope('admin'),
  async (ctx, next) => {
    const { principal, tenant } = ctx.state as BearerState;
    // The role is looked up again on every call, not trusted from the token: removing someone, changing their role,
    // or deleting or downgrading a machine client takes effect at once, not when its token expires.
    const role = principal.customer
      ? principal.email && (await roles.staff(tenant.id, principal.email))
      : await roles.client(tenant.id, principal.clientId);
    if (!role) throw new InsufficientScope('This account has no staff role in this organisation.');
    principal.role = role;
    await next();
  },
];

/** Throws unless `held` is at least `needed` (owner > admin > staff). Services call it with the caller's role. */
export function assertRole(held: StaffRole, needed: StaffRole): void {
  if (STAFF_ROLES.indexOf(held) > STAFF_ROLES.indexOf(needed)) throw new InsufficientScope(`This needs the ${needed} role; you are ${held}.`);
}

export function requireRole(role: StaffRole): Middleware {
  return async (ctx, next) => {
    assertRole((ctx.state as BearerState).principal.role!, role);
    await next();
  };
}
