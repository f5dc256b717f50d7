import mongoose from 'mongoose';
import { orgScopedSchema } from '../../lib/tenancy.ts';

export type Address = { line1: string; line2?: string; city: string; postalCode: string; region?: string; country: string };
export type Preferences = { emailMarketing: boolean; smsMarketing: boolean; bookingReminders: boolean };

export type Customer = {
  /** The OIDC `sub`: opaque, random, and meaningful only inside its organisation. */
  _id: string;
  org: string;
  /** Normalised (trimmed, lower-case) so lookups need no collation. */
  email: string;
  emailVerified: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  phoneNumber?: string;
  phoneNumberVerified?: boolean;
  locale?: string;
  address?: Address;
  /** YYYY-MM-DD: a calendar date, no time zone. */
  dateOfBirth?: string;
  preferences?: Partial<Preferences>;
  createdAt: Date;
  lastSignInAt?: Date;
};

const schema = orgScopedSchema<Customer>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    emailVerified: { type: Boolean, default: false },
    name: String,
    givenName: String,
    familyName: String,
    phoneNumber: String,
    phoneNumberVerified: Boolean,
    locale: String,
    address: {
      type: { _id: false, line1: String, line2: String, city: String, postalCode: String, region: String, country: String },
      default: undefined,
    },
    dateOfBirth: String,
    preferences: { type: { _id: false, emailMarketing: Boolean, smsMarketing: Boolean, bookingReminders: Boolean }, default: undefined },
    createdAt: { type: Date, default: () => new Date() },
    lastSignInAt: Date,
  },
  { versionKey: false },
);
schema.index({ org: 1, email: 1 }, { unique: true });

export const CustomerModel = mongoose.model<Customer>('Customer', schema, 'customers');
