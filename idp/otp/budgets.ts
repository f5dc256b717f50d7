// Whose budget each code request and each code checked is counted against. A limit keyed by something many people
// share (a network, the server's own address, an address anyone may type) lets one of them spend everyone's, and
// then the limit is a weapon: so every budget is as narrow as it can be while the totals still bound guessing.
//
// Guarantees (each limit one atomic write, so they hold under any number of parallel requests, lib/rate-limit.ts):
// - a code is checked at most 5 times (triesPerCode) and lives 10 minutes;
// - sign-in, from browsers not remembered for the address (./devices.ts: any browser that has not signed in as
//   it): at most 10 codes checked per address per rolling hour, all browsers, interactions and networks together,
//   and 5 codes sent; once the 10 are used, those browsers get no code and no check until the oldest is an hour
//   old, and every code already sent to them is void for good;
// - sign-in, from a browser remembered for the address: the same 10 checks and 5 sends, its own, untouched by
//   anyone else, also on the same network (an attacker cannot make a browser remembered without signing in as the
//   address, or the operator's link, `portico sign-in trust-browser`);
// - an email change: at most 10 codes checked per new address per rolling hour, all customers together, 5 sent per
//   customer (30 s apart) and 5 per new address; it shares no counter with sign-in;
// - sign-in codes to browsers not remembered for the address, per network (IPv6 by /64): at each organisation, the
//   first `challengeAfter` an hour (default 30, at most FREE_CODES_MAX = 100) are sent freely, each further one only
//   with a solved proof of work (./challenge.ts: spent once, bound to the organisation, network and sign-in, and
//   refused once the network has got busier than it was made for), and none past `codesPerHour` (default 300); both
//   are the organisation's setting (`settings.networkLimits`). All organisations together send at most
//   SIGN_IN_CODES_PER_NETWORK an hour (default 1000) to one network. So a gym's Wi-Fi or a carrier's NAT signs in
//   hundreds of people an hour, while a script there sends at most those budgets' codes, and past the first 30 of
//   each organisation only as fast as it can compute; a request the address's own limits refuse (its cool-down, its
//   5 an hour, its spent checks) spends none of the network's (the one limit here that is checked and recorded in
//   two writes: requests for one address sent at the same instant may each spend one, see sendGates);
// - email changes: at most 30 codes sent per network per hour (across organisations).
// So a guesser who is not on a remembered browser gets at most 10 tries per address per hour at a 1-in-a-million
// code; every remembered browser adds 10 that only its holder can use.
import type { Gate } from '../../lib/rate-limit.ts';

export const OTP_RULES = {
  ttlMs: 10 * 60_000,
  triesPerCode: 5,
  resendCooldownMs: 30_000,
  sendsPerHourPerAddress: 5,
  emailChangesPerHourPerNetwork: 30,
  sendsPerHourPerCustomer: 5,
  checksPerHourPerBudget: 10,
} as const;

export const HOUR = 3_600_000;

/**
 * What one network may ask of one organisation in an hour, in sign-in codes to browsers not remembered: the first
 * `challengeAfter` freely, then each with a solved challenge, up to `codesPerHour`.
 */
export type NetworkLimits = { codesPerHour: number; challengeAfter: number };

/** Busy shared networks (an office, a campus, a carrier's NAT) stay well inside these; a script does not. */
export const NETWORK_DEFAULTS: NetworkLimits = { codesPerHour: 300, challengeAfter: 30 };

/**
 * The most free codes an organisation may give one network an hour. Every code sent counts against the platform's
 * cap for the network (shared by all organisations), so an organisation that sent its whole budget without a proof
 * of work would let a script there spend everyone's for nothing; capping what is free (a tenth of the default cap)
 * keeps the platform's total a real bound on all codes sent, which counting only unproven codes would not.
 */
export const FREE_CODES_MAX = 100;

/**
 * A sign-in's network as the server sees it: the organisation's limits, the platform's cap (all organisations
 * together), the key challenges are signed with, and the answer to one the browser sent, if any (./challenge.ts).
 */
export type NetworkPolicy = {
  limits: NetworkLimits;
  platformPerHour: number;
  challengeKey: Buffer;
  answer?: { challenge: string; solution: string };
};

/** Counters that span organisations are kept under this pseudo-organisation. */
const PLATFORM = '*';

/**
 * Who asks for a code: someone at the sign-in pages (`interaction`: the sign-in's uid; `device`: their browser's tag
 * when it is remembered for the address, ./devices.ts), or a signed-in customer confirming a new address.
 */
export type SignInRequester = { purpose: 'sign-in'; ip: string; device?: string; network: NetworkPolicy; interaction: string };
export type Requester = SignInRequester | { purpose: 'email-change'; ip: string; customer: string };
export type Purpose = Requester['purpose'];

/** An IPv4 address as is; an IPv6 address as its /64 network, the block one client usually controls. */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The budget a code is sent from and checked against: for sign-in the address's, shared by every browser not
 * remembered for it, or a remembered browser's own (`device`, its tag); for an email change the new address's.
 */
export function budgetOf(purpose: Purpose, email: string, device?: string): string {
  if (purpose === 'email-change') return `email-change-address:${email}`;
  return device ? `otp-address:${email}|device:${device}` : `otp-address:${email}`;
}

/** The gate a code is checked through: `budget` as the code recorded it. */
export const checkGate = (org: string, budget: string): Gate => ({
  org,
  key: `${budget}|checks`,
  limit: OTP_RULES.checksPerHourPerBudget,
  windowMs: HOUR,
});

/**
 * What a gate's refusal means: the budget's checks are spent (not codes sent too often), the network's budget is
 * spent, its free codes are (a challenge is due), the solved challenge was spent before, or it is easier than the
 * network's use now asks.
 */
export type SendGate = Gate & { means?: 'checks' | 'network' | 'unproven' | 'proof' | 'harder' };

/** The key of the organisation's budget for the network, whose count also sets a challenge's difficulty. */
export const networkKey = (r: SignInRequester) => `otp-ip:${clientNetwork(r.ip)}`;

/**
 * A network's gates at `org` for sign-in codes: its free codes, or `proof` (the gates of a solved challenge,
 * ./challenge.ts) instead; then the organisation's budget for it, then the platform's.
 */
export function networkGates(org: string, r: SignInRequester, proof?: SendGate[]): SendGate[] {
  const net = clientNetwork(r.ip);
  const { limits, platformPerHour } = r.network;
  const entry: SendGate[] = proof ?? [{ org, key: `otp-ip:${net}|free`, limit: limits.challengeAfter, windowMs: HOUR, means: 'unproven' }];
  return [
    ...entry,
    { org, key: networkKey(r), limit: limits.codesPerHour, windowMs: HOUR, means: 'network' },
    { org: PLATFORM, key: `otp-ip:${net}`, limit: platformPerHour, windowMs: HOUR, means: 'network' },
  ];
}

/**
 * The gates a request for a code to `email` passes, in order (a refusal spends none after it), and the budget the
 * code will be checked against. The requester's own gates come first, so a client over its limit never spends a
 * shared one; a budget whose checks are spent sends nothing (a code nobody could check). `proof`: the gates of a
 * solved challenge, for a sign-in past its network's free codes.
 */
export function sendGates(org: string, email: string, r: Requester, proof?: SendGate[]): { gates: SendGate[]; budget: string } {
  const budget = budgetOf(r.purpose, email, r.purpose === 'sign-in' ? r.device : undefined);
  const checks: SendGate = { ...checkGate(org, budget), record: false, means: 'checks' };
  const sends = { org, key: budget, limit: OTP_RULES.sendsPerHourPerAddress, windowMs: HOUR };
  if (r.purpose === 'sign-in') {
    const own = { ...sends, cooldownMs: OTP_RULES.resendCooldownMs };
    // A remembered browser's budget is its own: someone spamming from the same network does not spend it.
    if (r.device) return { budget, gates: [checks, own] };
    // The address's sends are checked before the network's gates and recorded after them: a resend refused by its
    // cool-down or its hourly limit spends neither the network's free codes, nor a solved challenge, nor the
    // organisation's or the platform's budget. (Parallel requests for one address may all pass the check, and all
    // but one then spend the network's; that is as many as the script sends at once, not as often as it asks.)
    return { budget, gates: [checks, { ...own, record: false }, ...networkGates(org, r, proof), own] };
  }
  const customer = {
    org,
    key: `email-change-customer:${r.customer}`,
    limit: OTP_RULES.sendsPerHourPerCustomer,
    windowMs: HOUR,
    cooldownMs: OTP_RULES.resendCooldownMs,
  };
  const network = { org: PLATFORM, key: `email-change-ip:${clientNetwork(r.ip)}`, limit: OTP_RULES.emailChangesPerHourPerNetwork, windowMs: HOUR };
  return { budget, gates: [customer, network, checks, sends] };
}
