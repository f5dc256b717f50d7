import { z } from 'zod';
import { randomId } from '../../lib/crypto.ts';
import { isDuplicateKey } from '../../lib/db.ts';
import { Conflict, NotFound } from '../../lib/errors.ts';
import { CustomerModel } from '../customers/model.ts';
import { newKeyring, rotateKeyring } from '../keys/keyring.ts';
import type { StaffRole } from '../../lib/resources.ts';
import type { Secrets } from '../secrets.ts';
import { OrganisationModel, type Organisation } from './model.ts';

/** Paths the server itself uses at the top level, so no organisation may take them as its slug. */
const RESERVED = new Set(['healthz', 'readyz', 'static', 'assets', 'api', 'admin', 'favicon.ico', 'robots.txt', 'well-known']);

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'use 1-40 lower-case letters, digits and dashes')
  .refine((s) => !RESERVED.has(s), 'this slug is reserved');

export const createOrganisationInput = z.object({
  slug: slugSchema,
  name: z.string().trim().min(1).max(120),
  selfSignUp: z.boolean().default(true),
  admin: z
    .email()
    .transform((e) => e.toLowerCase())
    .optional(),
});

export async function createOrganisation(secrets: Secrets, input: z.input<typeof createOrganisationInput>): Promise<Organisation> {
  const data = createOrganisationInput.parse(input);
  try {
    const doc = await OrganisationModel.create({
      _id: `org_${randomId(12)}`,
      slug: data.slug,
      name: data.name,
      settings: { selfSignUp: data.selfSignUp },
      staff: data.admin ? [{ email: data.admin, role: 'owner' }] : [],
      keys: await newKeyring(secrets.signingKeys),
    });
    return doc.toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict(`An organisation with slug "${data.slug}" already exists.`);
    throw err;
  }
}

export async function findOrganisation(slug: string): Promise<Organisation | null> {
  return OrganisationModel.findOne({ slug }).lean<Organisation>();
}

export async function requireOrganisation(slug: string): Promise<Organisation> {
  const org = await findOrganisation(slug);
  if (!org) throw new NotFound(`No organisation "${slug}".`);
  return org;
}

export async function listOrganisations(): Promise<Organisation[]> {
  return OrganisationModel.find({}).sort({ createdAt: 1 }).lean<Organisation[]>();
}

/** One rotation per key version: written only over the version it read, so concurrent rotations cannot lose keys. */
export async function rotateKeys(secrets: Secrets, slug: string): Promise<Organisation> {
  const org = await requireOrganisation(slug);
  const keys = await rotateKeyring(org.keys, secrets.signingKeys);
  const { modifiedCount } = await OrganisationModel.updateOne(
    { _id: org._id, keysVersion: org.keysVersion },
    { $set: { keys, keysVersion: org.keysVersion + 1 } },
  );
  if (!modifiedCount) throw new Conflict('The keys changed while rotating; try again.');
  return { ...org, keys, keysVersion: org.keysVersion + 1 };
}

/** The staff role of a customer account (matched by its verified email) and that email, if it has one. */
export async function staffRole(orgId: string, customerId: string): Promise<{ role: StaffRole; email: string } | undefined> {
  const [org, customer] = await Promise.all([
    OrganisationModel.findOne({ _id: orgId }, { staff: 1 }).lean<Pick<Organisation, 'staff'>>(),
    CustomerModel.findOne({ org: orgId, _id: customerId }, { email: 1, emailVerified: 1 }).lean<{ email: string; emailVerified: boolean }>(),
  ]);
  if (!org || !customer?.emailVerified) return undefined;
  const role = org.staff.find((s) => s.email === customer.email)?.role;
  return role && { role, email: customer.email };
}
