// The parts of the Admin API (`/<org>/admin/v1`) that idp/ serves, because it owns their data: apps (OIDC clients),
// consents, staff, finding customers and sign-in limits. Same token rules as the rest of the Admin API (lib/access.ts).
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { adminAuth, type RoleLookup } from '../lib/access.ts';
import type { TokenStanding } from '../lib/bearer.ts';
import type { Mailer } from '../lib/mailer.ts';
import { clientRoutes } from './clients/routes.ts';
import { customerAdminRoutes } from './customers/admin-routes.ts';
import type { IdpState } from './interactions/routes.ts';
import { networkLimitsRoutes } from './organisations/network-limits-routes.ts';
import { staffRoutes } from './organisations/staff-routes.ts';
import type { IdpDeps } from './provider/configuration.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Any Koa handler, whatever state it expects (`never`: handlers narrow the context, they do not widen it). */
type Handler = (ctx: never, next: () => Promise<unknown>) => unknown;
/** Route registration relative to the Admin API's root, each route behind its token check. */
export type AdminRoutes = Record<Method, (path: string, ...handlers: Handler[]) => void>;

export const ADMIN_API_PREFIX = '/:org/admin/v1';

export function adminApiRoutes(router: Router<IdpState>, deps: IdpDeps & { mailer: Mailer }, roles: RoleLookup, standing: TokenStanding): void {
  const auth = adminAuth(deps.config.internalUrl, roles, standing);
  const at =
    (method: Method) =>
    (path: string, ...handlers: Handler[]) => {
      router[method](`${ADMIN_API_PREFIX}${path}`, ...(auth as Middleware<IdpState>[]), ...(handlers as Middleware<IdpState>[]));
    };
  const api: AdminRoutes = { get: at('get'), post: at('post'), put: at('put'), patch: at('patch'), delete: at('delete') };
  clientRoutes(api, deps);
  staffRoutes(api, deps);
  customerAdminRoutes(api);
  networkLimitsRoutes(api, deps);
}
