import mongoose from 'mongoose';
import { orgScopedSchema } from '../../lib/tenancy.ts';

/**
 * The live sign-in code of one interaction (one browser sign-in), keyed `<org>|<interaction>`: a resend or a
 * different address replaces it. Tries are counted (lib/rate-limit.ts) per interaction and address, so
 * neither a resend nor switching addresses back and forth resets them.
 */
export type OneTimeCode = {
  _id: string;
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
    _id: { type: String, required: true },
    interaction: { type: String, required: true },
    email: { type: String, required: true },
    codeHash: { type: String, required: true },
    sentAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    consumedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });

export const OneTimeCodeModel = mongoose.model<OneTimeCode>('OneTimeCode', schema, 'one_time_codes');
