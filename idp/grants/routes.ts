// Client API: the apps a customer has connected to their account (`/<org>/api/v1/connected-apps`), and removing one.
// Only first-party apps (the portal) get the connected_apps scope, so no third-party app can see or remove others.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { clientAuth } from '../../lib/access.ts';
import { requireScope, type Principal, type TokenStanding } from '../../lib/bearer.ts';
import { validate } from '../../lib/http.ts';
import { clientIdParam, getClient, listClients } from '../clients/service.ts';
import type { IdpState } from '../interactions/routes.ts';
import type { IdpDeps } from '../provider/configuration.ts';
import { describeScope } from '../provider/scopes.ts';
import { listGrants, revokeGrants } from './service.ts';

type Ctx = Context & { state: IdpState & { principal: Principal }; params: Record<string, string> };

export function connectedAppRoutes(router: Router<IdpState>, { config }: IdpDeps, standing: TokenStanding): void {
  const path = '/:org/api/v1/connected-apps';
  const guard = [clientAuth(config.internalUrl, standing), requireScope('connected_apps', { customer: true })];

  router.get(path, ...guard, async (ctx: Ctx) => {
    const org = ctx.state.org._id;
    const [grants, apps] = await Promise.all([listGrants(org, { accountId: ctx.state.principal.sub }), listClients(org)]);
    // Registered third-party apps only: first-party ones (and our built-in portal and console) never asked for consent.
    const thirdParty = new Map(apps.filter((a) => !a.firstParty).map((a) => [a.clientId, a]));
    const byApp = new Map<string, { clientId: string; name: string; logoUri?: string; scopes: Set<string>; grantedAt: Date }>();
    for (const g of grants) {
      const app = thirdParty.get(g.clientId);
      if (!app) continue;
      const entry = byApp.get(g.clientId) ?? {
        clientId: g.clientId,
        name: app.name,
        logoUri: app.logoUri,
        scopes: new Set<string>(),
        grantedAt: g.grantedAt,
      };
      for (const s of g.scopes) entry.scopes.add(s);
      if (g.grantedAt < entry.grantedAt) entry.grantedAt = g.grantedAt;
      byApp.set(g.clientId, entry);
    }
    ctx.body = { items: [...byApp.values()].map((a) => ({ ...a, scopes: [...a.scopes].map(describeScope) })) };
  });

  // An app that is not registered here is not found (as GET /clients/{id} says), rather than "removed" with a 204.
  router.delete(`${path}/:clientId`, ...guard, async (ctx: Ctx) => {
    const clientId = validate(clientIdParam, ctx.params.clientId);
    await getClient(ctx.state.org._id, clientId);
    await revokeGrants(ctx.state.org._id, { accountId: ctx.state.principal.sub, clientId });
    ctx.status = 204;
  });
}
