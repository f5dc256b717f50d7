// Tabs over HTTP. Customers (scope `payments` to read, `payments:write` to pay) see and settle their own; staff open
// tabs, change lines and discounts, void them, and settle at the counter (card on file or cash).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireRole, type CustomerLookup } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import { moneySettings } from '../payments/settings.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import * as tabs from './service.ts';
import { refresh, settle, settleInput, staffSettleInput, type SettleAnswer } from './settle.ts';

type Ctx = Context & { state: BearerState; params: Record<string, string> };
const shown = <V>(a: SettleAnswer, view: (t: SettleAnswer['tab']) => V) => ({ ...a, tab: view(a.tab) });
const idOf = (ctx: Ctx) => validate(tabs.tabId, ctx.params.id);

export const tabClientRoutes = (deps: PaymentDeps) => (router: Router) => {
  const read = requireScope('payments', { customer: true });
  const write = requireScope('payments:write', { customer: true });
  const who = (ctx: Ctx) => ({ customerId: ctx.state.principal.sub, timeZone: ctx.state.tenant.timeZone });
  router.get('/tabs', read, async (ctx: Ctx) => {
    const q = validate(tabs.listQuery, ctx.query);
    ctx.body = { items: (await tabs.listTabs(ctx.state.tenant.id, { ...q, customerId: ctx.state.principal.sub })).map(tabs.customerView) };
  });
  router.get('/tabs/:id', read, async (ctx: Ctx) => {
    ctx.body = tabs.customerView(await tabs.findTab(ctx.state.tenant.id, idOf(ctx), ctx.state.principal.sub));
  });
  router.post('/tabs/:id/settle', write, async (ctx: Ctx) => {
    const input = validate(settleInput, await readBody(ctx));
    ctx.body = shown(
      await settle(
        deps,
        ctx.state.tenant.id,
        idOf(ctx),
        { method: 'card', paymentMethod: input.paymentMethod, offSession: false },
        input.tip,
        who(ctx),
      ),
      tabs.customerView,
    );
  });
  router.post('/tabs/:id/settle/refresh', write, async (ctx: Ctx) => {
    ctx.body = shown(await refresh(deps, ctx.state.tenant.id, idOf(ctx), who(ctx)), tabs.customerView);
  });
};

export const tabAdminRoutes = (deps: PaymentDeps, customers: CustomerLookup) => (router: Router) => {
  const staff = requireRole('staff');
  const settings = (ctx: Ctx) => moneySettings(deps.sealKey, ctx.state.tenant.id);
  const changed = async (ctx: Ctx, action: string, tab: Parameters<typeof tabs.staffView>[0], status = 200) => {
    ctx.status = status;
    ctx.body = tabs.staffView(tab);
    await audit(ctx, action, tab._id, { after: ctx.body });
  };
  router.get('/tabs', async (ctx: Ctx) => {
    ctx.body = { items: (await tabs.listTabs(ctx.state.tenant.id, validate(tabs.staffListQuery, ctx.query))).map(tabs.staffView) };
  });
  router.post('/tabs', staff, async (ctx: Ctx) => {
    const input = validate(tabs.openInput, await readBody(ctx));
    const { id: org } = ctx.state.tenant;
    await changed(ctx, 'tab.open', await tabs.openTab(org, await settings(ctx), input, await customers.find(org, input.customerId)), 201);
  });
  router.get('/tabs/:id', async (ctx: Ctx) => {
    ctx.body = tabs.staffView(await tabs.findTab(ctx.state.tenant.id, idOf(ctx)));
  });
  router.post('/tabs/:id/lines', staff, async (ctx: Ctx) => {
    const input = validate(tabs.lineInput, await readBody(ctx));
    await changed(ctx, 'tab.line_add', await tabs.addLine(ctx.state.tenant.id, await settings(ctx), idOf(ctx), input), 201);
  });
  router.delete('/tabs/:id/lines/:line', staff, async (ctx: Ctx) => {
    await changed(ctx, 'tab.line_remove', await tabs.removeLine(ctx.state.tenant.id, idOf(ctx), validate(tabs.lineId, ctx.params.line)));
  });
  router.put('/tabs/:id/discount', staff, async (ctx: Ctx) => {
    const input = validate(tabs.discountInput, await readBody(ctx));
    await changed(ctx, 'tab.discount', await tabs.setDiscount(ctx.state.tenant.id, idOf(ctx), input));
  });
  router.delete('/tabs/:id/discount', staff, async (ctx: Ctx) => {
    await changed(ctx, 'tab.discount', await tabs.setDiscount(ctx.state.tenant.id, idOf(ctx), null));
  });
  router.post('/tabs/:id/void', staff, async (ctx: Ctx) => {
    const { reason } = validate(tabs.voidInput, await readBody(ctx));
    await changed(ctx, 'tab.void', await tabs.voidTab(ctx.state.tenant.id, idOf(ctx), reason));
  });
  router.post('/tabs/:id/settle', staff, async (ctx: Ctx) => {
    const input = validate(staffSettleInput, await readBody(ctx));
    const { id: org, timeZone } = ctx.state.tenant;
    const id = idOf(ctx);
    const means =
      input.method === 'cash' ? ({ method: 'cash' } as const) : { method: 'card' as const, offSession: true, paymentMethod: input.paymentMethod };
    const answer = shown(await settle(deps, org, id, means, input.tip, { timeZone }), tabs.staffView);
    ctx.body = answer;
    await audit(ctx, `tab.settle.${input.method}`, id, { after: { payment: answer.payment, total: answer.tab.totals.total, tip: input.tip } });
  });
};
