// Proof of work for a busy network (./budgets.ts): past its free codes, a browser earns each further code by finding a
// number whose SHA-256 with a signed challenge starts with `bits` zero bits; the sign-in page does so by itself
// with WebCrypto (views/layout.hbs). Issuing one stores nothing: an HMAC binds it to the organisation, the network,
// the sign-in (interaction) it was given to, its difficulty and its expiry. A solved one is spent once (a gate of
// limit 1), so it cannot be replayed, and counts only while the network is no busier than it was made for: a script
// cannot collect easy challenges while the network is quiet and spend them once it is busy.
import { createHash, randomBytes } from 'node:crypto';
import { keyedHash, safeEqual } from '../../lib/crypto.ts';
import { HttpError } from '../../lib/errors.ts';
import { signInChallenges } from '../../lib/metrics.ts';
import { recent } from '../../lib/rate-limit.ts';
import { clientNetwork, HOUR, networkKey, type SendGate, type SignInRequester } from './budgets.ts';

/**
 * 2^14 hashes at the free codes' end (a fraction of a second in a phone's browser, whose WebCrypto does some 10^5
 * a second), then one bit (twice the work) more for each further `challengeAfter` codes the network was sent this
 * hour, up to 2^21 (a few seconds on a laptop, up to half a minute on an old phone). With the defaults (30 free,
 * 300 an hour): codes 31-60 cost 2^14 hashes each, 61-90 2^15, ... 211-240 2^20, 241-300 2^21; some 2^27.5 hashes
 * for all 270, ten times what doubling the work only as the use doubled asked (which stopped at 2^17). A challenge
 * lasts 10 minutes.
 */
export const CHALLENGE_RULES = { ttlMs: 10 * 60_000, baseBits: 14, maxBits: 21 } as const;

export type Challenge = { token: string; bits: number };

/** Why a browser is given a challenge: it needs one, or the one it answered does not count. */
export type ChallengeReason = 'needed' | 'forged' | 'expired' | 'used' | 'harder';

const SAYS: Record<ChallengeReason, string> = {
  needed:
    'Many sign-in codes have been asked for from your network in the last hour (a shared Wi-Fi, say), so your browser first does a short security check. It runs by itself and takes a few seconds; please keep this page open.',
  forged: 'The security check did not pass. Your browser is doing a new one; please keep this page open.',
  expired: 'The security check took too long and expired. Your browser is doing a new one; please keep this page open.',
  used: 'That security check was already used. Your browser is doing a new one; please keep this page open.',
  harder:
    'Your network got busier while your browser was checking, so it needs a harder security check. Your browser is doing it now; please keep this page open.',
};

/** 429 with a fresh challenge (in `details`, for API callers): solve it and ask again with `challenge` and `solution`. */
export class ChallengeRequired extends HttpError {
  readonly challenge: Challenge;
  constructor(reason: ChallengeReason, challenge: Challenge) {
    super(429, 'challenge_required', SAYS[reason], challenge);
    this.challenge = challenge;
  }
}

const TOKEN = /^(\d{1,2})\.(\d{1,15})\.([\w-]{16})\.([\w-]{43})$/;
const sign = (key: Buffer, r: SignInRequester, org: string, bits: string, expires: string, salt: string) =>
  keyedHash(key, 'otp-challenge', org, clientNetwork(r.ip), r.interaction, bits, expires, salt);

/** Leading zero bits of `digest`. */
export function zeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** The difficulty for a network that has had `used` codes from the organisation this hour. */
export function difficulty(used: number, challengeAfter: number): number {
  const steps = Math.floor(Math.max(0, used - challengeAfter) / challengeAfter);
  return Math.min(CHALLENGE_RULES.maxBits, CHALLENGE_RULES.baseBits + steps);
}

/** A fresh challenge for the requester's network at `org`, as hard as that network is busy there. */
export async function challenge(org: string, r: SignInRequester, reason: ChallengeReason, now = Date.now()): Promise<ChallengeRequired> {
  // The organisation's gate for the network keeps up to `codesPerHour` sends, and past that many none is sent at
  // all: the count is exact wherever the difficulty matters.
  const used = await recent(org, networkKey(r), HOUR, now);
  const bits = String(difficulty(used, r.network.limits.challengeAfter));
  const expires = String(now + CHALLENGE_RULES.ttlMs);
  const salt = randomBytes(12).toString('base64url');
  const token = [bits, expires, salt, sign(r.network.challengeKey, r, org, bits, expires, salt)].join('.');
  signInChallenges.inc({ reason });
  return new ChallengeRequired(reason, { token, bits: Number(bits) });
}

/**
 * The gates that spend the requester's solved challenge, or why it does not count; undefined when the request
 * answers none. A challenge counts only while the network's use there is below where the difficulty rises past its
 * own (checked, in the same ordered write as the sends, against the count the send then adds to), and only once.
 */
export function proofOf(
  org: string,
  r: SignInRequester,
  now = Date.now(),
): SendGate[] | Exclude<ChallengeReason, 'needed' | 'used' | 'harder'> | undefined {
  const { answer, challengeKey } = r.network;
  if (!answer) return undefined;
  const [, bits = '', expires = '', salt = '', mac = ''] = TOKEN.exec(answer.challenge) ?? [];
  const signed = mac && safeEqual(mac, sign(challengeKey, r, org, bits, expires, salt));
  const solved =
    /^\d{1,15}$/.test(answer.solution) && zeroBits(createHash('sha256').update(`${answer.challenge}.${answer.solution}`).digest()) >= Number(bits);
  if (!signed || !solved) return 'forged';
  if (Number(expires) <= now) return 'expired';
  const spend: SendGate = { org, key: `otp-challenge:${salt}`, limit: 1, windowMs: CHALLENGE_RULES.ttlMs, means: 'proof' };
  const ceiling = usedBelow(Number(bits), r.network.limits.challengeAfter);
  if (ceiling === undefined) return [spend];
  return [{ org, key: networkKey(r), limit: ceiling, windowMs: HOUR, record: false, means: 'harder' }, spend];
}

/** How many codes a network may have had for a challenge of `bits` to still be hard enough; undefined: any. */
function usedBelow(bits: number, challengeAfter: number): number | undefined {
  if (bits >= CHALLENGE_RULES.maxBits) return undefined;
  // difficulty(used) <= bits while (used - challengeAfter) / challengeAfter < bits - baseBits + 1
  return challengeAfter * (bits - CHALLENGE_RULES.baseBits + 2);
}
