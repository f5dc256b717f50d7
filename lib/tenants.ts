// The organisation of a request, resolved once from the URL. idp/ owns organisations; everything else reads this
// small, public view of one (never its keys), so portal/ needs nothing from idp/ to scope its own data.
import type { Middleware } from 'koa';
import mongoose from 'mongoose';
import { NotFound } from './errors.ts';
import { shortCache } from './short-cache.ts';

export type Tenant = {
  id: string;
  slug: string;
  name: string;
  issuer: string;
  timeZone: string;
  locale: string;
};

const CACHE_MS = 1000;

type OrganisationFields = { _id: string; slug: string; name: string; settings?: { timeZone?: string; locale?: string } };

const organisations = () => mongoose.connection.collection<OrganisationFields>('organisations');

export function tenantOf(publicUrl: string, org: OrganisationFields): Tenant {
  return {
    id: org._id,
    slug: org.slug,
    name: org.name,
    issuer: `${publicUrl}/${org.slug}`,
    timeZone: org.settings?.timeZone ?? 'UTC',
    locale: org.settings?.locale ?? 'en',
  };
}

export type Tenants = { find(slug: string): Promise<Tenant | null> };

export function createTenants(publicUrl: string): Tenants {
  const find = shortCache(async (slug) => {
    const doc = await organisations().findOne({ slug }, { projection: { slug: 1, name: 1, settings: 1 } });
    return doc && tenantOf(publicUrl, doc);
  }, CACHE_MS);
  return { find };
}

/** The `:org` router parameter: resolves the organisation once into ctx.state.tenant, or answers 404. */
export function tenantParam(tenants: Tenants) {
  return async (slug: string, ctx: Parameters<Middleware>[0], next: () => Promise<unknown>) => {
    const tenant = await tenants.find(slug);
    if (!tenant) throw new NotFound(`No organisation "${slug}".`);
    ctx.state.tenant = tenant;
    return next();
  };
}

