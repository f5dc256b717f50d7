import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';

export const POLICY_KINDS = ['terms', 'privacy', 'refund'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];
export type Policy = { markdown: string; html: string; updatedAt: Date };

/** An organisation's company information and policies: one document, `_id` = organisation. */
export type Company = {
  _id: string;
  org: string;
  name?: string;
  /** For invoices: the registered name and the VAT or tax number. */
  legalName?: string;
  taxNumber?: string;
  address?: string;
  email?: string;
  phone?: string;
  website?: string;
  openingHours?: string;
  policies?: Partial<Record<PolicyKind, Policy>>;
  updatedAt: Date;
};

const policy = { type: { _id: false, markdown: String, html: String, updatedAt: Date }, default: undefined };
const schema = orgScopedSchema<Company>(
  {
    _id: { type: String, required: true },
    name: String,
    legalName: String,
    taxNumber: String,
    address: String,
    email: String,
    phone: String,
    website: String,
    openingHours: String,
    policies: { type: { _id: false, terms: policy, privacy: policy, refund: policy }, default: undefined },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
export const CompanyModel = mongoose.model<Company>('Company', schema, 'companies');
