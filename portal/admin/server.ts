// The admin console's server: the shared first-party app server (portal/bff) calling the Admin API for a signed-in
// staff member, and the page that boots the console at /<org>/admin. What a person may do is decided by the Admin
// API on every call; the console only hides what their role cannot do.
import type { Middleware } from 'koa';
import { adminBase, adminClient, portalBase } from '../../lib/first-party.ts';
import { adminResource } from '../../lib/resources.ts';
import { createBff, type BffCtx, type BffDeps } from '../bff/bff.ts';

export function createAdminWeb(deps: BffDeps): Middleware {
  const { router, shell, middleware } = createBff(deps, {
    name: 'admin',
    dir: 'portal/admin',
    client: adminClient,
    base: adminBase,
    scope: 'openid email profile admin',
    resource: adminResource,
    apiRoot: (slug) => `/${slug}/admin/v1/`,
  });

  router.get('/', async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    await shell(
      ctx,
      'documents/admin-shell',
      (s) => ({ staff: s.customer, portalUrl: new URL(portalBase(deps.config.publicUrl, t.slug)).pathname, issuer: t.issuer }),
      {
        title: `${t.name} admin`,
      },
    );
  });

  return middleware;
}
