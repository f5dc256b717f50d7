// The identity provider as one Koa middleware: `/<org>/interaction/*` pages, and every other `/<org>/*` path
// handed to that organisation's oidc-provider (discovery, authorize, token, userinfo, JWKS, end_session...).
import Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import { NotFound } from '../lib/errors.ts';
import { tenantOf } from '../lib/tenants.ts';
import type { Mailer } from '../lib/mailer.ts';
import { adminApiRoutes } from './admin-api.ts';
import { profileRoutes } from './customers/routes.ts';
import { connectedAppRoutes } from './grants/routes.ts';
import { interactionRoutes, type IdpState } from './interactions/routes.ts';
import type { IdpDeps } from './provider/configuration.ts';
import { createProviderRegistry, type ProviderRegistry } from './provider/registry.ts';

const ORG_PREFIX = /^\/([a-z0-9][a-z0-9-]{0,39})(\/.*)?$/;

export function createIdp(deps: IdpDeps & { mailer: Mailer }): { middleware: Middleware; registry: ProviderRegistry } {
  const registry = createProviderRegistry(deps);
  const router = new Router<IdpState>();
  router.param('org', async (slug, ctx, next) => {
    const org = await registry.organisation(slug);
    if (!org) throw new NotFound(`No organisation "${slug}".`);
    ctx.state.org = org;
    ctx.state.tenant = tenantOf(deps.config.publicUrl, org);
    ctx.state.provider = registry.provider(org);
    return next();
  });
  interactionRoutes(router, deps);
  profileRoutes(router, deps);
  connectedAppRoutes(router, deps);
  adminApiRoutes(router, deps);

  // Each provider is a Koa app of its own (its cookie keys, proxy setting and error pages): the request is handed
  // over whole, with the path made relative to the issuer and the prefix kept where oidc-provider looks for it.
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const mountProvider: Middleware = async (ctx, next) => {
    const match = ORG_PREFIX.exec(ctx.path);
    const org = match && (await registry.organisation(match[1]!));
    if (!org) return next();
    const provider = registry.provider(org);
    let handle = handlers.get(provider);
    if (!handle) handlers.set(provider, (handle = provider.callback()));
    const req = ctx.req as typeof ctx.req & { originalUrl?: string };
    req.originalUrl = req.url;
    const rest = req.url!.slice(org.slug.length + 1); // '', '/…' or '?…'
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    ctx.respond = false;
    await handle(req, ctx.res);
  };

  return { middleware: compose([router.routes() as Middleware, mountProvider]), registry };
}
