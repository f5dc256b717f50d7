import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';
import type { Branding } from './branding.ts';
import type { StoredSection } from './sections.ts';

export type Portal = {
  _id: string;
  org: string;
  slug: string;
  name: string;
  branding: Branding;
  sections: StoredSection[];
  createdAt: Date;
  updatedAt: Date;
};

const schema = orgScopedSchema<Portal>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    name: { type: String, required: true },
    branding: { type: mongoose.Schema.Types.Mixed, required: true },
    sections: { type: [{ _id: false, key: String, state: String, label: String }], default: [] },
    createdAt: { type: Date, default: () => new Date() },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
schema.index({ org: 1, slug: 1 }, { unique: true });
export const PortalModel = mongoose.model<Portal>('Portal', schema, 'portals');

/**
 * Which portal is the organisation's primary: one document per organisation (`_id` = organisation) naming it, so
 * "exactly one primary" holds by construction, however many "set primary" calls race (the last one wins).
 */
export type PrimaryPortal = { _id: string; org: string; portal: string };
const primarySchema = orgScopedSchema<PrimaryPortal>(
  { _id: { type: String, required: true }, portal: { type: String, required: true } },
  { versionKey: false },
);
export const PrimaryPortalModel = mongoose.model<PrimaryPortal>('PrimaryPortal', primarySchema, 'primary_portals');
