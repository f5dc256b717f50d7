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
 * Records a verified sign-in: the account of `email` is marked verified and signed in now, and created when there
 * is none and `create` allows it (the unique (org, email) index makes two simultaneous first sign-ins end in one
 * account). Answers the account's id and whether this sign-in created it; a first sign-in is one write.
 */
export async function recordSignIn(org: string, email: string, create: boolean): Promise<{ id: string; created: boolean } | null> {
  const filter = { org, email: normaliseEmail(email) };
  const now = new Date();
  const $set = { emailVerified: true, lastSignInAt: now };
  const id = `c_${randomId(16)}`;
  try {
    const written = await CustomerModel.updateOne(
      filter,
      { $set, ...(create ? { $setOnInsert: { _id: id, createdAt: now } } : {}) },
      { upsert: create },
    );
    if (written.upsertedCount) return { id, created: true };
    if (!written.matchedCount) return null;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await CustomerModel.updateOne(filter, { $set }); // a simultaneous first sign-in made the account
  }
  const found = await CustomerModel.findOne(filter, { _id: 1 }).lean<{ _id: string }>();
  return found && { id: found._id, created: false };
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
