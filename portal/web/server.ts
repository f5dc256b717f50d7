// The Customer Portal's server: the shared first-party app server (portal/bff) calling the Client API, and the page
// that boots the portal app with its configuration: the primary portal at /<org>/portal, others at /<org>/portal/<slug>.
import type { Middleware } from 'koa';
import { portalBase, portalClient } from '../../lib/first-party.ts';
import { apiResource } from '../../lib/resources.ts';
import { createBff, type BffCtx, type BffDeps } from '../bff/bff.ts';
import { NotFound } from '../../lib/errors.ts';
import { DEFAULT_BRANDING } from '../api/portals/branding.ts';
import { getPortal, primaryPortal } from '../api/portals/service.ts';

export function createPortalWeb(deps: BffDeps): Middleware {
  const { router, shell, middleware } = createBff(deps, {
    name: 'portal',
    dir: 'portal/web',
    client: portalClient,
    base: portalBase,
    scope: 'openid email profile profile:write bookings bookings:write payments payments:write memberships memberships:write connected_apps forms',
    resource: apiResource,
    apiRoot: (slug) => `/${slug}/api/v1/`,
    // Stripe.js, loaded only where a card is collected (portal/shared/stripe.ts): its script, the frames of the
    // Payment Element and 3-D Secure, and its API.
    // Stripe's own list for Stripe.js with 3-D Secure: its script, its frames (hooks.stripe.com shows the bank's challenge), its API.
    csp: { script: ['https://js.stripe.com'], frame: ['https://js.stripe.com', 'https://hooks.stripe.com'], connect: ['https://api.stripe.com'] },
  });

  // The primary portal's branding as CSS custom properties, for the DOM package's widgets on the business's own
  // website: a stylesheet, which a page of any origin may load, holding nothing personal; cached for five minutes.
  router.get('/branding.css', async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    const b = await getPortal(t.id).then(
      (p) => p.branding,
      (err: unknown) => {
        if (err instanceof NotFound) return DEFAULT_BRANDING; // a GET anyone may send creates nothing
        throw err;
      },
    );
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = `:root{--portico-brand:${b.primaryColor};--portico-brand-contrast:#ffffff;--portico-accent:${b.accentColor};--portico-font:${b.fontFamily}}\n`;
  });

  router.get(['/', '/:portal'], async (ctx: BffCtx) => {
    const t = ctx.state.tenant;
    const portal = ctx.params.portal ? await getPortal(t.id, ctx.params.portal) : await primaryPortal(t.id, t.name);
    // In the admin console's editor the portal runs framed by our own page, and takes unsaved drafts from it.
    const preview = ctx.query.preview === '1';
    await shell(ctx, 'documents/portal-shell', (s) => ({ portal, customer: s.customer, ...(preview ? { preview: true } : {}) }), { portal }, preview);
  });

  return middleware;
}
