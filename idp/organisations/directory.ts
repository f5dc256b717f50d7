// Organisations as requests find them (by the slug in the URL, or by id), kept in memory by each server instance and
// dropped as soon as one changes anywhere (lib/feed-cache.ts): a new key ring, staff list or setting applies on the
// next request, on every instance.
import type { ChangeFeed } from '../../lib/changes.ts';
import { FeedCache } from '../../lib/feed-cache.ts';
import { OrganisationModel, type Organisation } from './model.ts';

export type Organisations = {
  bySlug(slug: string): Promise<Organisation | null>;
  byId(id: string): Promise<Organisation | null>;
};

const keysOf = (o: Partial<Organisation>) => [
  ...(typeof o.slug === 'string' ? [`slug:${o.slug}`] : []),
  ...(typeof o._id === 'string' ? [`id:${o._id}`] : []),
];

/** The organisations cache of this instance. Its documents are shared: read them, never change them. */
export function organisationDirectory(feed: ChangeFeed): Organisations {
  const cache = new FeedCache<Organisation>(feed, OrganisationModel.collection.collectionName, keysOf);
  return {
    bySlug: (slug) => cache.get(`slug:${slug}`, () => OrganisationModel.findOne({ slug }).lean<Organisation>()),
    byId: (id) => cache.get(`id:${id}`, () => OrganisationModel.findOne({ _id: id }).lean<Organisation>()),
  };
}
