// Admin API: registered apps and the customers who connected them (`/<org>/admin/v1/clients`). Served by idp/,
// which owns client registrations and consents. Secrets appear only in the answers to create and rotate.
import { customerId } from '../../lib/customer-id.ts';
import type { Context } from 'koa';
import { requireRole } from '../../lib/access.ts';
import { audit } from '../../lib/audit.ts';
import type { Principal } from '../../lib/bearer.ts';
import { readBody, validate } from '../../lib/http.ts';
import { emailsOf } from '../customers/service.ts';
import { listGrants } from '../grants/service.ts';
import type { IdpState } from '../interactions/routes.ts';
import type { IdpDeps } from '../provider/configuration.ts';
import { CLIENT_SCOPES, describeScope } from '../provider/scopes.ts';
import type { AdminRoutes } from '../admin-api.ts';
import * as clients from './service.ts';

type Ctx = Context & { state: IdpState & { principal: Principal }; params: Record<string, string> };

const idParam = (ctx: Ctx) => validate(clients.clientIdParam, ctx.params.id);

export function clientRoutes(api: AdminRoutes, { secrets }: IdpDeps): void {
  const write = requireRole('admin');
  const org = (ctx: Ctx) => ctx.state.org._id;
  const role = (ctx: Ctx) => ctx.state.principal.role!;

  api.get('/scopes', (ctx: Ctx) => {
    ctx.body = { items: CLIENT_SCOPES.map(describeScope) };
  });

  api.get('/clients', async (ctx: Ctx) => {
    ctx.body = { items: await clients.listClients(org(ctx)) };
  });

  api.post('/clients', write, async (ctx: Ctx) => {
    const input = validate(clients.createClientInput, await readBody(ctx));
    const { clientSecret, ...created } = await clients.createClient(secrets, org(ctx), input, role(ctx));
    await audit(ctx, 'client.create', created.clientId, { after: created });
    ctx.status = 201;
    ctx.body = { ...created, ...(clientSecret ? { clientSecret } : {}) };
  });

  api.get('/clients/:id', async (ctx: Ctx) => {
    ctx.body = await clients.getClient(org(ctx), idParam(ctx));
  });

  api.patch('/clients/:id', write, async (ctx: Ctx) => {
    const id = idParam(ctx);
    const input = validate(clients.updateClientInput, await readBody(ctx));
    const { before, after } = await clients.updateClient(org(ctx), id, input, role(ctx));
    await audit(ctx, 'client.update', id, { before, after });
    ctx.body = after;
  });

  api.post('/clients/:id/secret', write, async (ctx: Ctx) => {
    const id = idParam(ctx);
    const { clientSecret, ...rotated } = await clients.rotateSecret(secrets, org(ctx), id, role(ctx));
    await audit(ctx, 'client.rotate-secret', id);
    ctx.body = { ...rotated, clientSecret };
  });

  api.delete('/clients/:id', write, async (ctx: Ctx) => {
    const id = idParam(ctx);
    const before = await clients.deleteClient(org(ctx), id, role(ctx));
    await audit(ctx, 'client.delete', id, { before });
    ctx.status = 204;
  });

  api.get('/clients/:id/grants', async (ctx: Ctx) => {
    const id = idParam(ctx);
    await clients.getClient(org(ctx), id); // 404 for an unknown app
    const grants = await listGrants(org(ctx), { clientId: id });
    const emails = await emailsOf(
      org(ctx),
      grants.map((g) => g.accountId),
    );
    ctx.body = { items: grants.map((g) => ({ accountId: g.accountId, email: emails.get(g.accountId), scopes: g.scopes, grantedAt: g.grantedAt })) };
  });

  api.delete('/clients/:id/grants/:accountId', write, async (ctx: Ctx) => {
    const id = idParam(ctx);
    const accountId = validate(customerId, ctx.params.accountId);
    const revoked = await clients.revokeConsent(org(ctx), id, accountId, role(ctx));
    if (revoked.length)
      await audit(ctx, 'consent.revoke', `${id}/${accountId}`, {
        before: revoked.map((g) => ({ clientId: g.clientId, accountId: g.accountId, scopes: g.scopes })),
      });
    ctx.status = 204;
  });
}
