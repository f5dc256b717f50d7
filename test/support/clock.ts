// Time travel for rules measured in minutes: instead of waiting, tests move stored deadlines into the past.
import mongoose from 'mongoose';

const past = () => new Date(Date.now() - 1000);

const limits = () => mongoose.connection.db!.collection('limits');
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** As if the 30-second resend cool-down for this address had passed, for every browser (remembered or not). */
export async function passCooldown(org: string, email: string): Promise<void> {
  await limits().updateMany({ _id: { $regex: `^${escaped(`${org}|otp-address:${email}`)}` } as never, org }, { $set: { coolUntil: past() } });
}

/** As if an hour had passed since the codes for this address were checked by browsers not remembered for it. */
export async function passCheckHour(org: string, email: string): Promise<void> {
  await limits().updateOne({ _id: `${org}|otp-address:${email}|checks` as never, org }, { $set: { hits: [] } });
}

// Codes are kept on a sign-in's interaction (oidc_payloads), or in a document of their own (one_time_codes).
const CODE_HOLDERS = ['oidc_payloads', 'one_time_codes'];

/** As if the codes for this address had outlived their 10 minutes. */
export async function expireCodes(org: string, email: string): Promise<void> {
  for (const name of CODE_HOLDERS)
    await mongoose.connection.db!.collection(name).updateMany({ org, 'otp.email': email }, { $set: { 'otp.expiresAt': past() } });
}

/** The stored codes sent to this address. */
export async function storedCodes(org: string, email: string) {
  const holders = await Promise.all(CODE_HOLDERS.map((name) => mongoose.connection.db!.collection(name).find({ org, 'otp.email': email }).toArray()));
  return holders.flat().map((doc) => doc.otp as Record<string, unknown>);
}

/** As if a flow's open runs had been left alone for 30 days: expired, though the TTL index has not removed them yet. */
export async function leaveFlowRuns(org: string, flow: string): Promise<void> {
  await mongoose.connection.db!.collection('flow_progress').updateMany({ org, flow, status: 'open' }, { $set: { expiresAt: past() } });
}
