// The Client API (`/<org>/api/v1`, for customers' apps) and the Admin API (`/<org>/admin/v1`, for staff), each a
// resource server of the organisation's issuer. The organisation comes from the URL, once, into ctx.state.tenant.
// idp/ serves the paths whose data it owns (profile, apps, staff); their descriptions come in as `idpPaths`.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import { z } from 'zod';
import { adminAuth, clientAuth, type CustomerLookup, type RoleLookup } from '../../lib/access.ts';
import { AUDIT_CURSOR, listAudit } from '../../lib/audit.ts';
import type { BearerState, TokenStanding } from '../../lib/bearer.ts';
import type { ChangeFeed } from '../../lib/changes.ts';
import type { EventHub } from '../../lib/events.ts';
import type { Logger } from '../../lib/log.ts';
import { validate } from '../../lib/http.ts';
import type { Paths } from '../../lib/openapi.ts';
import { tenantParam, type Tenants } from '../../lib/tenants.ts';
import { useAvailabilityCaches } from './availability/service.ts';
import { bookingAdminRoutes, bookingClientRoutes } from './bookings/routes.ts';
import { catalogueAdminRoutes, catalogueClientRoutes } from './catalogue/routes.ts';
import { companyAdminRoutes, companyClientRoutes } from './company/routes.ts';
import { flowAdminRoutes, flowClientRoutes } from './flows/routes.ts';
import type { FlowPreview } from './flows/service.ts';
import { membershipAdminRoutes, membershipClientRoutes } from './memberships/routes.ts';
import { eventAdminRoutes, eventClientRoutes } from './events/routes.ts';
import { adminOpenApi, clientOpenApi } from './openapi.ts';
import { documentAdminRoutes, documentClientRoutes, pdfLogos } from './documents/routes.ts';
import { paymentAdminRoutes, paymentMethodClientRoutes } from './payments/routes.ts';
import type { PaymentDeps } from './payments/stripe.ts';
import { stripeWebhook, WEBHOOK_PATH } from './payments/webhook.ts';
import { portalAdminRoutes, portalClientRoutes } from './portals/routes.ts';
import { tabAdminRoutes, tabClientRoutes } from './tabs/routes.ts';

export type ApiDeps = {
  internalUrl: string;
  tenants: Tenants;
  roles: RoleLookup;
  standing: TokenStanding;
  customers: CustomerLookup;
  idpPaths: { client: Paths; admin: Paths };
  events: EventHub;
  changes: ChangeFeed;
  payments: PaymentDeps;
  log: Logger;
  /** Renders a flow draft's step for the console's preview: the flow pages' template lives with them (portal/flows). */
  flowPreview: FlowPreview;
};
type Ctx = Context & { state: BearerState };

/** Where the two APIs live: `/<org>/api/v1` and `/<org>/admin/v1`. */
const API_PATH = /^\/[^/]+\/(api|admin)\/v1(\/|$)/;

function apiRouter(prefix: string, tenants: Tenants, openapi: (server: string) => object, auth: Middleware[], routes: ((r: Router) => void)[]) {
  const router = new Router({ prefix });
  router.param('org', tenantParam(tenants));
  // The description is public; everything else needs a token.
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi(`${ctx.state.tenant.issuer}${prefix.replace('/:org', '')}`);
  });
  const secured = new Router();
  for (const add of routes) add(secured);
  router.use(...auth, secured.routes() as Middleware);
  return router;
}

const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(AUDIT_CURSOR, 'use the `next` of the previous page').optional(),
});

function accountRoutes(router: Router) {
  router.get('/me', (ctx: Ctx) => {
    const { sub, email, role, clientId } = ctx.state.principal;
    ctx.body = { sub, email, role, clientId };
  });
  router.get('/audit', async (ctx: Ctx) => {
    ctx.body = await listAudit(ctx.state.tenant.id, validate(auditQuery, ctx.query));
  });
}

export function createPortalApi(deps: ApiDeps): Middleware {
  const { internalUrl, tenants, roles, standing, customers, idpPaths, events, changes, payments, log, flowPreview } = deps;
  useAvailabilityCaches(changes);
  const logos = pdfLogos(log);
  const client = apiRouter(
    '/:org/api/v1',
    tenants,
    (s) => clientOpenApi(s, idpPaths.client),
    [clientAuth(internalUrl, standing)],
    [
      portalClientRoutes,
      companyClientRoutes,
      catalogueClientRoutes,
      bookingClientRoutes(customers, payments),
      paymentMethodClientRoutes(payments, customers),
      tabClientRoutes(payments),
      documentClientRoutes(logos),
      membershipClientRoutes(customers, payments),
      flowClientRoutes,
      eventClientRoutes(events),
    ],
  );
  const admin = apiRouter('/:org/admin/v1', tenants, (s) => adminOpenApi(s, idpPaths.admin), adminAuth(internalUrl, roles, standing), [
    accountRoutes,
    portalAdminRoutes,
    companyAdminRoutes,
    catalogueAdminRoutes,
    bookingAdminRoutes(customers, payments),
    eventAdminRoutes(events),
    paymentAdminRoutes(payments),
    tabAdminRoutes(payments, customers),
    documentAdminRoutes(payments, logos),
    flowAdminRoutes(customers, flowPreview),
    membershipAdminRoutes(customers, payments),
  ]);
  const routes = compose([client.routes() as Middleware, admin.routes() as Middleware]);
  const webhook = stripeWebhook(tenants, payments, log);
  // Other paths skip the routers' matching.
  return (ctx, next) => (API_PATH.test(ctx.path) ? routes(ctx, next) : WEBHOOK_PATH.test(ctx.path) ? webhook(ctx, next) : next());
}
