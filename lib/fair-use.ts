// Fair use of the APIs within one server instance: a token bucket per caller and one per organisation, taken after
// the access token is verified. They live in memory on purpose: what they protect is this process's CPU and its
// database connections, they cost no database operation, and each of N instances allows as much again.
import { TooManyRequests } from './errors.ts';

export type Limit = { rate: number; burst: number };
/** Requests per second, sustained, and in a burst of twice as many (API_RATE_PER_CALLER, API_RATE_PER_ORG). */
export const limitOf = (rate: number): Limit => ({ rate, burst: 2 * rate });

type Bucket = { tokens: number; at: number };

/** Token buckets by key: `take` spends one token or says how many seconds until there is one. */
export class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limit: Limit;
  constructor(limit: Limit) {
    this.limit = limit;
  }

  take(key: string, now = performance.now()): number {
    const b = this.refilled(key, now);
    if (b.tokens < 1) return this.waitFor(b);
    b.tokens -= 1;
    if (!this.buckets.has(key)) this.forgetIdle(now).set(key, b);
    return 0;
  }

  /** Seconds until `key` has a token (0: it has one now), spending none. */
  wait(key: string, now = performance.now()): number {
    return this.waitFor(this.refilled(key, now));
  }

  private refilled(key: string, now: number): Bucket {
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.rate);
    b.at = now;
    return b;
  }

  private waitFor(b: Bucket): number {
    return b.tokens < 1 ? Math.ceil((1 - b.tokens) / this.limit.rate) : 0;
  }

  /** Keeps the map bounded: a bucket that has filled up again is the same as no bucket. */
  private forgetIdle(now: number) {
    if (this.buckets.size < 10_000) return this.buckets;
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.limit.rate >= this.limit.burst) this.buckets.delete(key);
    return this.buckets;
  }
}

const refusal = (wait: number) => new TooManyRequests('Too many requests: slow down and try again shortly.', wait);

/**
 * One request's share: the caller's bucket first (so one caller only ever exhausts its own), then the
 * organisation's (so one organisation cannot starve the others). `take` spends one of each or throws 429 with
 * Retry-After; `check` throws the same without spending, so a flood past its share is refused before its token is
 * verified (a forged token naming someone else spends nothing of theirs: only verified requests `take`).
 */
export function fairUse(limits: { caller: Limit; organisation: Limit }) {
  const callers = new Buckets(limits.caller);
  const organisations = new Buckets(limits.organisation);
  return {
    check(org: string, caller: string): void {
      const wait = callers.wait(`${org}|${caller}`) || organisations.wait(org);
      if (wait) throw refusal(wait);
    },
    take(org: string, caller: string): void {
      const wait = callers.take(`${org}|${caller}`) || organisations.take(org);
      if (wait) throw refusal(wait);
    },
  };
}

/** The process's shares: every API that takes bearer tokens takes from them. The first server sets the rates. */
let shares: ReturnType<typeof fairUse> | undefined;
export function setApiRates(rates: { caller: number; organisation: number }): void {
  shares ??= fairUse({ caller: limitOf(rates.caller), organisation: limitOf(rates.organisation) });
}
export const checkShare = (org: string, caller: string) => shares?.check(org, caller);
export const takeShare = (org: string, caller: string) => shares?.take(org, caller);

/** Who a token's claims say is calling: a machine client, or one customer whatever app they use. */
export const callerOf = (claims: { sub?: unknown; client_id?: unknown }) =>
  claims.sub !== claims.client_id ? `customer ${String(claims.sub)}` : `client ${String(claims.client_id)}`;
