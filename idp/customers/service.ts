import { randomId } from '../../lib/crypto.ts';
import { isDuplicateKey } from '../../lib/db.ts';
import { CustomerModel, type Customer } from './model.ts';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findCustomer(org: string, sub: string): Promise<Customer | null> {
  return CustomerModel.findOne({ org, _id: sub }).lean<Customer>();
}

export async function findCustomerByEmail(org: string, email: string): Promise<Customer | null> {
  return CustomerModel.findOne({ org, email: normaliseEmail(email) }).lean<Customer>();
}

/** The email addresses of some accounts, by id, in one query. */
export async function emailsOf(org: string, ids: string[]): Promise<Map<string, string>> {
  const docs = ids.length ? await CustomerModel.find({ org, _id: { $in: ids } }, { email: 1 }).lean<{ _id: string; email: string }[]>() : [];
  return new Map(docs.map((d) => [d._id, d.email]));
}

/**
 * Records a verified sign-in. A first sign-in creates the account when `create` is allowed; the unique
 * (org, email) index makes two simultaneous first sign-ins end in one account.
 */
export async function recordSignIn(org: string, email: string, create: boolean): Promise<Customer | null> {
  const filter = { org, email: normaliseEmail(email) };
  const update = { $set: { emailVerified: true, lastSignInAt: new Date() } };
  const existing = await CustomerModel.findOneAndUpdate(filter, update, { returnDocument: 'after' }).lean<Customer>();
  if (existing || !create) return existing;
  try {
    return (await CustomerModel.create({ ...filter, _id: `c_${randomId(16)}`, emailVerified: true, lastSignInAt: new Date() })).toObject();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return CustomerModel.findOneAndUpdate(filter, update, { returnDocument: 'after' }).lean<Customer>();
  }
}

/** The account of `email`, created (not yet verified) when there is none: staff invitations need one to sign in to. */
export async function ensureCustomer(org: string, email: string): Promise<void> {
  const filter = { org, email: normaliseEmail(email) };
  if (await CustomerModel.findOne(filter, { _id: 1 }).lean()) return;
  try {
    await CustomerModel.create({ ...filter, _id: `c_${randomId(16)}`, emailVerified: false });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Standard OIDC claims; oidc-provider releases only those the granted scopes allow. */
export function customerClaims(c: Customer): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: c._id,
    email: c.email,
    email_verified: c.emailVerified,
    name: c.name,
    given_name: c.givenName,
    family_name: c.familyName,
    phone_number: c.phoneNumber,
    phone_number_verified: c.phoneNumber ? Boolean(c.phoneNumberVerified) : undefined,
    locale: c.locale,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}
