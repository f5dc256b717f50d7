// Memberships over HTTP. Customers (scope `memberships` to read, `memberships:write` to change) see plans and packs,
// join, and freeze, cancel or change their own membership after a preview; staff manage plans and packs, enrol
// customers, and make the same changes, with an override of the rules that needs a reason (kept in the audit log).
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { requireRole, type CustomerLookup } from '../../../lib/access.ts';
import { customerId } from '../../../lib/customer-id.ts';
import { NotFound } from '../../../lib/errors.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { crud } from '../catalogue/routes.ts';
import { getService } from '../catalogue/service.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import * as inputs from './inputs.ts';
import { creditFor, creditHistory, expireDue, openCredits } from './ledger.ts';
import { buyPack, packInUse } from './packs.ts';
import * as plans from './plans.ts';
import * as m from './service.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };
type Membership = Awaited<ReturnType<typeof m.findMembership>>;

const org = (ctx: Ctx) => ctx.state.tenant.id;
const idOf = (ctx: Ctx) => validate(inputs.membershipId, ctx.params.id);

/** Previews without what only the confirmation needs. */
const shownFreeze = ({ fromAt: _f, untilAt: _u, ...p }: m.FreezePreview) => p;
const shownCancel = ({ effectiveAt: _e, ...p }: Awaited<ReturnType<typeof m.cancelPreview>>) => p;
const shownChange = ({ plan: _p, scale: _s, currentBuckets: _c, ...p }: Awaited<ReturnType<typeof m.changePreview>>) => p;

/**
 * Freeze, cancel and change plan, each as a preview and a confirmation that runs the same rules again (so it does
 * exactly what a preview made now would say). `staff`: any customer's membership, with an override and its reason.
 */
function changeRoutes(router: Router, deps: PaymentDeps, staff: boolean, guard: Middleware) {
  const load = (ctx: Ctx) => m.findMembership(org(ctx), idOf(ctx), staff ? undefined : ctx.state.principal.sub);
  const view = (x: Membership) => (staff ? m.staffMembershipView(x) : m.membershipView(x));
  const done = async (ctx: Ctx, action: string, before: Membership, after: Membership, preview: object, reason?: string) => {
    ctx.body = { membership: view(after), preview };
    if (staff)
      await audit(ctx, `membership.${action}`, after._id, { before: view(before), after: { ...view(after), ...(reason ? { reason } : {}) } });
  };
  const body = async <S extends Parameters<typeof validate>[0]>(ctx: Ctx, schema: S) => validate(schema, await readBody(ctx));
  const freezeSchema = staff ? inputs.staffFreezeInput : inputs.freezeInput;
  const cancelSchema = staff ? inputs.staffCancelInput : inputs.cancelInput;
  const changeSchema = staff ? inputs.staffChangeInput : inputs.changeInput;
  const overriding = (b: object) => staff && (b as { override?: boolean }).override === true;
  const reasonOf = (b: object) => (b as { reason?: string }).reason;

  router.post('/memberships/:id/freeze/preview', guard, async (ctx: Ctx) => {
    const b = await body(ctx, freezeSchema);
    ctx.body = shownFreeze(m.freezePreview(await load(ctx), b, Date.now(), overriding(b)));
  });
  router.post('/memberships/:id/freeze', guard, async (ctx: Ctx) => {
    const b = await body(ctx, freezeSchema);
    const now = Date.now();
    const before = await load(ctx);
    const p = m.freezePreview(before, b, now, overriding(b));
    await done(ctx, 'freeze', before, await m.freeze(deps, before, p, now, reasonOf(b)), shownFreeze(p), reasonOf(b));
  });
  router.post('/memberships/:id/cancel/preview', guard, async (ctx: Ctx) => {
    const b = await body(ctx, cancelSchema);
    ctx.body = shownCancel(await m.cancelPreview(await load(ctx), Date.now(), overriding(b)));
  });
  router.post('/memberships/:id/cancel', guard, async (ctx: Ctx) => {
    const b = await body(ctx, cancelSchema);
    const now = Date.now();
    const before = await load(ctx);
    const p = await m.cancelPreview(before, now, overriding(b));
    await done(ctx, 'cancel', before, await m.cancel(deps, before, p, now), shownCancel(p), reasonOf(b));
  });
  router.post('/memberships/:id/change/preview', guard, async (ctx: Ctx) => {
    const b = await body(ctx, changeSchema);
    ctx.body = shownChange(await m.changePreview(org(ctx), await load(ctx), { ...b, at: undefined }, Date.now(), staff));
  });
  router.post('/memberships/:id/change', guard, async (ctx: Ctx) => {
    const b = await body(ctx, changeSchema);
    const before = await load(ctx);
    const p = await m.changePreview(org(ctx), before, b, Date.now(), staff);
    await done(ctx, 'change', before, await m.changePlan(deps, before, p), shownChange(p), reasonOf(b));
  });
}

function creditRoutes(router: Router, path: string, customerOf: (ctx: Ctx) => string, ...guards: Middleware[]) {
  router.get(`${path}/credits`, ...guards, async (ctx: Ctx) => {
    await expireDue(org(ctx));
    ctx.body = { items: await openCredits(org(ctx), customerOf(ctx)) };
  });
  router.get(`${path}/credits/history`, ...guards, async (ctx: Ctx) => {
    const q = validate(inputs.historyQuery, ctx.query);
    await expireDue(org(ctx));
    ctx.body = await creditHistory(org(ctx), customerOf(ctx), q);
  });
}

export const membershipClientRoutes = (customers: CustomerLookup, deps: PaymentDeps) => (router: Router) => {
  const read = requireScope('memberships', { customer: true });
  const write = requireScope('memberships:write', { customer: true });
  const me = (ctx: Ctx) => ctx.state.principal.sub;
  router.get('/membership-plans', async (ctx: Ctx) => {
    ctx.body = { items: await plans.listPlans(org(ctx), true) };
  });
  router.get('/packs', async (ctx: Ctx) => {
    ctx.body = { items: await plans.listPacks(org(ctx), true) };
  });
  router.post('/packs/:id/buy', write, async (ctx: Ctx) => {
    const packId = validate(plans.packId, ctx.params.id);
    const email = (await customers.find(org(ctx), me(ctx)))?.email;
    ctx.status = 201;
    ctx.body = await buyPack(deps, ctx.state.tenant, { id: me(ctx), email }, packId);
  });
  router.get('/memberships', read, async (ctx: Ctx) => {
    ctx.body = { items: await m.customerMemberships(deps, org(ctx), me(ctx)) };
  });
  router.get('/memberships/:id', read, async (ctx: Ctx) => {
    ctx.body = m.membershipView(await m.findMembership(org(ctx), idOf(ctx), me(ctx)));
  });
  router.post('/memberships', write, async (ctx: Ctx) => {
    const input = validate(inputs.joinInput, await readBody(ctx));
    const email = (await customers.find(org(ctx), me(ctx)))?.email;
    const { membership, payment } = await m.join(deps, ctx.state.tenant, { customerId: me(ctx), email, staff: false }, input);
    ctx.status = 201;
    ctx.body = { membership: m.membershipView(membership), payment };
  });
  router.post('/memberships/:id/refresh', write, async (ctx: Ctx) => {
    const { membership, payment } = await m.refreshJoin(deps, org(ctx), idOf(ctx), me(ctx));
    ctx.body = { membership: m.membershipView(membership), payment };
  });
  changeRoutes(router, deps, false, write);
  creditRoutes(router, '', me, read);
  router.get('/credits/for', read, async (ctx: Ctx) => {
    const q = validate(inputs.creditForQuery, ctx.query);
    // It answers for one service: one the organisation does not have is not found, as availability's is.
    await getService(org(ctx), q.serviceId);
    const { usable } = await m.memberTerms(org(ctx), me(ctx));
    ctx.body = await creditFor(org(ctx), me(ctx), q.serviceId, q.start, usable(q.start.getTime()));
  });
};

export const membershipAdminRoutes = (customers: CustomerLookup, deps: PaymentDeps) => (router: Router) => {
  const write = requireRole('admin');
  crud(router, 'plans', 'plan', {
    id: plans.planId,
    input: plans.planInput,
    patch: plans.planPatch,
    list: (o) => plans.listPlans(o),
    get: plans.getPlan,
    create: plans.createPlan,
    update: plans.updatePlan,
    remove: (o, id) => plans.deletePlan(o, id, m.planInUse),
  });
  crud(router, 'packs', 'pack', {
    id: plans.packId,
    input: plans.packInput,
    patch: plans.packPatch,
    list: (o) => plans.listPacks(o),
    get: plans.getPack,
    create: plans.createPack,
    update: plans.updatePack,
    remove: (o, id) => plans.deletePack(o, id, packInUse),
  });
  router.get('/memberships', async (ctx: Ctx) => {
    ctx.body = await m.listMemberships(deps, org(ctx), validate(inputs.listQuery, ctx.query));
  });
  router.get('/memberships/:id', async (ctx: Ctx) => {
    ctx.body = m.staffMembershipView(await m.findMembership(org(ctx), idOf(ctx)));
  });
  router.post('/memberships', write, async (ctx: Ctx) => {
    const { customerId, ...input } = validate(inputs.enrolInput, await readBody(ctx));
    const email = (await customers.find(org(ctx), customerId))?.email;
    const { membership, payment } = await m.join(deps, ctx.state.tenant, { customerId, email, staff: true }, input);
    const view = m.staffMembershipView(membership);
    await audit(ctx, 'membership.enrol', membership._id, { after: view });
    ctx.status = 201;
    ctx.body = { membership: view, payment };
  });
  changeRoutes(router, deps, true, write);
  // Another organisation's customer (or nobody) is not found, never an empty list.
  const known: Middleware = async (ctx, next) => {
    if (!(await customers.find(org(ctx as Ctx), validate(customerId, (ctx as Ctx).params.customer)))) throw new NotFound('No such customer.');
    await next();
  };
  creditRoutes(router, '/customers/:customer', (ctx) => ctx.params.customer!, known);
};
