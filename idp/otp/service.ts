// Email one-time codes. Rules (NIST SP 800-63B rev 4 §3.1.3.2, OWASP ASVS 5.0 §6.5-6.6): 6 digits from a CSPRNG,
// stored only as a keyed hash, valid 10 minutes, single use, at most 5 tries, bound to the interaction that
// asked for it, rate limited as ./budgets.ts says. Every limit holds under parallel requests (lib/rate-limit.ts).
import { createHash, randomInt } from 'node:crypto';
import { z } from 'zod';
import { keyedHash, safeEqual } from '../../lib/crypto.ts';
import { BadRequest, type HttpError, TooManyRequests } from '../../lib/errors.ts';
import { pass, revoke, type Refusal } from '../../lib/rate-limit.ts';
import { OidcPayloadModel, payloadKey, storedInteraction } from '../provider/adapter.ts';
import { budgetOf, checkGate, HOUR, OTP_RULES, sendGates, type Purpose, type Requester, type SendGate, type SignInRequester } from './budgets.ts';
import { challenge, proofOf, type ChallengeReason } from './challenge.ts';
import { OwnCodeModel, type CodeState } from './model.ts';

/** What a person types: an email address to send a code to, and the code (spaces and dashes ignored). */
export const emailAddress = z.string().trim().max(254).pipe(z.email('Enter a valid email address.'));
export const typedCode = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from the email.'));

/**
 * The document a code is kept on (see ./model.ts): a sign-in's interaction, which must still be live (a code is
 * never stored for one that is gone), or a document of the code's own, created as needed and kept as long as its
 * tries count.
 */
export type CodeHolder = {
  purpose: Purpose;
  /** Typed by the one call made on it: the two holders' models have different documents. */
  model: {
    updateOne(
      filter: object,
      update: object,
      options?: { upsert: boolean },
    ): PromiseLike<{ matchedCount: number; modifiedCount: number; upsertedCount: number }>;
  };
  key: { _id: string; org: string };
  /** What the holder must match to take a code; absent: the holder is the code's own document, made if missing. */
  live?: () => Record<string, unknown>;
  read(): Promise<CodeState | null | undefined>;
};

/** The holder of a sign-in's code: its interaction (read once per request, with oidc-provider's own read of it). */
export function interactionHolder(org: string, uid: string): CodeHolder {
  return {
    purpose: 'sign-in',
    model: OidcPayloadModel,
    key: payloadKey(org, 'Interaction', uid),
    live: () => ({ expiresAt: { $gt: new Date() } }),
    read: async () => (await storedInteraction(org, uid)) as CodeState | undefined,
  };
}

/** The holder of a customer's email-change code (`customer`: their subject). */
export function emailChangeHolder(org: string, customer: string): CodeHolder {
  const key = { _id: `${org}|email-change:${customer}`, org };
  return { purpose: 'email-change', model: OwnCodeModel, key, read: () => OwnCodeModel.findOne(key).lean<CodeState>() };
}

export type CodeRequest = { email: string; requester: Requester };
export type Verification = { ok: true } | { ok: false; reason: 'wrong' | 'dead' | 'expired'; triesLeft: number };

const minutes = (s: number) => Math.max(1, Math.ceil(s / 60));
/** The field counting an address's tries on the holder (a field name may hold no dot, so not the address itself). */
const triesField = (email: string) => `otpTries.${createHash('sha256').update(email).digest('base64url').slice(0, 22)}`;
const hashCode = (hashKey: Buffer, holder: CodeHolder, email: string, code: string) => keyedHash(hashKey, holder.key._id, email, code);

/** Why a code is not sent or not checked: `means`, what the refusing gate stands for (./budgets.ts). */
function tooMany(refused: Refusal, means?: SendGate['means']): TooManyRequests {
  const wait = refused.retryAfterSeconds;
  if (means === 'checks') return new TooManyRequests(`Too many wrong codes for this address. Try again in ${minutes(wait)} minutes.`, wait);
  if (means === 'network') {
    return new TooManyRequests(
      `Too many sign-in codes have been asked for from your network (a shared Wi-Fi, say) in the last hour. Try again in ${minutes(wait)} minutes, or from another connection, such as mobile data.`,
      wait,
    );
  }
  if (refused.reason === 'cooldown') return new TooManyRequests(`Please wait ${wait} seconds before asking for another code.`, wait);
  return new TooManyRequests(`Too many codes requested. Try again in ${minutes(wait)} minutes.`, wait);
}

/** Refusals answered with a fresh challenge: the free codes are spent, the solved one was, or it is too easy now. */
const CHALLENGED: Partial<Record<NonNullable<SendGate['means']>, ChallengeReason>> = { unproven: 'needed', proof: 'used', harder: 'harder' };

/** A network past its free codes: refused if its budget is spent anyway (no work for nothing), else challenged. */
async function slowDown(org: string, gates: SendGate[], r: SignInRequester, reason: ChallengeReason, now: number): Promise<HttpError> {
  const spent = await pass(
    gates.filter((g) => g.means === 'network').map((g) => ({ ...g, record: false as const })),
    now,
  );
  return spent ? tooMany(spent, 'network') : challenge(org, r, reason, now);
}

/**
 * Checks every limit of the requester's budget (./budgets.ts), then stores a fresh code on its holder (replacing
 * any earlier one there), recording the budget it is to be checked against. A sign-in past its network's free
 * codes gets a challenge to solve first (./challenge.ts), unless the network's budget is spent anyway.
 */
export async function issueCode(hashKey: Buffer, holder: CodeHolder, req: CodeRequest, now = Date.now()): Promise<string> {
  const { org } = holder.key;
  const { email, requester } = req;
  const network = requester.purpose === 'sign-in' && !requester.device ? requester : undefined; // counted by its network
  const proof = network && proofOf(org, network, now);
  const { gates, budget } = sendGates(org, email, requester, Array.isArray(proof) ? proof : undefined);
  if (network && typeof proof === 'string') throw await slowDown(org, gates, network, proof, now);
  const refused = await pass(gates, now);
  if (refused) {
    const means = gates[refused.gate]?.means;
    const reason = means && CHALLENGED[means];
    if (network && reason) throw await slowDown(org, gates, network, reason, now);
    throw tooMany(refused, means);
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const otp = {
    email,
    codeHash: hashCode(hashKey, holder, email, code),
    budget,
    sentAt: new Date(now),
    expiresAt: new Date(now + OTP_RULES.ttlMs),
    consumedAt: null,
  };
  const stored = holder.live
    ? await holder.model.updateOne({ ...holder.key, ...holder.live() }, { $set: { otp } })
    : await holder.model.updateOne(holder.key, { $set: { otp, expiresAt: new Date(now + OTP_RULES.ttlMs + HOUR) } }, { upsert: true });
  if (!stored.matchedCount && !stored.upsertedCount) throw new BadRequest('This sign-in has expired. Start again from the app.');
  return code;
}

/** The address the holder's code was last sent to, if any. */
export function pendingEmail(state: CodeState | null | undefined): string | undefined {
  return state?.otp?.email;
}

/**
 * Checks `code` against the holder's code as `state` shows it. Each check first spends one of its budget's hourly
 * checks (all of the address's interactions together, ./budgets.ts), before its answer is known, so parallel
 * guesses cannot exceed it; refused when the budget is spent (429), or when the code was sent before it was last
 * spent (void). Then every try is counted on the code, up to 5, by a write conditional on fewer than 5. A right code
 * is used by one write conditional on it being unused, live and its tries not spent, which counts the try and also
 * sets `prepare`'s fields (what using it achieves, such as the interaction's result): of parallel right answers
 * exactly one succeeds. `prepare` runs once the code is known to be right. A wrong one that leaves the budget spent
 * voids every code sent under it, so a lock-out also stops the codes already sent.
 */
export async function verifyCode(
  hashKey: Buffer,
  holder: CodeHolder,
  state: CodeState | null | undefined,
  email: string,
  code: string,
  prepare: () => Promise<Record<string, unknown> | undefined> = async () => undefined,
  now = Date.now(),
): Promise<Verification> {
  const otp = state?.otp;
  const expired = { ok: false, reason: 'expired', triesLeft: 0 } as const;
  if (!otp || otp.email !== email || otp.consumedAt || new Date(otp.expiresAt).getTime() <= now) return expired;
  const field = triesField(email);
  const tried = (state.otpTries as Record<string, number> | undefined)?.[field.slice('otpTries.'.length)] ?? 0;
  const unspent = { [field]: { $not: { $gte: OTP_RULES.triesPerCode } } };
  if (tried >= OTP_RULES.triesPerCode) return { ok: false, reason: 'dead', triesLeft: 0 };

  // A code sent before budgets were recorded on codes counts against the address's shared one.
  const checks = checkGate(holder.key.org, otp.budget ?? budgetOf(holder.purpose, email));
  const refused = await pass([{ ...checks, issuedAt: new Date(otp.sentAt).getTime() }], now);
  if (refused?.reason === 'revoked') return expired;
  if (refused) throw tooMany(refused, 'checks');

  if (safeEqual(otp.codeHash, hashCode(hashKey, holder, email, code))) {
    const achieved = await prepare();
    const used = await holder.model.updateOne(
      {
        ...holder.key,
        'otp.email': email,
        'otp.codeHash': otp.codeHash,
        'otp.consumedAt': null,
        'otp.expiresAt': { $gt: new Date(now) },
        ...unspent,
      },
      { $set: { ...achieved, 'otp.consumedAt': new Date(now) }, $inc: { [field]: 1 } },
    );
    return used.modifiedCount ? { ok: true } : expired;
  }

  const counted = await holder.model.updateOne({ ...holder.key, ...unspent }, { $inc: { [field]: 1 } });
  if (!counted.modifiedCount) return { ok: false, reason: 'dead', triesLeft: 0 };
  if (await pass([{ ...checks, record: false }], now)) await revoke(holder.key.org, checks.key, OTP_RULES.ttlMs, now);
  // As this request counted it: a parallel wrong guess may have taken one more (the limit itself is exact).
  const triesLeft = OTP_RULES.triesPerCode - (tried + 1);
  return { ok: false, reason: triesLeft > 0 ? 'wrong' : 'dead', triesLeft };
}

/** What to tell a person whose code was not accepted. */
export function codeProblem(result: Exclude<Verification, { ok: true }>, restart: string): string {
  return {
    wrong: `That code is not right. ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
    dead: `Too many wrong tries for this code. ${restart}`,
    expired: 'This code has expired or was already used. Ask for a new code.',
  }[result.reason];
}
