// Whether an access token's grant still stands, as the APIs ask on every request (lib/bearer.ts TokenStanding).
// Chosen over shorter token lifetimes: tokens keep their 15 minutes (no refresh every minute for every app and
// session), and a revoked grant is refused at once on the instance that revoked it and within STANDING_TTL_MS on
// the others, for one indexed read per grant per instance per TTL instead of one per request.
import type { TokenStanding } from '../../lib/bearer.ts';
import { onLocalWrites } from '../../lib/feed-cache.ts';
import type { Clients } from '../clients/directory.ts';
import { OidcPayloadModel } from '../provider/adapter.ts';
import { grantIsLive } from './service.ts';

/** How long an instance trusts what it last read of a grant: well inside the minute a revocation may take. */
export const STANDING_TTL_MS = 30_000;
/** Grants remembered at most (oldest out first): a busy instance's working set, not every grant there is. */
const MAX_GRANTS = 50_000;

type Entry = { live: Promise<boolean>; until: number };

/** A grant-liveness cache over `load`: each grant read at most once per `ttlMs`, and `forget` for revocations seen. */
export function grantCache(
  load: (org: string, grantId: string) => Promise<boolean>,
  options: { ttlMs?: number; now?: () => number; max?: number } = {},
) {
  const { ttlMs = STANDING_TTL_MS, now = Date.now, max = MAX_GRANTS } = options;
  const entries = new Map<string, Entry>();
  const keyOf = (org: string, grantId: string) => `${org} ${grantId}`;
  return {
    live(org: string, grantId: string): Promise<boolean> {
      const key = keyOf(org, grantId);
      const hit = entries.get(key);
      if (hit && hit.until > now()) return hit.live;
      entries.delete(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      const live = load(org, grantId);
      const entry = { live, until: now() + ttlMs };
      entries.set(key, entry);
      live.catch(() => entries.get(key) === entry && entries.delete(key)); // a failed read is not remembered
      return live;
    },
    forget(org: string, grantId: string): void {
      entries.delete(keyOf(org, grantId));
    },
  };
}

type Filter = { org?: unknown; _id?: unknown; grantId?: unknown };

/** The grants a write to oidc-provider's storage names: by grantId (revocations) or a grant's own _id (destroy). */
function grantsNamed(filter: Filter | undefined): string[] {
  if (!filter || typeof filter !== 'object') return [];
  const { grantId, _id } = filter;
  const byGrant =
    typeof grantId === 'string'
      ? [grantId]
      : Array.isArray((grantId as { $in?: unknown })?.$in)
        ? ((grantId as { $in: unknown[] }).$in.filter((g) => typeof g === 'string') as string[])
        : [];
  const own = typeof _id === 'string' ? /\/Grant\/(.+)$/.exec(_id)?.[1] : undefined;
  return own ? [...byGrant, own] : byGrant;
}

/**
 * The identity provider's answer to "does this token still stand": a customer's token while its grant lives (one
 * without a grant is from before grants were named, and is refreshed), an app's own token while it is registered
 * (registrations are cached and dropped on change everywhere, ./clients/directory.ts).
 */
export function tokenStanding(clients: Clients): TokenStanding {
  const grants = grantCache(grantIsLive);
  // A revocation made by this instance applies to its very next request.
  onLocalWrites(OidcPayloadModel.collection.collectionName, (method, arg) => {
    if (!/^(delete|update|bulkWrite)/.test(method)) return;
    const filters =
      method === 'bulkWrite' && Array.isArray(arg)
        ? arg.map((op) => (Object.values(op as object)[0] as { filter?: Filter } | undefined)?.filter)
        : [arg as Filter];
    for (const filter of filters) if (typeof filter?.org === 'string') for (const id of grantsNamed(filter)) grants.forget(filter.org, id);
  });
  return async (org, token) => {
    if (!token.customer) return Boolean(await clients.metadata(org, token.clientId));
    return token.grantId ? grants.live(org, token.grantId) : false;
  };
}
