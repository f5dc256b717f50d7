// Admin API: the organisation's Stripe connection. Admins read it and test it; only owners change it (it decides
// where the business's money goes).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireRole } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import type { BearerState } from '../../../lib/bearer.ts';
import { readBody, validate } from '../../../lib/http.ts';
import * as settings from './settings.ts';
import type { StripeEndpoint } from './stripe.ts';

type Ctx = Context & { state: BearerState };

/** `sealKey` seals the secrets; `endpoint` is where Stripe is (stripe-mock in tests). */
export type PaymentDeps = { sealKey: Buffer; endpoint: StripeEndpoint };

export function paymentAdminRoutes({ sealKey, endpoint }: PaymentDeps) {
  return (router: Router) => {
    router.get('/payments/settings', requireRole('admin'), async (ctx: Ctx) => {
      ctx.body = await settings.getSettings(ctx.state.tenant.id);
    });
    router.put('/payments/settings', requireRole('owner'), async (ctx: Ctx) => {
      const input = validate(settings.settingsInput, await readBody(ctx));
      const { before, after } = await settings.updateSettings(sealKey, ctx.state.tenant.id, input);
      ctx.body = after;
      await audit(ctx, 'payments.settings.update', 'payments', { before, after }); // views: hints, never keys
    });
    router.post('/payments/settings/test', requireRole('admin'), async (ctx: Ctx) => {
      ctx.body = await settings.testConnection(sealKey, ctx.state.tenant.id, endpoint);
    });
  };
}
