import mongoose from 'mongoose';
import { orgScopedSchema } from '../../lib/tenancy.ts';

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
    createdAt: { type: Date, default: () => new Date() },
    lastSignInAt: Date,
  },
  { versionKey: false },
);
schema.index({ org: 1, email: 1 }, { unique: true });

export const CustomerModel = mongoose.model<Customer>('Customer', schema, 'customers');
