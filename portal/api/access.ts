// Who may call what: the Client API takes any valid token of the organisation's issuer for its audience; the
// Admin API also needs the admin scope and a staff role, and writes need admin or owner.
import type { Middleware } from 'koa';
import { bearerAuth, InsufficientScope, requireScope, type BearerState } from '../../lib/bearer.ts';
import { adminResource, apiResource, STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';

export const clientAuth = (internalUrl: string): Middleware => bearerAuth(internalUrl, (t) => apiResource(t.issuer));

export const adminAuth = (internalUrl: string): Middleware[] => [
  bearerAuth(internalUrl, (t) => adminResource(t.issuer)),
  requireScope('admin'),
  async (ctx, next) => {
    if (!(ctx.state as BearerState).principal.role) throw new InsufficientScope('This account has no staff role in this organisation.');
    await next();
  },
];

/** At least `role` (owner > admin > staff). */
export function requireRole(role: StaffRole): Middleware {
  return async (ctx, next) => {
    const held = (ctx.state as BearerState).principal.role!;
    if (STAFF_ROLES.indexOf(held) > STAFF_ROLES.indexOf(role)) throw new InsufficientScope(`This needs the ${role} role; you are ${held}.`);
    await next();
  };
}
