import mongoose from 'mongoose';
import { orgScopedSchema } from '../../lib/tenancy.ts';

/**
 * The live code of one exchange and its tries per address, as kept on the document the code belongs to (the
 * `otp` and `otpTries` fields). A sign-in's code sits on its interaction (idp/provider/adapter.ts), so each step
 * reads one document; an exchange with no interaction (an email change) has a document of its own, here.
 */
/** `budget`: what sending and checking it count against (./budgets.ts); absent on codes sent before it was recorded. */
export type StoredCode = { email: string; codeHash: string; budget?: string; sentAt: Date; expiresAt: Date; consumedAt?: Date | null };
export type CodeState = { otp?: StoredCode; otpTries?: Record<string, number> };

/** A code with no interaction to sit on, keyed `<org>|<subject>`: a new code replaces it; tries survive that. */
type OwnCode = CodeState & { _id: string; org: string; expiresAt: Date };

const schema = orgScopedSchema<OwnCode>(
  {
    _id: { type: String, required: true },
    otp: { type: mongoose.Schema.Types.Mixed },
    otpTries: { type: mongoose.Schema.Types.Mixed },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ expiresAt: 1 });

export const OwnCodeModel = mongoose.model<OwnCode>('OneTimeCode', schema, 'one_time_codes');
