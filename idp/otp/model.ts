import mongoose from 'mongoose';
import { orgScopedSchema } from '../../lib/tenancy.ts';

/**
 * One sign-in code per (organisation, interaction, address): a resend replaces the code. Tries are counted as
 * claimed slots (lib/claims.ts) under the same key, so a resend never resets them.
 */
export type OneTimeCode = {
  org: string;
  interaction: string;
  email: string;
  codeHash: string;
  sentAt: Date;
  expiresAt: Date;
  consumedAt?: Date | null;
};

const schema = orgScopedSchema<OneTimeCode>(
  {
    interaction: { type: String, required: true },
    email: { type: String, required: true },
    codeHash: { type: String, required: true },
    sentAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    consumedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
schema.index({ org: 1, interaction: 1, email: 1 }, { unique: true });
schema.index({ expiresAt: 1 });

export const OneTimeCodeModel = mongoose.model<OneTimeCode>('OneTimeCode', schema, 'one_time_codes');
