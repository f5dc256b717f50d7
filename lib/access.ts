// Who may call what: the Client API takes any valid token of the organisation's issuer for its audience; the
// Admin API also needs the admin scope and a staff role, and writes need admin or owner. Shared by idp/ and portal/,
// which both serve parts of these two APIs.
import type { Middleware } from 'koa';
import { bearerAuth, InsufficientScope, requireScope, type BearerState, type Principal } from './bearer.ts';
import { currentStaffRole } from './tenants.ts';
import { adminResource, apiResource, STAFF_ROLES, type StaffRole } from './resources.ts';

export const clientAuth = (internalUrl: string): Middleware => bearerAuth(internalUrl, (t) => apiResource(t.issuer));

export const adminAuth = (internalUrl: string): Middleware[] => [
  bearerAuth(internalUrl, (t) => adminResource(t.issuer)),
  requireScope('admin'),
  async (ctx, next) => {
    const { principal, tenant } = ctx.state as BearerState;
    // A person's role is read again from the staff list, not trusted from the token: removing someone or changing
    // their role takes effect at once, not when their token expires. A machine client's role comes from its
    // registration, through its token.
    const role = principal.customer ? principal.email && (await currentStaffRole(tenant, principal.email)) : principal.role;
    if (!role) throw new InsufficientScope('This account has no staff role in this organisation.');
    principal.role = role;
    await next();
  },
];

/** Throws unless the caller holds at least `role` (owner > admin > staff). */
export function assertRole(principal: Principal, role: StaffRole): void {
  const held = principal.role!;
  if (STAFF_ROLES.indexOf(held) > STAFF_ROLES.indexOf(role)) throw new InsufficientScope(`This needs the ${role} role; you are ${held}.`);
}

export function requireRole(role: StaffRole): Middleware {
  return async (ctx, next) => {
    assertRole((ctx.state as BearerState).principal, role);
    await next();
  };
}
