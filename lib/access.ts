// Who may call what: the Client API takes any valid token of the organisation's issuer for its audience; the
// Admin API also needs the admin scope and a staff role, and writes need admin or owner. Shared by idp/ and portal/,
// which both serve parts of these two APIs.
import type { Middleware } from 'koa';
import { bearerAuth, InsufficientScope, requireScope, type BearerState } from './bearer.ts';
import mongoose from 'mongoose';
import { adminResource, apiResource, STAFF_ROLES, type StaffRole } from './resources.ts';

export const clientAuth = (internalUrl: string): Middleware => bearerAuth(internalUrl, (t) => apiResource(t.issuer));

export const adminAuth = (internalUrl: string): Middleware[] => [
  bearerAuth(internalUrl, (t) => adminResource(t.issuer)),
  requireScope('admin'),
  async (ctx, next) => {
    const { principal, tenant } = ctx.state as BearerState;
    // The role is read again on every call, not trusted from the token: removing someone, changing their role, or
    // deleting or downgrading a machine client takes effect at once, not when its token expires.
    const role = principal.customer ? principal.email && (await currentStaffRole(tenant.id, principal.email)) : await currentClientRole(tenant.id, principal.clientId);
    if (!role) throw new InsufficientScope('This account has no staff role in this organisation.');
    principal.role = role;
    await next();
  },
];

// idp/ owns organisations and client registrations; these two reads of its collections are all the APIs need of them.
type StaffList = { _id: string; staff?: { email: string; role: StaffRole }[] };
type Registration = { org: string; clientId: string; metadata?: { admin_role?: StaffRole } };

/** The staff role `email` holds now. */
async function currentStaffRole(org: string, email: string): Promise<StaffRole | undefined> {
  const doc = await mongoose.connection.collection<StaffList>('organisations').findOne({ _id: org }, { projection: { staff: 1 } });
  return doc?.staff?.find((s) => s.email === email)?.role;
}

/** The role a machine client's registration gives it now (none once it is deleted). */
async function currentClientRole(org: string, clientId: string): Promise<StaffRole | undefined> {
  const doc = await mongoose.connection.collection<Registration>('clients').findOne({ org, clientId }, { projection: { 'metadata.admin_role': 1 } });
  return doc?.metadata?.admin_role;
}

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
