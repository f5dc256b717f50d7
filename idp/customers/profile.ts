// The customer's own profile, as the Client API shows and edits it. The identity provider owns the customer record
// (its name and phone are also ID token claims), so it serves this part of the Client API itself.
import { z } from 'zod';
import { CustomerModel, type Customer, type Preferences } from './model.ts';
import { NotFound } from '../../lib/errors.ts';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** ISO 3166-1 codes reserved for private use: valid in form, no country. */
const USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const isCalendarDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

export const profileUpdate = z
  .object({
    givenName: optional(text(100)),
    familyName: optional(text(100)),
    phoneNumber: optional(
      z
        .string()
        .transform((s) => s.replace(/[\s().-]/g, ''))
        .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'use the international format, e.g. +44 7700 900123')),
    ),
    address: optional(
      z.strictObject({
        line1: text(200),
        line2: optional(text(200)),
        city: text(100),
        postalCode: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$/, 'letters, digits, spaces and dashes, at most 15'),
        region: optional(text(100)),
        country: z
          .string()
          .trim()
          .toUpperCase()
          .refine(
            (c) => /^[A-Z]{2}$/.test(c) && !USER_ASSIGNED.test(c) && regionNames.of(c) !== c,
            'use a two-letter country code (ISO 3166-1), e.g. GB',
          ),
      }),
    ),
    dateOfBirth: optional(
      z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
        .refine(isCalendarDate, 'is not a calendar date')
        .refine((s) => s >= '1900-01-01' && s <= new Date().toISOString().slice(0, 10), 'must be in the past'),
    ),
    preferences: z.strictObject({ emailMarketing: z.boolean(), smsMarketing: z.boolean(), bookingReminders: z.boolean() }).partial().optional(),
    locale: optional(
      z.string().refine((l) => {
        try {
          return Intl.getCanonicalLocales(l).length === 1;
        } catch {
          return false;
        }
      }, 'is not a language tag, e.g. en-GB'),
    ),
  })
  .strict();

export type ProfileUpdate = z.infer<typeof profileUpdate>;

const DEFAULT_PREFERENCES: Preferences = { emailMarketing: false, smsMarketing: false, bookingReminders: true };

export function profileOf(c: Customer) {
  return {
    sub: c._id,
    email: c.email,
    emailVerified: c.emailVerified,
    givenName: c.givenName,
    familyName: c.familyName,
    name: c.name,
    phoneNumber: c.phoneNumber,
    address: c.address,
    dateOfBirth: c.dateOfBirth,
    preferences: { ...DEFAULT_PREFERENCES, ...c.preferences },
    locale: c.locale,
  };
}

export async function readProfile(org: string, sub: string) {
  const customer = await CustomerModel.findOne({ org, _id: sub }).lean<Customer>();
  if (!customer) throw new NotFound('No such customer.');
  return customer;
}

/** Applies a validated update: `null` clears a field; the display name follows the given and family names. */
export async function updateProfile(org: string, sub: string, update: ProfileUpdate) {
  const current = await readProfile(org, sub);
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  for (const key of ['givenName', 'familyName', 'phoneNumber', 'address', 'dateOfBirth', 'locale'] as const) {
    if (update[key] === null) $unset[key] = '';
    else if (update[key] !== undefined) $set[key] = update[key];
  }
  if (update.preferences) for (const [k, v] of Object.entries(update.preferences)) $set[`preferences.${k}`] = v;
  if ('phoneNumber' in update && update.phoneNumber !== current.phoneNumber) $set.phoneNumberVerified = false;
  if ('givenName' in update || 'familyName' in update) {
    const given = 'givenName' in update ? update.givenName : current.givenName;
    const family = 'familyName' in update ? update.familyName : current.familyName;
    const name = [given, family].filter(Boolean).join(' ');
    if (name) $set.name = name;
    else $unset.name = '';
  }
  if (!Object.keys($set).length && !Object.keys($unset).length) return current;
  const updated = await CustomerModel.findOneAndUpdate(
    { org, _id: sub },
    { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) },
    { returnDocument: 'after' },
  ).lean<Customer>();
  if (!updated) throw new NotFound('No such customer.');
  return updated;
}
