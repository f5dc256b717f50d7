// Time travel for rules measured in minutes: instead of waiting, tests move stored deadlines into the past.
import mongoose from 'mongoose';

const past = () => new Date(Date.now() - 1000);

/** As if the 30-second resend cool-down for this address had passed. */
export async function passCooldown(org: string, email: string): Promise<void> {
  await mongoose.connection.db!.collection('limits').updateOne({ _id: `${org}|otp-cooldown:${email}` as never, org }, { $set: { until: past() } });
}

/** As if the codes for this address had outlived their 10 minutes. */
export async function expireCodes(org: string, email: string): Promise<void> {
  await mongoose.connection.db!.collection('one_time_codes').updateMany({ org, email }, { $set: { expiresAt: past() } });
}

export async function storedCodes(org: string, email: string) {
  return mongoose.connection.db!.collection('one_time_codes').find({ org, email }).toArray();
}
