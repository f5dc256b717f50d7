// The identity provider as one Koa middleware: `/<org>/interaction/*` pages, and every other `/<org>/*` path
// handed to that organisation's oidc-provider (discovery, authorize, token, userinfo, JWKS, end_session...).
import Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { CustomerLookup, RoleLookup } from '../lib/access.ts';
import type { TokenStanding } from '../lib/bearer.ts';
import { findCustomer } from './customers/service.ts';
import type { ChangeFeed } from '../lib/changes.ts';
import { NotFound } from '../lib/errors.ts';
import { tenantOf } from '../lib/tenants.ts';
import type { Mailer } from '../lib/mailer.ts';
import type { StaffRole } from '../lib/resources.ts';
import { adminApiRoutes } from './admin-api.ts';
import { clientDirectory } from './clients/directory.ts';
import { profileRoutes } from './customers/routes.ts';
import { connectedAppRoutes } from './grants/routes.ts';
import { tokenStanding } from './grants/standing.ts';
import { interactionRoutes, type IdpState } from './interactions/routes.ts';
import { trustBrowserRoutes } from './interactions/trust-browser.ts';
import { organisationDirectory, type Organisations } from './organisations/directory.ts';
import { unitOfWork } from './provider/adapter.ts';
import type { IdpDeps } from './provider/configuration.ts';
import { createProviderRegistry, type ProviderRegistry } from './provider/registry.ts';

const ORG_PREFIX = /^\/([a-z0-9][a-z0-9-]{0,39})(\/.*)?$/;
const ROUTED = /^\/[^/]+\/(interaction|api|admin)\//;

export function createIdp(deps: IdpDeps & { mailer: Mailer; changes: ChangeFeed }): {
  middleware: Middleware;
  registry: ProviderRegistry;
  organisations: Organisations;
  roles: RoleLookup;
  customers: CustomerLookup;
  standing: TokenStanding;
} {
  const organisations = organisationDirectory(deps.changes);
  const clients = clientDirectory(deps.changes, deps.secrets);
  const registry = createProviderRegistry(deps, organisations, clients);
  const roles: RoleLookup = {
    staff: async (org, email) => (await organisations.byId(org))?.staff.find((s) => s.email === email)?.role,
    client: async (org, clientId) => (await clients.metadata(org, clientId))?.admin_role as StaffRole | undefined,
  };
  const standing = tokenStanding(clients);
  const router = new Router<IdpState>();
  router.use(unitOfWork); // the pages and APIs here read and write oidc-provider's storage too (./provider/adapter.ts)
  router.param('org', async (slug, ctx, next) => {
    const org = await registry.organisation(slug);
    if (!org) throw new NotFound(`No organisation "${slug}".`);
    ctx.state.org = org;
    ctx.state.tenant = tenantOf(deps.config.publicUrl, org);
    ctx.state.provider = registry.provider(org);
    return next();
  });
  trustBrowserRoutes(router, deps);
  interactionRoutes(router, deps);
  profileRoutes(router, deps, standing);
  connectedAppRoutes(router, deps, standing);
  adminApiRoutes(router, deps, roles, standing);

  // Each provider is a Koa app of its own (its cookie keys, proxy setting and error pages): the request is handed
  // over whole, with the path made relative to the issuer and the prefix kept where oidc-provider looks for it.
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const mountProvider: Middleware = async (ctx, next) => {
    const match = ORG_PREFIX.exec(ctx.path);
    const org = match && (await registry.organisation(match[1]!));
    if (!org) return next();
    const provider = registry.provider(org);
    let handle = handlers.get(provider);
    if (!handle) {
      handle = provider.callback();
      handlers.set(provider, handle);
    }
    const req = ctx.req as typeof ctx.req & { originalUrl?: string };
    req.originalUrl = req.url;
    const rest = req.url!.slice(org.slug.length + 1); // '', '/…' or '?…'
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    ctx.respond = false;
    await handle(req, ctx.res);
  };

  // The router's paths (sign-in pages, the Client API's profile and connected apps, the Admin API's apps and staff)
  // are known by their second segment; every other path is the provider's and skips the router's matching.
  const routes = router.routes() as Middleware;
  const routed: Middleware = (ctx, next) => (ROUTED.test(ctx.path) ? routes(ctx, next) : next());
  const customers: CustomerLookup = {
    async find(org, id) {
      const c = await findCustomer(org, id);
      return c ? { email: c.email, ...(c.name ? { name: c.name } : {}) } : undefined;
    },
  };
  return { middleware: compose([routed, mountProvider]), registry, organisations, roles, customers, standing };
}
