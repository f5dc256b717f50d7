// The admin console's server: the shared first-party app server (portal/bff) calling the Admin API for a signed-in
// staff member, and the page that boots the console at /<org>/admin. What a person may do is decided by the Admin
// API on every call; the console only hides what their role cannot do.
import type { Middleware } from 'koa';
import { adminBase, adminClient, portalBase } from '../../lib/first-party.ts';
import { adminResource } from '../../lib/resources.ts';
import { pageNonce } from '../../lib/security-headers.ts';
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
      // The nonce: a flow preview's frame (srcdoc) keeps this page's policy, and its style needs it (pages/flows.tsx).
      (s) => ({ staff: s.customer, portalUrl: new URL(portalBase(deps.config.publicUrl, t.slug)).pathname, issuer: t.issuer, nonce: pageNonce() }),
      {
        title: `${t.name} admin`,
      },
    );
  });

  return middleware;
}
