// Staff of an organisation: invite, change role, remove. Owners outrank admins, admins outrank staff; only an owner
// may give or take the owner role, and the last owner can be neither removed nor demoted. Every change claims the
// staff list's version first (a unique insert), so two concurrent changes cannot both pass the last-owner check.
import { z } from 'zod';
import { InsufficientScope } from '../../lib/bearer.ts';
import { Conflict, NotFound } from '../../lib/errors.ts';
import { STAFF_ROLES, type StaffRole } from '../../lib/resources.ts';
import { ensureCustomer, normaliseEmail } from '../customers/service.ts';
import { emailAddress } from '../otp/service.ts';
import { OrganisationModel, type Organisation, type StaffMember } from './model.ts';
import { requireOrganisation } from './service.ts';

export const staffEmail = emailAddress.transform(normaliseEmail);
export const inviteInput = z.strictObject({ email: staffEmail, role: z.enum(STAFF_ROLES) });
export const roleInput = z.strictObject({ role: z.enum(STAFF_ROLES) });

/** Who is acting: an owner, an admin, or the operator's CLI (`undefined`: trusted, only the last-owner rule applies). */
export type Actor = { email?: string; role: StaffRole } | undefined;

export const staffView = (m: StaffMember) => ({ email: m.email, role: m.role, invitedBy: m.invitedBy, invitedAt: m.invitedAt });

export async function listStaff(orgId: string): Promise<StaffMember[]> {
  const org = await OrganisationModel.findOne({ _id: orgId }, { staff: 1 }).lean<Pick<Organisation, 'staff'>>();
  return org?.staff ?? [];
}

function mayTouchOwners(actor: Actor, ...roles: (StaffRole | undefined)[]) {
  if (actor && actor.role !== 'owner' && roles.includes('owner'))
    throw new InsufficientScope('Only an owner can give, change or remove the owner role.');
}

async function commit(org: Organisation, staff: StaffMember[]): Promise<void> {
  if (org.staff.some((s) => s.role === 'owner') && !staff.some((s) => s.role === 'owner')) {
    throw new Conflict('An organisation needs at least one owner: make someone else an owner first.');
  }
  const version = org.staffVersion ?? 0;
  const { modifiedCount } = await OrganisationModel.updateOne(
    { _id: org._id, staffVersion: version },
    { $set: { staff, staffVersion: version + 1 } },
  );
  if (!modifiedCount) throw new Conflict('The staff list changed at the same time; reload it and try again.');
}

/** Adds a member; their customer account is created if needed, so they can sign in even where sign-up is closed. */
export async function inviteStaff(slug: string, input: z.infer<typeof inviteInput>, actor: Actor): Promise<StaffMember> {
  const org = await requireOrganisation(slug);
  if (org.staff.some((s) => s.email === input.email)) throw new Conflict(`${input.email} is already staff; change their role instead.`);
  mayTouchOwners(actor, input.role);
  const member: StaffMember = { email: input.email, role: input.role, invitedBy: actor?.email, invitedAt: new Date() };
  await ensureCustomer(org._id, input.email);
  await commit(org, [...org.staff, member]);
  return member;
}

/** Sets a role, adding the member when the operator's CLI grants one to someone new; answers the member before and after. */
export async function setStaffRole(
  slug: string,
  email: string,
  role: StaffRole,
  actor: Actor,
): Promise<{ before?: StaffMember; after: StaffMember }> {
  const org = await requireOrganisation(slug);
  const current = org.staff.find((s) => s.email === email);
  if (!current && actor) throw new NotFound(`${email} is not staff.`);
  mayTouchOwners(actor, current?.role, role);
  if (!current) await ensureCustomer(org._id, email);
  const member: StaffMember = { ...(current ?? { email, invitedAt: new Date() }), role };
  await commit(org, current ? org.staff.map((s) => (s.email === email ? member : s)) : [...org.staff, member]);
  return { before: current, after: member };
}

export async function removeStaff(slug: string, email: string, actor: Actor): Promise<StaffMember> {
  const org = await requireOrganisation(slug);
  const current = org.staff.find((s) => s.email === email);
  if (!current) throw new NotFound(`${email} is not staff.`);
  mayTouchOwners(actor, current.role);
  await commit(
    org,
    org.staff.filter((s) => s.email !== email),
  );
  return current;
}
