import mongoose, { Schema } from 'mongoose';
import type { StoredKey } from '../keys/keyring.ts';
import type { StaffRole } from '../../lib/resources.ts';
import type { NetworkLimits } from '../otp/budgets.ts';

export type StaffMember = { email: string; role: StaffRole; invitedBy?: string; invitedAt?: Date };

export type Organisation = {
  _id: string;
  slug: string;
  name: string;
  settings: { selfSignUp: boolean; timeZone: string; locale: string; networkLimits?: NetworkLimits };
  branding: { primaryColor: string; accentColor: string; logoUrl?: string };
  /** Staff who administer the organisation; roles are enforced by the Admin API. */
  staff: StaffMember[];
  /** Bumped by every staff change; each change is written only over the version it read, so two concurrent changes cannot both land. */
  staffVersion: number;
  keys: StoredKey[];
  /** Bumped by every key change, so each server instance rebuilds its provider for this organisation. */
  keysVersion: number;
  createdAt: Date;
};

const schema = new Schema<Organisation>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    settings: {
      selfSignUp: { type: Boolean, default: true },
      timeZone: { type: String, default: 'UTC' },
      locale: { type: String, default: 'en' },
      // Absent: the defaults of idp/otp/budgets.ts.
      networkLimits: { type: new Schema({ codesPerHour: Number, challengeAfter: Number }, { _id: false }), default: undefined },
    },
    branding: {
      primaryColor: { type: String, default: '#0f5cc0' },
      accentColor: { type: String, default: '#0b7a55' },
      logoUrl: String,
    },
    staff: [{ _id: false, email: String, role: String, invitedBy: String, invitedAt: Date }],
    staffVersion: { type: Number, default: 0 },
    keys: [{ _id: false, kid: String, alg: String, status: String, sealed: String, createdAt: Date }],
    keysVersion: { type: Number, default: 1 },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);

export const OrganisationModel = mongoose.model<Organisation>('Organisation', schema, 'organisations');
