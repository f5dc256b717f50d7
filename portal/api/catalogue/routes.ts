import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { requireRole } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import type { BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import * as catalogue from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };

/** List, read, create, edit and delete one kind of entry (the catalogue's, plans, packs), each change audited. */
export function crud<I extends z.ZodType, P extends z.ZodType, V extends { id: string }>(
  router: Router,
  path: string,
  what: string,
  ops: {
    /** How the entry's ids look (the catalogue's by default). */
    id?: z.ZodType<string>;
    input: I;
    patch: P;
    list(org: string): Promise<V[]>;
    get(org: string, id: string): Promise<V>;
    create(org: string, input: z.infer<I>): Promise<V>;
    update(org: string, id: string, patch: z.infer<P>): Promise<{ before: V; after: V }>;
    remove(org: string, id: string): Promise<V>;
  },
) {
  const write = requireRole('admin');
  const idOf = (ctx: Ctx) => validate(ops.id ?? catalogue.catalogueId, ctx.params.id);
  router.get(`/${path}`, async (ctx: Ctx) => {
    ctx.body = { items: await ops.list(ctx.state.tenant.id) };
  });
  router.post(`/${path}`, write, async (ctx: Ctx) => {
    const created = await ops.create(ctx.state.tenant.id, validate(ops.input, await readBody(ctx)));
    await audit(ctx, `${what}.create`, created.id, { after: created });
    ctx.status = 201;
    ctx.body = created;
  });
  router.get(`/${path}/:id`, async (ctx: Ctx) => {
    ctx.body = await ops.get(ctx.state.tenant.id, idOf(ctx));
  });
  router.patch(`/${path}/:id`, write, async (ctx: Ctx) => {
    const id = idOf(ctx);
    const { before, after } = await ops.update(ctx.state.tenant.id, id, validate(ops.patch, await readBody(ctx)));
    await audit(ctx, `${what}.update`, id, { before, after });
    ctx.body = after;
  });
  router.delete(`/${path}/:id`, write, async (ctx: Ctx) => {
    const id = idOf(ctx);
    const before = await ops.remove(ctx.state.tenant.id, id);
    await audit(ctx, `${what}.delete`, id, { before });
    ctx.status = 204;
  });
}

export function catalogueAdminRoutes(router: Router) {
  const c = catalogue;
  crud(router, 'locations', 'location', {
    input: c.locationInput,
    patch: c.locationPatch,
    list: c.listLocations,
    get: c.getLocation,
    create: c.createLocation,
    update: c.updateLocation,
    remove: c.deleteLocation,
  });
  crud(router, 'resources', 'resource', {
    input: c.resourceInput,
    patch: c.resourcePatch,
    list: c.listResources,
    get: c.getResource,
    create: c.createResource,
    update: c.updateResource,
    remove: c.deleteResource,
  });
  crud(router, 'services', 'service', {
    input: c.serviceInput,
    patch: c.servicePatch,
    list: (org) => c.listServices(org),
    get: c.getService,
    create: c.createService,
    update: c.updateService,
    remove: c.deleteService,
  });
}

/** What customers' apps may read of the catalogue: active services with where and by whom. */
export function catalogueClientRoutes(router: Router) {
  router.get('/services', async (ctx: Ctx) => {
    ctx.body = { items: await catalogue.publicServices(ctx.state.tenant.id) };
  });
  router.get('/services/:id', async (ctx: Ctx) => {
    ctx.body = (await catalogue.publicServices(ctx.state.tenant.id, validate(catalogue.catalogueId, ctx.params.id)))[0];
  });
}
