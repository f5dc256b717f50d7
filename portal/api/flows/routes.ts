// Admin API for Customer Flows: design a flow's draft, publish versions, and read the forms customers sent; the
// Client API's forms: a customer reads their own.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireRole, type CustomerLookup } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { NotFound } from '../../../lib/errors.ts';
import { readBody, validate } from '../../../lib/http.ts';
import * as flows from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };
const slugParam = (ctx: Ctx) => validate(flows.flowSlug, ctx.params.slug);

export const flowAdminRoutes = (customers: CustomerLookup, preview: flows.FlowPreview) => (router: Router) => {
  const write = requireRole('admin');
  router.get('/flows', async (ctx: Ctx) => {
    ctx.body = { items: await flows.listFlows(ctx.state.tenant.id) };
  });
  router.post('/flows', write, async (ctx: Ctx) => {
    const input = validate(flows.createFlowInput, await readBody(ctx));
    const created = await flows.createFlow(ctx.state.tenant.id, input);
    await audit(ctx, 'flow.create', created.slug, { after: created });
    ctx.status = 201;
    ctx.body = created;
  });
  router.get('/flows/:slug', async (ctx: Ctx) => {
    ctx.body = await flows.getFlow(ctx.state.tenant.id, slugParam(ctx));
  });
  router.patch('/flows/:slug', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const input = validate(flows.updateFlowInput, await readBody(ctx));
    const { before, after } = await flows.updateFlow(ctx.state.tenant.id, slug, input);
    await audit(ctx, 'flow.update', slug, { before, after });
    ctx.body = after;
  });
  router.delete('/flows/:slug', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const before = await flows.deleteFlow(ctx.state.tenant.id, slug);
    await audit(ctx, 'flow.delete', slug, { before });
    ctx.status = 204;
  });
  router.post('/flows/:slug/versions', write, async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const published = await flows.publishFlow(ctx.state.tenant.id, slug);
    await audit(ctx, 'flow.publish', slug, { after: published });
    ctx.status = 201;
    ctx.body = published;
  });
  // Changes nothing, so any staff role may look: the console shows it beside the (read-only, for them) editor.
  router.post('/flows/:slug/preview', async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const input = validate(flows.previewInput, await readBody(ctx));
    const draft = await flows.previewDraft(ctx.state.tenant.id, slug, input);
    ctx.body = { html: await preview(ctx.state.tenant, draft, input.index, input.nonce) };
  });
  router.get('/flows/:slug/versions/:version', async (ctx: Ctx) => {
    const slug = slugParam(ctx);
    const { version } = await flows.getVersion(ctx.state.tenant.id, slug, validate(flows.flowVersion, ctx.params.version));
    ctx.body = flows.versionView(slug, version);
  });
  // Another organisation's customer is "not found", like one that does not exist, never an empty list.
  router.get('/customers/:id/forms', async (ctx: Ctx) => {
    const customer = validate(flows.customerId, ctx.params.id);
    if (!(await customers.find(ctx.state.tenant.id, customer))) throw new NotFound('No such customer.');
    ctx.body = await flows.customerForms(ctx.state.tenant.id, customer, validate(flows.formsQuery, ctx.query));
  });
};

/** Client API: the signed-in customer's own forms, as staff see them (scope `profile`: reading your own record). */
export const flowClientRoutes = (router: Router) => {
  // Answers may be about health: first-party apps only (a scope no third-party app is granted).
  const read = requireScope('forms', { customer: true });
  router.get('/forms', read, async (ctx: Ctx) => {
    ctx.body = await flows.customerForms(ctx.state.tenant.id, ctx.state.principal.sub, validate(flows.formsQuery, ctx.query));
  });
  router.get('/forms/:id', read, async (ctx: Ctx) => {
    ctx.body = await flows.customerForm(ctx.state.tenant.id, ctx.state.principal.sub, validate(flows.formId, ctx.params.id));
  });
};
