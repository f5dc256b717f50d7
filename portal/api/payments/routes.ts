// The organisation's Stripe connection (Admin API: admins read and test it; only owners change it, as it decides
// where the business's money goes) and customers' saved payment methods (Client API, scopes `payments` and
// `payments:write`; staff read them to charge a card on file).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireRole, type CustomerLookup } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import { requireScope, type BearerState } from '../../../lib/bearer.ts';
import { customerId } from '../../../lib/customer-id.ts';
import { readBody, validate } from '../../../lib/http.ts';
import * as methods from './methods.ts';
import * as settings from './settings.ts';
import { webhookEvents } from './webhook.ts';
import type { PaymentDeps } from './stripe.ts';

/** Where Stripe's dashboard should send events, and which. */
const withWebhook = <V extends object>(ctx: Ctx, view: V) => ({
  ...view,
  webhook: { url: `${ctx.state.tenant.issuer}/stripe/webhook`, events: webhookEvents },
});
type Ctx = Context & { state: BearerState; params: Record<string, string> };

export const paymentMethodClientRoutes = (deps: PaymentDeps, customers: CustomerLookup) => (router: Router) => {
  const read = requireScope('payments', { customer: true });
  const write = requireScope('payments:write', { customer: true });
  const pmOf = (ctx: Ctx) => validate(methods.paymentMethodId, ctx.params.id);
  router.get('/payment-methods', read, async (ctx: Ctx) => {
    ctx.body = await methods.listMethods(ctx.state.tenant.id, ctx.state.principal.sub);
  });
  router.post('/payment-methods/setup', write, async (ctx: Ctx) => {
    const { id: org } = ctx.state.tenant;
    const { sub } = ctx.state.principal;
    ctx.status = 201;
    ctx.body = await methods.startSetup(deps, org, sub, (await customers.find(org, sub))?.email);
  });
  router.post('/payment-methods', write, async (ctx: Ctx) => {
    const { setupIntentId } = validate(methods.confirmInput, await readBody(ctx));
    const saved = await methods.confirmSetup(deps, ctx.state.tenant.id, ctx.state.principal.sub, setupIntentId);
    ctx.status = saved ? 201 : 202;
    ctx.body = saved ?? { pending: true };
  });
  router.post('/payment-methods/:id/default', write, async (ctx: Ctx) => {
    ctx.body = await methods.setDefault(ctx.state.tenant.id, ctx.state.principal.sub, pmOf(ctx));
  });
  router.delete('/payment-methods/:id', write, async (ctx: Ctx) => {
    await methods.removeMethod(deps, ctx.state.tenant.id, ctx.state.principal.sub, pmOf(ctx));
    ctx.status = 204;
  });
};

export function paymentAdminRoutes({ sealKey, endpoint }: PaymentDeps) {
  return (router: Router) => {
    router.get('/customers/:customer/payment-methods', async (ctx: Ctx) => {
      ctx.body = await methods.listMethods(ctx.state.tenant.id, validate(customerId, ctx.params.customer));
    });
    // Staff read it too (the till needs the tax rates): keys are only ever hints.
    router.get('/payments/settings', async (ctx: Ctx) => {
      ctx.body = withWebhook(ctx, await settings.getSettings(ctx.state.tenant.id));
    });
    router.put('/payments/settings', requireRole('owner'), async (ctx: Ctx) => {
      const input = validate(settings.settingsInput, await readBody(ctx));
      const { before, after } = await settings.updateSettings(sealKey, ctx.state.tenant.id, input);
      ctx.body = withWebhook(ctx, after);
      await audit(ctx, 'payments.settings.update', 'payments', { before, after }); // views: hints, never keys
    });
    router.post('/payments/settings/test', requireRole('admin'), async (ctx: Ctx) => {
      ctx.body = await settings.testConnection(sealKey, ctx.state.tenant.id, endpoint);
    });
  };
}
