// The organisation of a request, resolved once from the URL. idp/ owns organisations; everything else reads this
// small, public view of one (never its keys), so portal/ needs nothing from idp/ to scope its own data.
import type { Middleware } from 'koa';
import { NotFound } from './errors.ts';

export type Tenant = {
  id: string;
  slug: string;
  name: string;
  issuer: string;
  timeZone: string;
  locale: string;
};

type OrganisationFields = { _id: string; slug: string; name: string; settings?: { timeZone?: string; locale?: string } };

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

/**
 * Tenants from `find`, the identity provider's organisations by slug (each instance keeps them in memory and drops
 * one as soon as it changes): one view per organisation document, made once.
 */
export function createTenants(publicUrl: string, find: (slug: string) => Promise<OrganisationFields | null>): Tenants {
  const views = new WeakMap<OrganisationFields, Tenant>();
  return {
    async find(slug) {
      const org = await find(slug);
      if (!org) return null;
      let tenant = views.get(org);
      if (!tenant) {
        tenant = tenantOf(publicUrl, org);
        views.set(org, tenant);
      }
      return tenant;
    },
  };
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
