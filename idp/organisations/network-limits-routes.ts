// Admin API: the organisation's sign-in limits for one network (`/<org>/admin/v1/sign-in-limits`), ./network-limits.ts.
import type { Context } from 'koa';
import { audit } from '../../lib/audit.ts';
import { requireRole } from '../../lib/access.ts';
import { readBody, validate } from '../../lib/http.ts';
import type { AdminRoutes } from '../admin-api.ts';
import type { IdpState } from '../interactions/routes.ts';
import type { IdpDeps } from '../provider/configuration.ts';
import { networkLimitsInput, networkLimitsOf, networkLimitsView, setNetworkLimits } from './network-limits.ts';

type Ctx = Context & { state: IdpState; params: Record<string, string> };

export function networkLimitsRoutes(api: AdminRoutes, { config }: IdpDeps): void {
  const cap = config.signInCodesPerNetwork;

  api.get('/sign-in-limits', (ctx: Ctx) => {
    ctx.body = networkLimitsView(networkLimitsOf(ctx.state.org), cap);
  });

  api.patch('/sign-in-limits', requireRole('admin'), async (ctx: Ctx) => {
    const input = validate(networkLimitsInput, await readBody(ctx));
    const { before, after } = await setNetworkLimits(ctx.state.org.slug, input, cap);
    await audit(ctx, 'sign-in-limits.update', 'network', { before, after });
    ctx.body = networkLimitsView(after, cap);
  });
}
