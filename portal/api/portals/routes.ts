import type Router from '@koa/router';
import type { Context } from 'koa';
import type { BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { requireRole } from '../access.ts';
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
    ctx.status = 201;
    ctx.body = await portals.createPortal(ctx.state.tenant.id, input);
  });
  router.get('/portals/:slug', async (ctx: Ctx) => {
    ctx.body = await portals.getPortal(ctx.state.tenant.id, slugParam(ctx));
  });
  router.patch('/portals/:slug', write, async (ctx: Ctx) => {
    const input = validate(portals.updatePortalInput, await readBody(ctx));
    ctx.body = await portals.updatePortal(ctx.state.tenant.id, slugParam(ctx), input);
  });
  router.delete('/portals/:slug', write, async (ctx: Ctx) => {
    await portals.deletePortal(ctx.state.tenant.id, slugParam(ctx));
    ctx.status = 204;
  });
  router.put('/portals/:slug/primary', write, async (ctx: Ctx) => {
    ctx.body = await portals.setPrimary(ctx.state.tenant.id, slugParam(ctx));
  });
  router.put('/portals/:slug/sections', write, async (ctx: Ctx) => {
    const input = validate(portals.sectionsInput, await readBody(ctx));
    ctx.body = await portals.replaceSections(ctx.state.tenant.id, slugParam(ctx), input);
  });
  router.patch('/portals/:slug/sections/:key', write, async (ctx: Ctx) => {
    const input = validate(portals.sectionPatch, await readBody(ctx));
    ctx.body = await portals.patchSection(ctx.state.tenant.id, slugParam(ctx), ctx.params.key!, input);
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
