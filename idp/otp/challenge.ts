// Proof of work for a busy network (./budgets.ts): past its free codes, a browser earns each further code by finding a
// number whose SHA-256 with a signed challenge starts with `bits` zero bits; the sign-in page does so by itself
// with WebCrypto (views/layout.hbs). Issuing one stores nothing: an HMAC binds it to the organisation, the network,
// its difficulty and its expiry. A solved one is spent once (a gate of limit 1), so it cannot be replayed.
import { createHash, randomBytes } from 'node:crypto';
import { keyedHash, safeEqual } from '../../lib/crypto.ts';
import { HttpError } from '../../lib/errors.ts';
import { signInChallenges } from '../../lib/metrics.ts';
import { recent, type Gate } from '../../lib/rate-limit.ts';
import { clientNetwork, HOUR, networkGates, type SignInRequester } from './budgets.ts';

/**
 * 2^14 hashes (well under a second in a phone's browser) at the free codes' end, one bit (twice the work) more each
 * time the network's use doubles, up to 2^20 (some seconds); a challenge lasts 10 minutes.
 */
export const CHALLENGE_RULES = { ttlMs: 10 * 60_000, baseBits: 14, maxBits: 20 } as const;

export type Challenge = { token: string; bits: number };

/** Why a browser is given a challenge: it needs one, or the one it answered does not count. */
export type ChallengeReason = 'needed' | 'forged' | 'expired' | 'used';

const SAYS: Record<ChallengeReason, string> = {
  needed:
    'Many sign-in codes have been asked for from your network in the last hour (a shared Wi-Fi, say), so your browser first does a short security check. It runs by itself and takes a few seconds; please keep this page open.',
  forged: 'The security check did not pass. Your browser is doing a new one; please keep this page open.',
  expired: 'The security check took too long and expired. Your browser is doing a new one; please keep this page open.',
  used: 'That security check was already used. Your browser is doing a new one; please keep this page open.',
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
const sign = (key: Buffer, org: string, network: string, bits: string, expires: string, salt: string) =>
  keyedHash(key, 'otp-challenge', org, network, bits, expires, salt);

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
  const doublings = Math.floor(Math.log2(Math.max(1, used / challengeAfter)));
  return Math.min(CHALLENGE_RULES.maxBits, CHALLENGE_RULES.baseBits + doublings);
}

/** A fresh challenge for the requester's network at `org`, as hard as that network is busy there. */
export async function challenge(org: string, r: SignInRequester, reason: ChallengeReason, now = Date.now()): Promise<ChallengeRequired> {
  const budget = networkGates(org, r)[1]!;
  const bits = String(difficulty(await recent(budget.org, budget.key, HOUR, now), r.network.limits.challengeAfter));
  const expires = String(now + CHALLENGE_RULES.ttlMs);
  const salt = randomBytes(12).toString('base64url');
  const token = [bits, expires, salt, sign(r.network.challengeKey, org, clientNetwork(r.ip), bits, expires, salt)].join('.');
  signInChallenges.inc({ reason });
  return new ChallengeRequired(reason, { token, bits: Number(bits) });
}

/**
 * The gate that spends the requester's solved challenge once, or why it does not count; undefined when the request
 * answers none.
 */
export function proofOf(org: string, r: SignInRequester, now = Date.now()): Gate | Exclude<ChallengeReason, 'needed' | 'used'> | undefined {
  const { answer, challengeKey } = r.network;
  if (!answer) return undefined;
  const [, bits = '', expires = '', salt = '', mac = ''] = TOKEN.exec(answer.challenge) ?? [];
  const signed = mac && safeEqual(mac, sign(challengeKey, org, clientNetwork(r.ip), bits, expires, salt));
  const solved =
    /^\d{1,15}$/.test(answer.solution) && zeroBits(createHash('sha256').update(`${answer.challenge}.${answer.solution}`).digest()) >= Number(bits);
  if (!signed || !solved) return 'forged';
  if (Number(expires) <= now) return 'expired';
  return { org, key: `otp-challenge:${salt}`, limit: 1, windowMs: CHALLENGE_RULES.ttlMs };
}
