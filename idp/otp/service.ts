// Email one-time codes. Rules (NIST SP 800-63B rev 4 §3.1.3.2, OWASP ASVS 5.0 §6.5-6.6): 6 digits from a CSPRNG,
// stored only as a keyed hash, valid 10 minutes, single use, at most 5 tries, bound to the interaction that
// asked for it, rate limited per address and per IP. Every limit holds under parallel requests (lib/rate-limit.ts).
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { keyedHash, safeEqual } from '../../lib/crypto.ts';
import { TooManyRequests } from '../../lib/errors.ts';
import { countUpTo, hit, lockOut, lockedFor, takeCooldown } from '../../lib/rate-limit.ts';
import { OneTimeCodeModel, type OneTimeCode } from './model.ts';

export const OTP_RULES = {
  ttlMs: 10 * 60_000,
  triesPerCode: 5,
  resendCooldownMs: 30_000,
  sendsPerHourPerAddress: 5,
  sendsPerHourPerIp: 30,
  failuresPerHourBeforeLock: 10,
  lockMs: 15 * 60_000,
} as const;

const HOUR = 3_600_000;

/** What a person types: an email address to send a code to, and the code (spaces and dashes ignored). */
export const emailAddress = z.string().trim().max(254).pipe(z.email('Enter a valid email address.'));
export const typedCode = z.string().transform((s) => s.replace(/[\s-]/g, '')).pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from the email.'));

/** Counters that span organisations are kept under this pseudo-organisation. */
const PLATFORM = '*';

/** An IPv4 address as is; an IPv6 address as its /64 network, the block one client usually controls. */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export type CodeRequest = { org: string; interaction: string; email: string; ip: string };
export type CodeTarget = Omit<CodeRequest, 'ip'>;
export type Verification = { ok: true } | { ok: false; reason: 'wrong' | 'dead' | 'expired'; triesLeft: number };

const minutes = (s: number) => Math.max(1, Math.ceil(s / 60));
const triesKey = (t: CodeTarget) => `otp-try:${t.interaction}:${t.email}`;
const keyOf = (org: string, interaction: string) => ({ _id: `${org}|${interaction}`, org });

/** Checks every limit, then stores a fresh code (replacing any earlier one for this interaction and address). */
export async function issueCode(hashKey: Buffer, req: CodeRequest, now = Date.now()): Promise<string> {
  const { org, email } = req;
  const tooMany = (v: { retryAfterSeconds: number }) =>
    new TooManyRequests(`Too many codes requested. Try again in ${minutes(v.retryAfterSeconds)} minutes.`, v.retryAfterSeconds);
  // The IP is checked first (a client over its own limit must not spend a victim address's cool-down or quota),
  // across all organisations, and an IPv6 client counts as its /64.
  const perIp = await hit(PLATFORM, `otp-ip:${clientNetwork(req.ip)}`, OTP_RULES.sendsPerHourPerIp, HOUR, now);
  if (!perIp.allowed) throw tooMany(perIp);
  const locked = await lockedFor(org, `otp-lock:${email}`, now);
  if (locked) throw new TooManyRequests(`Too many wrong codes for this address. Try again in ${minutes(locked)} minutes.`, locked);
  const wait = await takeCooldown(org, `otp-cooldown:${email}`, OTP_RULES.resendCooldownMs, now);
  if (wait) throw new TooManyRequests(`Please wait ${wait} seconds before asking for another code.`, wait);
  const perAddress = await hit(org, `otp-send:${email}`, OTP_RULES.sendsPerHourPerAddress, HOUR, now);
  if (!perAddress.allowed) throw tooMany(perAddress);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const fields = { interaction: req.interaction, email, codeHash: hashCode(hashKey, req, code), sentAt: new Date(now), expiresAt: new Date(now + OTP_RULES.ttlMs), consumedAt: null };
  await OneTimeCodeModel.updateOne(keyOf(org, req.interaction), { $set: fields }, { upsert: true });
  return code;
}

function hashCode(hashKey: Buffer, t: CodeTarget, code: string): string {
  return keyedHash(hashKey, t.org, t.interaction, t.email, code);
}

/**
 * Every try is counted first, up to 5 (so parallel guesses cannot exceed 5); a right code is then used by a write
 * conditional on it being unused (so of parallel right answers exactly one signs in); a wrong one also counts for
 * the address.
 */
export async function verifyCode(hashKey: Buffer, t: CodeTarget, code: string, now = Date.now()): Promise<Verification> {
  const key = keyOf(t.org, t.interaction);
  const doc = await OneTimeCodeModel.findOne(key).lean<OneTimeCode>();
  if (!doc || doc.email !== t.email || doc.consumedAt || doc.expiresAt.getTime() <= now) return { ok: false, reason: 'expired', triesLeft: 0 };
  const attempt = await countUpTo(t.org, triesKey(t), OTP_RULES.triesPerCode, OTP_RULES.ttlMs + HOUR, now);
  if (!attempt) return { ok: false, reason: 'dead', triesLeft: 0 };
  if (safeEqual(doc.codeHash, hashCode(hashKey, t, code))) {
    const used = await OneTimeCodeModel.updateOne({ ...key, codeHash: doc.codeHash, consumedAt: null }, { $set: { consumedAt: new Date(now) } });
    return used.modifiedCount ? { ok: true } : { ok: false, reason: 'expired', triesLeft: 0 };
  }
  const perAddress = await hit(t.org, `otp-fail:${t.email}`, OTP_RULES.failuresPerHourBeforeLock - 1, HOUR, now);
  if (!perAddress.allowed) await lockOut(t.org, `otp-lock:${t.email}`, OTP_RULES.lockMs, now);
  const triesLeft = OTP_RULES.triesPerCode - attempt;
  return { ok: false, reason: triesLeft > 0 ? 'wrong' : 'dead', triesLeft };
}

/** The address the interaction last asked a code for, if any. */
export async function pendingEmail(org: string, interaction: string): Promise<string | undefined> {
  return (await OneTimeCodeModel.findOne(keyOf(org, interaction)).lean<OneTimeCode>())?.email;
}

/** What to tell a person whose code was not accepted. */
export function codeProblem(result: Exclude<Verification, { ok: true }>, restart: string): string {
  return {
    wrong: `That code is not right. ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
    dead: `Too many wrong tries for this code. ${restart}`,
    expired: 'This code has expired or was already used. Ask for a new code.',
  }[result.reason];
}
