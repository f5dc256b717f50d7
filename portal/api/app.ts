// The Client API (`/<org>/api/v1`, for customers' apps) and the Admin API (`/<org>/admin/v1`, for staff), each a
// resource server of the organisation's issuer. The organisation comes from the URL, once, into ctx.state.tenant.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { tenantParam, type Tenants } from '../../lib/tenants.ts';
import { adminAuth, clientAuth } from './access.ts';
import { companyAdminRoutes, companyClientRoutes } from './company/routes.ts';
import { adminOpenApi, clientOpenApi } from './openapi.ts';
import { portalAdminRoutes, portalClientRoutes } from './portals/routes.ts';

export type ApiDeps = { internalUrl: string; tenants: Tenants };

function apiRouter(prefix: string, tenants: Tenants, openapi: (server: string) => object, auth: Middleware[], routes: ((r: Router) => void)[]) {
  const router = new Router({ prefix });
  router.param('org', tenantParam(tenants));
  // The description is public; everything else needs a token.
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi(`${ctx.state.tenant.issuer}${prefix.replace('/:org', '')}`);
  });
  const secured = new Router();
  for (const add of routes) add(secured);
  router.use(...auth, secured.routes() as Middleware);
  return router;
}

export function createPortalApi({ internalUrl, tenants }: ApiDeps): Middleware {
  const client = apiRouter('/:org/api/v1', tenants, clientOpenApi, [clientAuth(internalUrl)], [portalClientRoutes, companyClientRoutes]);
  const admin = apiRouter('/:org/admin/v1', tenants, adminOpenApi, adminAuth(internalUrl), [portalAdminRoutes, companyAdminRoutes]);
  return compose([client.routes() as Middleware, admin.routes() as Middleware]);
}
