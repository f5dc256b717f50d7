// Whose budget each code request is counted against. A limit keyed by something many people share (a network, the
// server's own address) lets one of them spend everyone's: sign-in counts the client's network and the address, and
// an email change, asked by a signed-in customer, counts that customer first, so one customer can exhaust only their
// own budget (and that of the address they name). Sign-in and email-change limits never share a key.
import type { Gate } from '../../lib/rate-limit.ts';

export const OTP_RULES = {
  ttlMs: 10 * 60_000,
  triesPerCode: 5,
  resendCooldownMs: 30_000,
  sendsPerHourPerAddress: 5,
  sendsPerHourPerIp: 30,
  sendsPerHourPerCustomer: 5,
  failuresPerHourBeforeLock: 10,
  lockMs: 15 * 60_000,
} as const;

export const HOUR = 3_600_000;

/** Counters that span organisations are kept under this pseudo-organisation. */
const PLATFORM = '*';

/** Who asks for a code: someone at the sign-in pages, or a signed-in customer confirming a new address. */
export type Requester = { purpose: 'sign-in'; ip: string } | { purpose: 'email-change'; ip: string; customer: string };
export type Purpose = Requester['purpose'];

/** An IPv4 address as is; an IPv6 address as its /64 network, the block one client usually controls. */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const PREFIX: Record<Purpose, string> = { 'sign-in': 'otp', 'email-change': 'email-change' };

/** The key of the address's hourly sends, which its lock (after too many wrong codes) also closes. */
export const addressKey = (purpose: Purpose, email: string) => `${PREFIX[purpose]}-address:${email}`;
/** The key counting wrong codes for the address. */
export const failuresKey = (purpose: Purpose, email: string) => `${PREFIX[purpose]}-fail:${email}`;

/**
 * The gates a request for a code to `email` passes, in order (a refusal spends none after it). The requester's own
 * gate comes first, so a client over its limit never spends a shared one: for sign-in the client's network (across
 * organisations), for an email change the customer; then the address's lock, cool-down and hourly sends.
 */
export function sendGates(org: string, email: string, r: Requester): Gate[] {
  const network = { limit: OTP_RULES.sendsPerHourPerIp, windowMs: HOUR };
  const address = { org, key: addressKey(r.purpose, email), limit: OTP_RULES.sendsPerHourPerAddress, windowMs: HOUR };
  if (r.purpose === 'sign-in') return [{ org: PLATFORM, key: `otp-ip:${clientNetwork(r.ip)}`, ...network }, { ...address, cooldownMs: OTP_RULES.resendCooldownMs }];
  return [
    { org, key: `email-change-customer:${r.customer}`, limit: OTP_RULES.sendsPerHourPerCustomer, windowMs: HOUR, cooldownMs: OTP_RULES.resendCooldownMs },
    { org: PLATFORM, key: `email-change-ip:${clientNetwork(r.ip)}`, ...network },
    address,
  ];
}
