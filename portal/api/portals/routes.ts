import type Router from '@koa/router';
import type { Context } from 'koa';
import type { BearerState } from '../../../lib/bearer.ts';
import { audit } from '../../../lib/audit.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { requireRole } from '../../../lib/access.ts';
import * as portals from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };
const slugParam = (ctx: Ctx) => validate(portals.portalSlug, ctx.params.slug);

export function portalAdminRoutes(router: Router) {
  const write = requireRole('admin');
  router.get('/portals', async (ctx: Ctx) => {
    ctx.body = { items: await portals.listPortals(ctx.state.tenant.id) };
  });
  router.post('/portals', write, async (ctx: Ctx) => {
    const input = validate(portals.createPortalInput, await readBody(ctx));
    const created = await portals.createPortal(ctx.state.tenant.id, input);
    await audit(ctx, 'portal.create', created.slug, { after: created });
    ctx.status = 201;
    ctx.body = created;
  });
  router.get('/portals/:slug', async (ctx: Ctx) => {
    ctx.body = await portals.getPortal(ctx.state.tenant.id, slugParam(ctx));
  });
  router.patch('/portals/:slug', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const input = validate(portals.updatePortalInput, await readBody(ctx));
    const { before, after } = await portals.updatePortal(ctx.state.tenant.id, slug, input);
    await audit(ctx, 'portal.update', slug, { before, after });
    ctx.body = after;
  });
  router.delete('/portals/:slug', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const before = await portals.deletePortal(ctx.state.tenant.id, slug);
    await audit(ctx, 'portal.delete', slug, { before });
    ctx.status = 204;
  });
  router.put('/portals/:slug/primary', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const before = (await portals.listPortals(ctx.state.tenant.id)).find((p) => p.primary)?.slug;
    ctx.body = await portals.setPrimary(ctx.state.tenant.id, slug);
    await audit(ctx, 'portal.primary', slug, { before: { primary: before }, after: { primary: slug } });
  });
  router.put('/portals/:slug/sections', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const input = validate(portals.sectionsInput, await readBody(ctx));
    const { before, after } = await portals.replaceSections(ctx.state.tenant.id, slug, input);
    await audit(ctx, 'portal.sections', slug, { before: before.sections, after: after.sections });
    ctx.body = after;
  });
  router.patch('/portals/:slug/sections/:key', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const input = validate(portals.sectionPatch, await readBody(ctx));
    const { before, after } = await portals.patchSection(ctx.state.tenant.id, slug, ctx.params.key!, input);
    await audit(ctx, 'portal.sections', slug, { before: before.sections, after: after.sections });
    ctx.body = after;
  });
}

/** What a portal app renders: the configuration of the primary portal or of one by slug. */
export function portalClientRoutes(router: Router) {
  router.get('/portal', async (ctx: Ctx) => {
    ctx.body = await portals.getPortal(ctx.state.tenant.id);
  });
  router.get('/portals/:slug', async (ctx: Ctx) => {
    ctx.body = await portals.getPortal(ctx.state.tenant.id, slugParam(ctx));
  });
}
