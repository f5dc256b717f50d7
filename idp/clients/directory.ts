// Client registrations as oidc-provider asks for them on every authorization and token request, kept in memory by
// each server instance and dropped as soon as one changes anywhere (lib/feed-cache.ts): a rotated secret, an edited
// redirect URI or a deleted app applies on the next request, on every instance.
import type { ChangeFeed } from '../../lib/changes.ts';
import { FeedCache } from '../../lib/feed-cache.ts';
import type { Secrets } from '../secrets.ts';
import { ClientModel, type StoredClient } from './model.ts';
import { findClientMetadata } from './service.ts';

export type Clients = {
  /** What oidc-provider's adapter returns for a client: its metadata with the secret unsealed (a fresh copy). */
  metadata(org: string, clientId: string): Promise<Record<string, unknown> | undefined>;
};

type Entry = { _id: unknown; org: string; clientId: string; metadata: Record<string, unknown> };

const keyOf = (org: string, clientId: string) => `${org} ${clientId}`;
const keysOf = (c: Partial<Pick<StoredClient, 'org' | 'clientId'>>) =>
  typeof c.org === 'string' && typeof c.clientId === 'string' ? [keyOf(c.org, c.clientId)] : [];

export function clientDirectory(feed: ChangeFeed, secrets: Secrets): Clients {
  const cache = new FeedCache<Entry>(feed, ClientModel.collection.collectionName, keysOf);
  return {
    async metadata(org, clientId) {
      const entry = await cache.get(keyOf(org, clientId), async () => {
        const found = await findClientMetadata(secrets, org, clientId);
        return found ? { _id: found._id, org, clientId, metadata: found.metadata } : null;
      });
      return entry ? { ...entry.metadata } : undefined;
    },
  };
}
